-- validate: pgroll.validate refuses what pgroll.start refuses, with the same
-- SQLSTATE, and changes nothing; start refuses it before anything is
-- changed, and before the worker would find it.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA val;
CREATE TABLE val.items (id int PRIMARY KEY, name text NOT NULL, qty int, tags text[]);
CREATE TABLE val.parted (id int, k int) PARTITION BY RANGE (k);
CREATE VIEW val.busy AS SELECT 1 AS one;

-- what must not change: the history, the queued jobs, the schema's
-- relations (a table validate tried would show here) and version schemas
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(E'\n',
    'history ' || (SELECT count(*) FROM pgroll.migrations WHERE schema = 'val'),
    'jobs ' || (SELECT count(*) FROM pgroll.jobs WHERE schema = 'val'),
    'relations ' || (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname)
                     FROM pg_class WHERE relnamespace = 'val'::regnamespace),
    'types ' || (SELECT count(*) FROM pg_type WHERE typnamespace = 'val'::regnamespace),
    'schemas ' || (SELECT string_agg(nspname, ',' ORDER BY nspname)
                   FROM pg_namespace WHERE nspname LIKE 'val%'))
$$;
SELECT pg_temp.snapshot() AS before \gset
SELECT :'before';
-- SQLSTATE and message only, where the rest would show a generated
-- statement (with a position that does not point into this query)
CREATE FUNCTION pg_temp.refusal(doc jsonb, start boolean) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF start THEN
    PERFORM pgroll.start(doc, 'bad', 'val');
  ELSE
    PERFORM pgroll.validate(doc, 'val');
  END IF;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

--
-- 1. create_table: the expressions are compiled by validate too
--
-- a column check naming an unknown column
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "check": {"name": "a_pos", "constraint": "b > 0"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "check": {"name": "a_pos", "constraint": "b > 0"}}]}}]}', 'bad', 'val');
:e
-- a syntax error in a column check
SELECT pg_temp.refusal('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "check": {"name": "a_pos", "constraint": "a >"}}]}}]}', false);
SELECT pg_temp.refusal('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "check": {"name": "a_pos", "constraint": "a >"}}]}}]}', true);
-- a generated column: unknown column, then a volatile expression
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "g", "type": "int", "generated": {"expression": "x * 2"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "g", "type": "int", "generated": {"expression": "x * 2"}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "g", "type": "float8", "generated": {"expression": "random()"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "g", "type": "float8", "generated": {"expression": "random()"}}]}}]}', 'bad', 'val');
:e
-- a default of the wrong type, and one that names a column
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "default": "''many''"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "default": "''many''"}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": "a + 1"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": "a + 1"}]}}]}', 'bad', 'val');
:e
-- a table check with a subquery
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "few", "type": "check", "check": "a < (SELECT count(*) FROM items)"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "few", "type": "check", "check": "a < (SELECT count(*) FROM items)"}]}}]}', 'bad', 'val');
:e
-- an exclusion constraint: an unknown column in its elements, in its
-- predicate, and a method the type has no operator class for
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"elements": "b WITH ="}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"elements": "b WITH ="}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"elements": "a WITH =", "predicate": "b > 0"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"elements": "a WITH =", "predicate": "b > 0"}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"index_method": "gist", "elements": "a WITH ="}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "ex", "type": "exclude", "exclude": {"index_method": "gist", "elements": "a WITH ="}}]}}]}', 'bad', 'val');
:e
-- index parameters, identity options
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "t1_a_uq", "type": "unique", "columns": ["a"], "index_parameters": {"storage_parameters": "fillfactor = 5"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}],
  "constraints": [{"name": "t1_a_uq", "type": "unique", "columns": ["a"], "index_parameters": {"storage_parameters": "fillfactor = 5"}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "generated": {"identity": {"sequence_options": "START 0 MINVALUE 1"}}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "generated": {"identity": {"sequence_options": "START 0 MINVALUE 1"}}}]}}]}', 'bad', 'val');
:e
-- a foreign key between two new tables, of the wrong type
SELECT pgroll.validate('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "id", "type": "text", "pk": true}]}},
  {"create_table": {"name": "t2", "columns": [{"name": "t1_id", "type": "int", "references": {"name": "t2_t1_fk", "table": "t1", "column": "id"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "id", "type": "text", "pk": true}]}},
  {"create_table": {"name": "t2", "columns": [{"name": "t1_id", "type": "int", "references": {"name": "t2_t1_fk", "table": "t1", "column": "id"}}]}}]}', 'bad', 'val');
