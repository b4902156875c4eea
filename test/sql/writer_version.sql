-- writer_version: which version a write belongs to, decided by the write
-- itself (the version's view it goes through, the columns an UPDATE sets),
-- then by the session (pgroll.version, search_path); up/down with subqueries
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA wv;
CREATE TABLE wv.items (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL);
INSERT INTO wv.items SELECT g, 'item ' || g, g * 100 FROM generate_series(1, 5) g;
SELECT pgroll.start('{"operations": [{"create_table": {"name": "audit",
  "columns": [{"name": "id", "type": "serial", "pk": true},
              {"name": "note", "type": "text"}]}}]}', '01_base', 'wv');
SELECT pgroll.complete('wv');

-- price in cents becomes a numeric in dollars
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "price",
  "type": "numeric(10,2)", "up": "price / 100.0", "down": "(price * 100)::int"}}]}',
  '02_dollars', 'wv');
CALL pgroll.wait('wv');

-- a schema-qualified write through the new version's view, from a session
-- whose search_path names no version, is a new write: its value stands
SHOW search_path;
UPDATE wv_02_dollars.items SET price = 9.99 WHERE id = 1;
SELECT price FROM wv_02_dollars.items WHERE id = 1;
SELECT price FROM wv_01_base.items WHERE id = 1;
-- and through the old version's view, an old write, whatever the path says
SET search_path = wv_02_dollars;
UPDATE wv_01_base.items SET price = 2300 WHERE id = 2;
RESET search_path;
SELECT price FROM wv_02_dollars.items WHERE id = 2;
SELECT price FROM wv_01_base.items WHERE id = 2;
INSERT INTO wv_02_dollars.items (id, name, price) VALUES (10, 'new', 1.50);
INSERT INTO wv_01_base.items (id, name, price) VALUES (11, 'old', 150);
SELECT id, price FROM wv_02_dollars.items WHERE id IN (10, 11) ORDER BY id;
SELECT id, price FROM wv_01_base.items WHERE id IN (10, 11) ORDER BY id;

-- the first schema on search_path that is the base schema or a version
-- decides: "wv, wv_02_dollars" is an old client, "wv_02_dollars, wv" a new one
SET search_path = wv, wv_02_dollars;
UPDATE items SET price = 500 WHERE id = 3;
SET search_path = wv_02_dollars, wv;
UPDATE items SET price = 7.25 WHERE id = 4;
RESET search_path;
SELECT id, price FROM wv_02_dollars.items WHERE id IN (3, 4) ORDER BY id;
SELECT id, price FROM wv_01_base.items WHERE id IN (3, 4) ORDER BY id;

-- the columns an UPDATE of the base table sets: the new column only the new
-- version sees makes it new, the old one old, both is refused
UPDATE wv.items SET _pgroll_new_price = 1.25 WHERE id = 5;
SELECT price FROM wv_01_base.items WHERE id = 5;
UPDATE wv.items SET price = 600, _pgroll_new_price = 1 WHERE id = 5;
:e

-- pgroll.version must name a live version of the table's schema
SET pgroll.version = 'wv_01_bsae';
UPDATE wv.items SET name = 'typo' WHERE id = 5;
:e
SET pgroll.version = '01_base';
UPDATE wv.items SET name = 'old by setting', price = 700 WHERE id = 5;
SET pgroll.version = 'wv_02_dollars';
INSERT INTO wv.items (id, name, price, _pgroll_new_price) VALUES (12, 'new by setting', 0, 3.5);
RESET pgroll.version;
SELECT id, name, price FROM wv_02_dollars.items WHERE id IN (5, 12) ORDER BY id;
SELECT id, name, price FROM wv_01_base.items WHERE id IN (5, 12) ORDER BY id;
-- one statement writing the table through both versions (a writable CTE)
-- is refused: the trigger could not tell which write a row comes from
WITH o AS (INSERT INTO wv_01_base.items (id, name, price) VALUES (30, 'old', 100) RETURNING id)
INSERT INTO wv_02_dollars.items (id, name, price) VALUES (31, 'new', 11.00);
:e
SELECT count(*) AS written FROM wv.items WHERE id IN (30, 31);
-- one version's write and another table's through the other version is fine
WITH o AS (INSERT INTO wv_01_base.audit (note) VALUES ('old side') RETURNING id)
INSERT INTO wv_02_dollars.items (id, name, price) VALUES (31, 'new', 11.00);
SELECT id, price FROM wv_01_base.items WHERE id = 31;
SELECT pgroll.rollback('wv');

