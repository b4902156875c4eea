-- backfill_statement: the backfill's batch statement computes the new
-- columns itself.  Non-volatile expressions: it runs as a replica, so no
-- row trigger fires for it (the table's own triggers included); a volatile
-- one: triggers fire as usual; a subquery: the sync trigger computes each
-- row.  Foreign keys on new columns are still checked (validated after the
-- backfill), and the values are those the sync trigger computes.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA bs;
CREATE TABLE bs.audit (n bigint NOT NULL);
CREATE TABLE bs.t (id int PRIMARY KEY, a int NOT NULL, note text);
INSERT INTO bs.t SELECT g, g, 'n' || g FROM generate_series(1, 2000) g;
CREATE FUNCTION bs.count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO bs.audit VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER audit_update AFTER UPDATE ON bs.t FOR EACH ROW EXECUTE FUNCTION bs.count_update();
CREATE TABLE bs.parent (id int PRIMARY KEY);
INSERT INTO bs.parent SELECT g FROM generate_series(1, 10) g;
SET pgroll.backfill_batch_size = 500;

-- 1. immutable up (a rewrite and an added column): no trigger fires
SELECT pgroll.start('{"operations": [
  {"alter_column": {"table": "t", "column": "a", "type": "bigint", "up": "a * 2", "down": "a / 2"}},
  {"add_column": {"table": "t", "up": "upper(note)", "column": {"name": "shout", "type": "text", "nullable": true}}}]}',
  '01', 'bs');
CALL pgroll.wait('bs');
SELECT count(*) AS audit_rows FROM bs.audit;
SELECT count(*) AS wrong FROM bs.t
 WHERE _pgroll_new_a IS DISTINCT FROM a * 2 OR _pgroll_new_shout IS DISTINCT FROM upper(note)
    OR _pgroll_needs_backfill;
-- the sync trigger still serves writers: an old write, a new write
UPDATE bs.t SET a = 7 WHERE id = 1;
SET search_path = bs_01;
UPDATE t SET a = 40 WHERE id = 2;
RESET search_path;
SELECT id, a, _pgroll_new_a, _pgroll_new_shout FROM bs.t WHERE id IN (1, 2) ORDER BY id;
SELECT count(*) AS audit_rows_after_writes FROM bs.audit;
SELECT pgroll.rollback('bs');
CALL pgroll.wait('bs');
TRUNCATE bs.audit;

-- 2. a volatile up: the statement computes it, and triggers fire
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "t", "up": "a + (random() * 0)::int", "column": {"name": "b", "type": "int", "nullable": true}}}]}',
  '02', 'bs');
CALL pgroll.wait('bs');
SELECT count(*) AS audit_rows FROM bs.audit;
SELECT count(*) AS wrong FROM bs.t WHERE _pgroll_new_b IS DISTINCT FROM a OR _pgroll_needs_backfill;
SELECT pgroll.rollback('bs');
CALL pgroll.wait('bs');
TRUNCATE bs.audit;

-- 3. an up with a subquery: the sync trigger computes each row
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "t", "up": "(SELECT max(p.id) FROM parent p WHERE p.id <= a)", "column": {"name": "p", "type": "int", "nullable": true}}}]}',
  '03', 'bs');
CALL pgroll.wait('bs');
SELECT count(*) AS audit_rows FROM bs.audit;
SELECT count(*) AS wrong FROM bs.t WHERE _pgroll_new_p IS DISTINCT FROM least(a, 10) OR _pgroll_needs_backfill;
SELECT pgroll.rollback('bs');
CALL pgroll.wait('bs');
TRUNCATE bs.audit;

-- 4. a foreign key on the new column: rows the backfill fills without
-- firing the RI trigger are checked when the constraint is validated
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "t", "up": "a", "column": {"name": "parent_id", "type": "int", "nullable": true,
     "references": {"name": "t_parent_fk", "table": "parent", "column": "id"}}}}]}',
  '04', 'bs');
CALL pgroll.wait('bs');
:e
SELECT kind, state, error ~ 'violates foreign key constraint' AS fk_error FROM pgroll.jobs
 WHERE schema = 'bs' AND migration = '04' ORDER BY id;
SELECT pgroll.complete('bs');
:e
SELECT pgroll.rollback('bs');
CALL pgroll.wait('bs');
SELECT count(*) AS audit_rows FROM bs.audit;

DELETE FROM pgroll.migrations WHERE schema = 'bs';
DELETE FROM pgroll.jobs WHERE schema = 'bs';
DROP SCHEMA bs CASCADE;
