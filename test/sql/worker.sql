-- worker: queued work, the background worker, sync triggers and backfill
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA wk;
CREATE TABLE wk.products (id int PRIMARY KEY, name text NOT NULL, price int);
INSERT INTO wk.products SELECT g, 'p' || g, g % 100 FROM generate_series(1, 5000) g;
-- no primary key and no unique key: walked by block ranges
CREATE TABLE wk.events (kind text, n int);
INSERT INTO wk.events SELECT 'k' || (g % 7), g FROM generate_series(1, 3000) g;
-- composite key, and an identity key that may not be assigned
CREATE TABLE wk.pairs (a int, b text, v int, PRIMARY KEY (a, b));
INSERT INTO wk.pairs SELECT g % 50, 'b' || (g / 50), g FROM generate_series(1, 2500) g;
CREATE TABLE wk.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text);
INSERT INTO wk.items (label) SELECT 'item ' || g FROM generate_series(1, 1500) g;
SET pgroll.backfill_batch_size = 300;

-- a start that is rolled back queues nothing that runs
BEGIN;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "products", "up": "upper(name)",
  "column": {"name": "shout", "type": "text", "nullable": true}}}]}', '01_first', 'wk');
SELECT kind, description, state FROM pgroll.jobs WHERE schema = 'wk';
ROLLBACK;
SELECT pg_sleep(0.5);
SELECT count(*) AS jobs FROM pgroll.jobs WHERE schema = 'wk';
SELECT count(*) AS products_columns FROM pg_attribute
  WHERE attrelid = 'wk.products'::regclass AND attnum > 0 AND NOT attisdropped;

-- the real start
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "products", "up": "upper(name)",
     "column": {"name": "shout", "type": "text", "nullable": true}}},
  {"add_column": {"table": "products", "up": "price * 10",
     "column": {"name": "cents", "type": "bigint", "nullable": false,
                "check": {"name": "cents_positive", "constraint": "cents >= 0"}}}},
  {"add_column": {"table": "products", "up": "''sku-'' || id",
     "column": {"name": "sku", "type": "text", "unique": true, "nullable": true}}},
  {"add_column": {"table": "events", "up": "n * 2",
     "column": {"name": "twice", "type": "int", "nullable": true}}},
  {"add_column": {"table": "pairs", "up": "a || b",
     "column": {"name": "ab", "type": "text", "nullable": true}}},
  {"add_column": {"table": "items", "up": "length(label)",
     "column": {"name": "len", "type": "int", "nullable": true}}},
  {"create_index": {"name": "products_price_idx", "table": "products",
     "columns": [{"column": "price", "sort": "DESC", "nulls": "LAST"}],
     "predicate": "price > 10", "storage_parameters": "fillfactor = 70"}},
  {"create_index": {"name": "products_cents_idx", "table": "products", "method": "btree",
     "columns": [{"column": "cents"}]}}]}', '01_first', 'wk');
CALL pgroll.wait('wk', '2 minutes');
SELECT schema, version, status, phase, migration FROM pgroll.status('wk');
SELECT "table", rows_done, state, last_error FROM pgroll.backfill_progress
  WHERE schema = 'wk' ORDER BY "table";
SELECT description, state, attempts FROM pgroll.jobs WHERE schema = 'wk' ORDER BY id;

-- every old row got "up"
SELECT count(*) FILTER (WHERE _pgroll_new_shout IS DISTINCT FROM upper(name)) AS wrong_shout,
       count(*) FILTER (WHERE _pgroll_new_cents IS DISTINCT FROM price * 10) AS wrong_cents,
       count(*) FILTER (WHERE _pgroll_new_sku IS DISTINCT FROM 'sku-' || id) AS wrong_sku,
       count(*) FILTER (WHERE _pgroll_needs_backfill) AS unmarked
FROM wk.products;
SELECT count(*) FILTER (WHERE _pgroll_new_twice IS DISTINCT FROM n * 2) AS wrong FROM wk.events;
SELECT count(*) FILTER (WHERE _pgroll_new_ab IS DISTINCT FROM a || b) AS wrong FROM wk.pairs;
SELECT count(*) FILTER (WHERE _pgroll_new_len IS DISTINCT FROM length(label)) AS wrong FROM wk.items;
-- the indexes were built concurrently and are valid
SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'wk.products'::regclass ORDER BY 1;