:e
-- the name is taken by a view
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "busy", "columns": [{"name": "a", "type": "int"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "busy", "columns": [{"name": "a", "type": "int"}]}}]}', 'bad', 'val');
:e
-- a later operation sees the table validate tried: its checks run too
SELECT pgroll.validate('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "id", "type": "int", "pk": true}, {"name": "a", "type": "int"}]}},
  {"add_column": {"table": "t1", "up": "b * 2", "column": {"name": "c", "type": "int"}}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "id", "type": "int", "pk": true}, {"name": "a", "type": "int"}]}},
  {"add_column": {"table": "t1", "up": "b * 2", "column": {"name": "c", "type": "int"}}}]}', 'bad', 'val');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

--
-- 2. sql: "up" and "down" must parse (they are not analyzed)
--
SELECT pgroll.validate('{"operations": [{"sql": {"up": "CREAT TABLE audit (id int)"}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"sql": {"up": "CREAT TABLE audit (id int)"}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"sql": {"up": "CREATE TABLE audit (id int)", "down": "DROP TABLE audit;;; DROP TABEL x"}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"sql": {"up": "CREATE TABLE audit (id int)", "down": "DROP TABLE audit;;; DROP TABEL x"}}]}', 'bad', 'val');
:e
-- onComplete: "up" runs at complete, and is checked at start
SELECT pgroll.validate('{"operations": [{"sql": {"up": "UPDATE items SET qty = 0 WHERE", "onComplete": true}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"sql": {"up": "UPDATE items SET qty = 0 WHERE", "onComplete": true}}]}', 'bad', 'val');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

--
-- 3. create_index: collations, operator classes and the whole definition
-- are checked before the worker builds the index
--
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "collate": "no_such_collation"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "collate": "no_such_collation"}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": [{"column": "qty", "collate": "C"}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": [{"column": "qty", "collate": "C"}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "opclass": {"name": "no_such_ops"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "opclass": {"name": "no_such_ops"}}]}}]}', 'bad', 'val');
:e
-- an operator class of another type, of another access method
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "opclass": {"name": "int4_ops"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "opclass": {"name": "int4_ops"}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items", "method": "gist",
  "columns": [{"column": "name", "opclass": {"name": "text_pattern_ops"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items", "method": "gist",
  "columns": [{"column": "name", "opclass": {"name": "text_pattern_ops"}}]}}]}', 'bad', 'val');
:e
-- no default operator class for the method
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items", "method": "gin",
  "columns": ["qty"]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items", "method": "gin",
  "columns": ["qty"]}}]}', 'bad', 'val');
:e
-- what only building the index finds: parameters, what the method can do,
-- a predicate that is not immutable
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": ["qty"], "storage_parameters": "fillfactor = 5"}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": ["qty"], "storage_parameters": "fillfactor = 5"}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": [{"column": "qty", "opclass": {"name": "int4_ops", "params": ["siglen = 8"]}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": [{"column": "qty", "opclass": {"name": "int4_ops", "params": ["siglen = 8"]}}]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items", "method": "hash",
  "unique": true, "columns": ["name"]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items", "method": "hash",
  "unique": true, "columns": ["name"]}}]}', 'bad', 'val');
:e
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": ["qty"], "predicate": "qty > extract(day from now())"}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_index": {"name": "items_qty_idx", "table": "items",
  "columns": ["qty"], "predicate": "qty > extract(day from now())"}}]}', 'bad', 'val');
:e
-- a column whose type this migration changes: the operator class must fit
-- the new type
SELECT pgroll.validate('{"operations": [
  {"alter_column": {"table": "items", "column": "qty", "type": "text", "up": "qty::text", "down": "qty::int"}},
  {"create_index": {"name": "items_qty_idx", "table": "items", "columns": [{"column": "qty", "opclass": {"name": "int4_ops"}}]}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [
  {"alter_column": {"table": "items", "column": "qty", "type": "text", "up": "qty::text", "down": "qty::int"}},
  {"create_index": {"name": "items_qty_idx", "table": "items", "columns": [{"column": "qty", "opclass": {"name": "int4_ops"}}]}}]}', 'bad', 'val');
:e
-- a partitioned table is indexed partition by partition (test/sql/partitions.sql)
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "parted_k_idx", "table": "parted", "columns": ["k"]}}]}', 'val');
SELECT pg_temp.snapshot() = :'before' AS unchanged;

