-- complete_checks: complete checks what it relies on instead of assuming
-- it; a backfill sees every row or start refuses; a check that cannot
-- apply to a column's new type makes start refuse
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
\set VERBOSITY default
CREATE SCHEMA cc;
CREATE TABLE cc.items (id int PRIMARY KEY, price int NOT NULL, code text CHECK (code <> ''));
INSERT INTO cc.items SELECT g, g * 100, 'c' || g FROM generate_series(1, 200) g;
CREATE INDEX items_price_idx ON cc.items (price);

SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "price",
  "type": "bigint", "up": "price * 2", "down": "price / 2"}}]}', '01_double', 'cc');
CALL pgroll.wait('cc');
-- the sync trigger fires ALWAYS: a write with session_replication_role =
-- replica (logical replication's apply, a restore) still reaches both
-- versions
SET session_replication_role = replica;
UPDATE cc.items SET price = 777 WHERE id = 7;
INSERT INTO cc.items (id, price, code) VALUES (999, 3, 'r');
RESET session_replication_role;
SELECT id, price, _pgroll_new_price, _pgroll_needs_backfill FROM cc.items WHERE id IN (7, 999) ORDER BY id;
-- a disabled sync trigger may have missed writes: complete refuses while
-- it is disabled, and after it is enabled again, the rows written
-- meanwhile still carry their mark
ALTER TABLE cc.items DISABLE TRIGGER "~pgroll_sync";
INSERT INTO cc.items (id, price, code, _pgroll_new_price) VALUES (1000, 5, 'r', 10);
SELECT pgroll.complete('cc');
:e
ALTER TABLE cc.items ENABLE ALWAYS TRIGGER "~pgroll_sync";
SELECT pgroll.complete('cc');
:e
-- a copied index that is not valid: complete refuses, naming it
UPDATE cc.items SET price = price WHERE id = 1000;
UPDATE pg_index SET indisvalid = false
  WHERE indexrelid = (SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'cc'::regnamespace
                        AND c.relname LIKE '\_pgroll\_dup\_items\_price\_idx%');
SELECT pgroll.complete('cc');
:e
UPDATE pg_index SET indisvalid = true
  WHERE indexrelid = (SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'cc'::regnamespace
                        AND c.relname LIKE '\_pgroll\_dup\_items\_price\_idx%');
-- the NOT NULL check of the copy not validated
UPDATE pg_constraint SET convalidated = false
  WHERE conrelid = 'cc.items'::regclass AND conname LIKE '\_pgroll\_check\_not\_null%';
SELECT pgroll.complete('cc');
:e
UPDATE pg_constraint SET convalidated = true
  WHERE conrelid = 'cc.items'::regclass AND conname LIKE '\_pgroll\_check\_not\_null%';
-- with everything in place it completes; the index and its column have
-- the final names, nothing is called _pgroll_*
SELECT pgroll.complete('cc');
SELECT indexrelid::regclass AS index, a.attname
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid
  WHERE i.indrelid = 'cc.items'::regclass ORDER BY 1, 2;
SELECT count(*) AS pgroll_names FROM pg_attribute
  WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'cc'::regnamespace)
    AND attname LIKE '\_pgroll%' AND NOT attisdropped;
SELECT price FROM cc.items WHERE id IN (1, 1000) ORDER BY id;

-- a check that does not fit the new type is never dropped: start refuses
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items", "column": "code",
  "type": "int", "up": "length(code)", "down": "code::text"}}]}', '02_code', 'cc');
:e
SELECT status FROM pgroll.status('cc');

-- a partitioned table: the trigger on the parent reaches every partition,
-- and complete and rollback remove it (with its clones) and the marker
CREATE TABLE cc.parts (id int, k int, price int NOT NULL, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
CREATE TABLE cc.parts_1 PARTITION OF cc.parts FOR VALUES IN (1);
CREATE TABLE cc.parts_2 PARTITION OF cc.parts FOR VALUES IN (2);
INSERT INTO cc.parts SELECT g, 1 + g % 2, g FROM generate_series(1, 100) g;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "parts", "column": "price",
  "type": "bigint", "up": "price * 2", "down": "price / 2"}}]}', '03_parts', 'cc');