-- the columns an UPDATE sets are what it says, never guessed from values:
-- a new writer's SET z = NULL on a row the backfill has not reached stays
-- NULL (the worker starts only when the start commits)
BEGIN;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "items", "up": "upper(name)",
  "column": {"name": "label", "type": "text", "nullable": true}}}]}', '02_label', 'wv');
UPDATE wv_02_label.items SET label = NULL WHERE id = 1;
UPDATE wv_02_label.items SET name = 'renamed' WHERE id = 2;
SELECT id, name, label FROM wv_02_label.items WHERE id IN (1, 2) ORDER BY id;
COMMIT;
CALL pgroll.wait('wv');
SELECT id, name, label FROM wv_02_label.items WHERE id IN (1, 2, 3) ORDER BY id;
SELECT pgroll.rollback('wv');

-- an application's BEFORE trigger that changes a migrated column: the sync
-- step sees the row as the application left it, so both versions agree
CREATE FUNCTION wv.round_price() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.price := (NEW.price / 100) * 100;
    RETURN NEW;
END $$;
CREATE TRIGGER round_price BEFORE INSERT OR UPDATE ON wv.items
    FOR EACH ROW EXECUTE FUNCTION wv.round_price();
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "price",
  "type": "numeric(10,2)", "up": "price / 100.0", "down": "(price * 100)::int"}}]}',
  '02_dollars', 'wv');
CALL pgroll.wait('wv');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'wv.items'::regclass AND NOT tgisinternal
  ORDER BY tgname COLLATE "C";
UPDATE wv_01_base.items SET price = 1234 WHERE id = 1;
SELECT price FROM wv_01_base.items WHERE id = 1;
SELECT price FROM wv_02_dollars.items WHERE id = 1;
SELECT pgroll.rollback('wv');
DROP TRIGGER round_price ON wv.items;

-- up and down may use subqueries over the row's own columns: a bare
-- "select <column>" (pgroll's "up sql missing parentheses"), a derived
-- table, a scalar subquery; they work in the trigger and in the backfill
INSERT INTO wv.audit (note) VALUES ('item 1'), ('item 1'), ('old writer');
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "items", "up": "select name",
     "column": {"name": "plain", "type": "text", "nullable": true}}},
  {"add_column": {"table": "items", "up": "(select d.x || ''!'' from (select name) d(x))",
     "column": {"name": "derived", "type": "text", "nullable": true}}},
  {"add_column": {"table": "items", "up": "(select count(*) from wv.audit a where a.note = name)",
     "column": {"name": "audits", "type": "bigint", "nullable": true}}}]}', '02_sub', 'wv');
CALL pgroll.wait('wv');
SELECT phase FROM pgroll.status('wv');
INSERT INTO wv.items (id, name, price) VALUES (20, 'old writer', 1);
SELECT id, plain, derived, audits FROM wv_02_sub.items WHERE id IN (1, 20) ORDER BY id;
SELECT pgroll.complete('wv');
-- a subquery where a condition is needed is refused at start, never a crash
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_sub", "table": "items",
  "columns": ["name"], "predicate": "(select name) is not null"}}]}', '03_idx', 'wv');
:e

-- after all this, the server is up and the schema complete
SELECT status FROM pgroll.status('wv');