--
-- 4. the migration's name and version schema
--
SELECT pgroll.validate(jsonb_build_object('version_schema', repeat('v', 60),
  'operations', '[{"drop_table": {"name": "items"}}]'::jsonb), 'val');
:e
SELECT pgroll.start(jsonb_build_object('version_schema', repeat('v', 60),
  'operations', '[{"drop_table": {"name": "items"}}]'::jsonb), 'bad', 'val');
:e
SELECT pgroll.start('{"operations": [{"create_table": {"name": "done1", "columns": [{"name": "a", "type": "int"}]}}]}', '01_done', 'val');
SELECT pgroll.complete('val');
SELECT pgroll.validate('{"name": "01_done", "operations": [{"drop_table": {"name": "done1"}}]}', 'val');
:e
SELECT pgroll.start('{"name": "01_done", "operations": [{"drop_table": {"name": "done1"}}]}', NULL, 'val');
:e
SELECT pgroll.validate('{"name": "02_again", "version_schema": "01_done", "operations": [{"drop_table": {"name": "done1"}}]}', 'val');
:e
SELECT pgroll.start('{"name": "02_again", "version_schema": "01_done", "operations": [{"drop_table": {"name": "done1"}}]}', NULL, 'val');
:e
SELECT pg_temp.snapshot() AS before \gset

--
-- 5. validate no longer fails (XX000) on a column an earlier operation adds
--
SELECT pgroll.validate('{"operations": [
  {"add_column": {"table": "items", "column": {"name": "price", "type": "numeric", "nullable": true}}},
  {"add_column": {"table": "items", "up": "price * qty", "column": {"name": "total", "type": "numeric", "nullable": true}}},
  {"create_index": {"name": "items_price_idx", "table": "items", "columns": ["price"], "predicate": "price > 0"}}]}', 'val');
SELECT pgroll.validate('{"operations": [
  {"add_column": {"table": "items", "column": {"name": "price", "type": "numeric", "nullable": true}}},
  {"create_index": {"name": "items_price_idx", "table": "items", "columns": ["price"], "predicate": "price > ''x''"}}]}', 'val');
:e
SELECT pgroll.start('{"operations": [
  {"add_column": {"table": "items", "column": {"name": "price", "type": "numeric", "nullable": true}}},
  {"create_index": {"name": "items_price_idx", "table": "items", "columns": ["price"], "predicate": "price > ''x''"}}]}', 'bad', 'val');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

--
-- Valid documents: validate accepts them, creates nothing; start accepts
-- them too
--
SELECT '{"operations": [
  {"create_table": {"name": "orders", "columns": [
    {"name": "id", "type": "int", "pk": true, "generated": {"identity": {"user_specified_values": "BY DEFAULT", "sequence_options": "START 100"}}},
    {"name": "item_id", "type": "int", "references": {"name": "orders_item_fk", "table": "items", "column": "id"}},
    {"name": "code", "type": "text COLLATE \"C\"", "default": "''none''"},
    {"name": "amount", "type": "numeric(10,2)", "default": "0", "check": {"name": "amount_pos", "constraint": "amount >= 0"}},
    {"name": "cents", "type": "bigint", "generated": {"expression": "(amount * 100)::bigint"}},
    {"name": "during", "type": "int4range", "nullable": true}],
   "constraints": [
    {"name": "orders_code_amount", "type": "check", "check": "code <> '''' OR amount = 0"},
    {"name": "orders_code_uq", "type": "unique", "columns": ["code", "amount"], "index_parameters": {"storage_parameters": "fillfactor = 70"}},
    {"name": "orders_no_overlap", "type": "exclude", "exclude": {"index_method": "gist", "elements": "during WITH &&", "predicate": "amount > 0"}}]}},
  {"create_table": {"name": "lines", "columns": [
    {"name": "order_id", "type": "int", "references": {"name": "lines_order_fk", "table": "orders", "column": "id"}},
    {"name": "n", "type": "int"}]}},
  {"rename_constraint": {"table": "lines", "from": "lines_order_fk", "to": "lines_order_ref"}},
  {"add_column": {"table": "orders", "up": "upper(code)", "column": {"name": "label", "type": "text", "nullable": true}}},
  {"create_index": {"name": "orders_code_idx", "table": "orders", "columns": [{"column": "code", "collate": "C", "opclass": {"name": "text_pattern_ops"}, "sort": "DESC"}], "predicate": "amount > 0"}},
  {"create_index": {"name": "orders_label_idx", "table": "orders", "method": "hash", "columns": ["label"], "storage_parameters": "fillfactor = 70"}},
  {"create_index": {"name": "items_tags_idx", "table": "items", "method": "gin", "columns": [{"column": "tags", "opclass": {"name": "pg_catalog.array_ops"}}]}}]}' AS good_table \gset