CALL pgroll.wait('cc');
INSERT INTO cc_03_parts.parts VALUES (500, 2, 5);
SELECT pgroll.rollback('cc');
SELECT price AS down_of_the_new_write FROM cc.parts WHERE id = 500;
SELECT count(*) AS pgroll_triggers FROM pg_trigger
  WHERE tgrelid IN ('cc.parts'::regclass, 'cc.parts_1'::regclass, 'cc.parts_2'::regclass)
    AND NOT tgisinternal;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "parts", "column": "price",
  "type": "bigint", "up": "price * 2", "down": "price / 2"}}]}', '03_parts', 'cc');
CALL pgroll.wait('cc');
UPDATE cc_03_parts.parts SET price = 1000 WHERE id = 500;
SELECT pgroll.complete('cc');
SELECT count(*) AS rows, count(*) FILTER (WHERE price = id * 2 OR id = 500) AS right,
       (SELECT price FROM cc.parts WHERE id = 500) AS new_write
  FROM cc.parts;
SELECT count(*) AS pgroll_leftovers FROM pg_attribute
  WHERE attrelid IN ('cc.parts'::regclass, 'cc.parts_1'::regclass, 'cc.parts_2'::regclass)
    AND attname LIKE '\_pgroll%' AND NOT attisdropped;

-- never a migration that starts and cannot finish: a column that a
-- generated column depends on is refused at start, since complete could
-- not drop it (a client's view is carried over: dependents.sql); so is a
-- rewrite of a table with inheritance children, whose rows the trigger
-- would not reach
CREATE TABLE cc.orders (id int PRIMARY KEY, price int, qty int, note text,
                        total int GENERATED ALWAYS AS (price * qty) STORED);
CREATE VIEW cc.order_notes AS SELECT id, note FROM cc.orders;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "orders", "column": "qty",
  "type": "bigint", "up": "qty", "down": "qty"}}]}', '04_qty', 'cc');
:e
SELECT pgroll.validate('{"operations": [{"alter_column": {"table": "orders", "column": "note",
  "type": "varchar(100)", "up": "note", "down": "note"}}]}', 'cc');
CREATE TABLE cc.base (id int PRIMARY KEY, v int);
CREATE TABLE cc.derived () INHERITS (cc.base);
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "base", "column": "v",
  "type": "bigint", "up": "v", "down": "v"}}]}', '04_v', 'cc');
:e
SELECT count(*) AS migrations_04 FROM pgroll.migrations WHERE schema = 'cc' AND name LIKE '04%';

-- row-level security: the backfill runs as the role that started the
-- migration and must see every row
CREATE ROLE pgroll_cc_owner LOGIN;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO pgroll_cc_owner', current_database()); END $$;
CREATE SCHEMA cc_rls AUTHORIZATION pgroll_cc_owner;
SET ROLE pgroll_cc_owner;
CREATE TABLE cc_rls.secrets (id int PRIMARY KEY, owner_name text NOT NULL, v int NOT NULL);
INSERT INTO cc_rls.secrets SELECT g, CASE WHEN g % 2 = 0 THEN 'alice' ELSE 'bob' END, g
  FROM generate_series(1, 100) g;
ALTER TABLE cc_rls.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE cc_rls.secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY only_alice ON cc_rls.secrets USING (owner_name = 'alice');
SELECT count(*) AS visible_to_owner FROM cc_rls.secrets;
-- FORCE applies to the owner: start refuses before changing anything
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "secrets", "column": "v",
  "type": "bigint", "up": "v * 10", "down": "v / 10"}}]}', '01_wide', 'cc_rls');
:e
SELECT count(*) AS migrations FROM pgroll.migrations WHERE schema = 'cc_rls';
RESET ROLE;
-- with BYPASSRLS the backfill sees every row
ALTER ROLE pgroll_cc_owner BYPASSRLS;
SET ROLE pgroll_cc_owner;
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "secrets", "column": "v",
  "type": "bigint", "up": "v * 10", "down": "v / 10"}}]}', '01_wide', 'cc_rls');
RESET ROLE;
CALL pgroll.wait('cc_rls');
SET ROLE pgroll_cc_owner;
SELECT pgroll.complete('cc_rls');
RESET ROLE;
SELECT count(*) AS rows, count(*) FILTER (WHERE v = id * 10) AS right FROM cc_rls.secrets;
DROP SCHEMA cc_rls CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'cc_rls';
DROP SCHEMA cc_rls_01_wide CASCADE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM pgroll_cc_owner', current_database()); END $$;
DROP ROLE pgroll_cc_owner;