-- an old writer (no version schema on its path) gets "up"
INSERT INTO wk.products (id, name, price) VALUES (10001, 'old writer', 3);
-- the old version has no view (first migration); a new writer ...
SET search_path = wk_01_first, public;
INSERT INTO products (id, name, price, shout, cents, sku) VALUES (10002, 'new writer', 4, 'mine', 7, 'own-sku');
RESET search_path;
-- ... pgroll.version decides over search_path
SET pgroll.version = 'wk_01_first';
INSERT INTO wk.products (id, name, price, _pgroll_new_cents) VALUES (10003, 'by setting', 5, 1);
SET pgroll.version = '01_first';
UPDATE wk.products SET name = 'by setting 2' WHERE id = 10003;
RESET pgroll.version;
SELECT id, name, shout, cents, sku FROM wk_01_first.products WHERE id > 10000 ORDER BY id;
-- the new version enforces the new constraints (NOT NULL as a check while
-- the migration is active)
SET search_path = wk_01_first;
INSERT INTO products (id, name, price, cents) VALUES (10004, 'x', 1, NULL);
:e
INSERT INTO products (id, name, price, cents) VALUES (10004, 'x', 1, -1);
:e
INSERT INTO products (id, name, price, cents, sku) VALUES (10004, 'x', 1, 1, 'sku-1');
:e
RESET search_path;
-- a write through the new version's view is a new write whatever the
-- session's search_path: the new version's NOT NULL holds, its value stands
-- ("up" would have made 100 of the price)
INSERT INTO wk_01_first.products (id, name, price, cents) VALUES (10004, 'x', 1, NULL);
:e
INSERT INTO wk_01_first.products (id, name, price, cents) VALUES (10004, 'x', 1, 12);
SELECT cents FROM wk_01_first.products WHERE id = 10004;
-- an old writer's update goes through "up" again
UPDATE wk.products SET name = 'renamed' WHERE id = 1;
SELECT shout FROM wk_01_first.products WHERE id = 1;

-- wait must be CALLed outside a transaction block
BEGIN;
CALL pgroll.wait('wk');
:e
ROLLBACK;

SELECT pgroll.complete('wk');
SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
  WHERE attrelid = 'wk.products'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
  WHERE conrelid = 'wk.products'::regclass ORDER BY conname;
SELECT count(*) AS pgroll_leftovers FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace = 'wk'::regnamespace AND c.relkind = 'r'
    AND a.attname LIKE '\_pgroll\_%' AND NOT a.attisdropped;
SELECT count(*) AS pgroll_triggers FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = 'wk'::regnamespace AND (t.tgname LIKE '\_pgroll%' OR t.tgname LIKE '~pgroll%');
-- after complete a NULL is a not-null violation
INSERT INTO wk.products (id, name, price, cents) VALUES (10005, 'x', 1, NULL);
:e

-- a failed step: a unique index over duplicates
SELECT pgroll.start('{"operations": [{"create_index": {"name": "events_kind_uniq", "table": "events",
  "unique": true, "columns": [{"column": "kind"}]}}]}', '02_bad_index', 'wk');
CALL pgroll.wait('wk');
:e
SELECT phase FROM pgroll.status('wk');
SELECT pgroll.complete('wk');
:e
-- the failed build left an invalid index; rollback removes it
SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  WHERE c.relname = 'events_kind_uniq';
SELECT pgroll.rollback('wk');
CALL pgroll.wait('wk');
SELECT count(*) AS invalid_index_left FROM pg_class WHERE relname = 'events_kind_uniq';

-- drop_index drops concurrently after complete
SELECT pgroll.start('{"operations": [{"drop_index": {"name": "products_cents_idx"}}]}', '03_drop_index', 'wk');
SELECT count(*) FROM pg_class WHERE relname = 'products_cents_idx';
SELECT pgroll.complete('wk');
CALL pgroll.wait('wk');
SELECT count(*) FROM pg_class WHERE relname = 'products_cents_idx';
SELECT phase FROM pgroll.status('wk');
-- an index a constraint owns is refused
SELECT pgroll.start('{"operations": [{"drop_index": {"name": "products_pkey"}}]}', '04_x', 'wk');
:e

-- drop_column with down: new writers fill the dropped column for old readers
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "products", "column": "shout",
  "down": "upper(name) || ''!''"}}]}', '04_drop_shout', 'wk');
SET search_path = wk_04_drop_shout;
INSERT INTO products (id, name, price, cents) VALUES (20000, 'quiet', 1, 1);
RESET search_path;
SELECT shout FROM wk_03_drop_index.products WHERE id = 20000;
SELECT pgroll.rollback('wk');
-- a down that does not compile is a start error naming the field
SELECT pgroll.start('{"operations": [{"drop_column": {"table": "products", "column": "shout",
  "down": "upper(nmae)"}}]}', '04_drop_shout', 'wk');
:e
SELECT pgroll.start('{"operations": [{"add_column": {"table": "products", "up": "name + 1",
  "column": {"name": "z", "type": "int", "nullable": true}}}]}', '04_bad_up', 'wk');
:e
-- a column named "id" in "up" is not text-replaced inside "paid"
SELECT pgroll.start('{"operations": [{"add_column": {"table": "products",
  "up": "(SELECT count(*) FROM (VALUES (1)) AS t(paid) WHERE paid = id)",
  "column": {"name": "z", "type": "int", "nullable": true}}}]}', '05_scoping', 'wk');
CALL pgroll.wait('wk');
SELECT id, z FROM wk_05_scoping.products WHERE id IN (1, 2) ORDER BY id;
SELECT pgroll.rollback('wk');

SET client_min_messages = warning;
DROP SCHEMA wk CASCADE;
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wk\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP; END $$;
DELETE FROM pgroll.migrations WHERE schema = 'wk';
DELETE FROM pgroll.jobs WHERE schema = 'wk';