SELECT pgroll.validate(:'good_table', 'val');
SELECT pg_temp.snapshot() = :'before' AS unchanged;
-- validate in a transaction that commits leaves nothing either
BEGIN;
SELECT pgroll.validate(:'good_table', 'val');
COMMIT;
SELECT pg_temp.snapshot() = :'before' AS unchanged;
SELECT pgroll.start(:'good_table', '02_orders', 'val');
SELECT pgroll.rollback('val');
CALL pgroll.wait('val');
-- (the jobs start queued stay in pgroll.jobs, done or cancelled)
SELECT count(*) AS unfinished_jobs FROM pgroll.jobs
 WHERE schema = 'val' AND state NOT IN ('done', 'cancelled');
SELECT regexp_replace(pg_temp.snapshot(), 'jobs \d+', '') =
       regexp_replace(:'before', 'jobs \d+', '') AS unchanged;
SELECT pg_temp.snapshot() AS before \gset

-- sql: "down" may use what "up" creates, an onComplete "up" what an
-- earlier operation creates: only the syntax is checked
SELECT pgroll.validate('{"operations": [{"sql": {"up": "CREATE TABLE audit (id int); INSERT INTO audit VALUES (1)",
  "down": "DELETE FROM audit; DROP TABLE audit"}}]}', 'val');
SELECT pgroll.validate('{"operations": [
  {"create_table": {"name": "audit", "columns": [{"name": "id", "type": "int"}]}},
  {"sql": {"up": "INSERT INTO audit SELECT id FROM items", "onComplete": true}}]}', 'val');
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "audit", "columns": [{"name": "id", "type": "int"}]}},
  {"sql": {"up": "INSERT INTO audit SELECT id FROM items", "onComplete": true}}]}', '02_audit', 'val');
SELECT pgroll.rollback('val');
SELECT regexp_replace(pg_temp.snapshot(), 'jobs \d+', '') =
       regexp_replace(:'before', 'jobs \d+', '') AS unchanged;
SELECT pg_temp.snapshot() AS before \gset

-- a table this migration drops and creates again: tried under another name
SELECT pgroll.validate('{"operations": [{"drop_table": {"name": "done1"}},
  {"create_table": {"name": "done1", "columns": [{"name": "b", "type": "int", "check": {"name": "b_pos", "constraint": "b > 0"}}]}}]}', 'val');
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "done1"}},
  {"create_table": {"name": "done1", "columns": [{"name": "b", "type": "int", "check": {"name": "b_pos", "constraint": "b > 0"}}]}}]}', '02_again', 'val');
SELECT pgroll.rollback('val');
SELECT pg_temp.snapshot() AS before \gset
SELECT pg_temp.refusal('{"operations": [{"drop_table": {"name": "done1"}},
  {"create_table": {"name": "done1", "columns": [{"name": "b", "type": "int", "check": {"name": "b_pos", "constraint": "c > 0"}}]}}]}', false);
SELECT pg_temp.refusal('{"operations": [{"drop_table": {"name": "done1"}},
  {"create_table": {"name": "done1", "columns": [{"name": "b", "type": "int", "check": {"name": "b_pos", "constraint": "c > 0"}}]}}]}', true);
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- read-only: validate tries nothing; it still checks what needs no DDL,
-- and leaves to start what only DDL finds
BEGIN READ ONLY;
SELECT pgroll.validate(:'good_table', 'val');
SELECT pgroll.validate('{"operations": [{"create_table": {"name": "t1", "columns": [
  {"name": "a", "type": "int", "check": {"name": "a_pos", "constraint": "b > 0"}}]}}]}', 'val');
SELECT pgroll.validate('{"operations": [{"create_index": {"name": "items_name_idx", "table": "items",
  "columns": [{"column": "name", "opclass": {"name": "int4_ops"}}]}}]}', 'val');
:e
ROLLBACK;

-- Clean up
SET client_min_messages = warning;
DROP SCHEMA val CASCADE;
DROP SCHEMA val_01_done CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'val';
DELETE FROM pgroll.jobs WHERE schema = 'val';
RESET client_min_messages;
