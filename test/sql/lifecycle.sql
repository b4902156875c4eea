-- lifecycle: start, complete, rollback, status and the history, and that a
-- failing call leaves nothing behind.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
CREATE SCHEMA lc;

-- what the schema holds, to compare before and after
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
    SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname LIKE 'lc%'
    UNION ALL
    SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname LIKE 'lc%' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE 'lc%'
    UNION ALL
    SELECT 'history ' || name || ' done=' || done FROM pgroll.migrations WHERE schema = 'lc'
  ) s(x)
$$;

SELECT * FROM pgroll.status('lc');
SELECT pgroll.is_active_migration_period('lc'), pgroll.latest_version('lc'),
       pgroll.previous_version('lc');

-- first migration
SELECT pgroll.start('{"operations": [{"create_table": {"name": "items",
  "columns": [{"name": "id", "type": "int", "pk": true},
              {"name": "label", "type": "text", "default": "''none''"}]}}]}',
  '01_items', 'lc');
SELECT * FROM pgroll.status('lc');
SELECT pgroll.is_active_migration_period('lc'), pgroll.latest_version('lc'),
       pgroll.previous_version('lc');
SELECT name, parent, done, migration_type, resulting_schema FROM pgroll.migrations WHERE schema = 'lc';
-- the new version's view exists; inserting through it uses the default
INSERT INTO lc_01_items.items (id) VALUES (1);
SELECT * FROM lc.items;

-- a second start while one is active is refused with 55000
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '02_x', 'lc');
:e
-- rollback forgets the migration and drops its version schema
SELECT pgroll.rollback('lc');
SELECT pg_temp.snapshot();
SELECT * FROM pgroll.status('lc');
-- nothing to complete or roll back now
SELECT pgroll.complete('lc');
:e
SELECT pgroll.rollback('lc');
:e

-- start again and complete
SELECT pgroll.start('{"operations": [{"create_table": {"name": "items",
  "columns": [{"name": "id", "type": "int", "pk": true},
              {"name": "label", "type": "text", "default": "''none''"}]}}]}',
  '01_items', 'lc');
SELECT pgroll.complete('lc');
SELECT * FROM pgroll.status('lc');
SELECT name, parent, done, resulting_schema -> 'tables' -> 'items' -> 'primaryKey' AS pk,
       jsonb_object_keys(resulting_schema -> 'tables') AS tables
FROM pgroll.migrations WHERE schema = 'lc';
INSERT INTO lc.items VALUES (1, 'one'), (2, 'two');

-- second migration: parent chain, previous version
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "items", "from": "label", "to": "title"}}]}',
  '02_rename', 'lc');
SELECT pgroll.latest_version('lc'), pgroll.previous_version('lc');
SELECT name, parent, done FROM pgroll.migrations WHERE schema = 'lc' ORDER BY created_at, name;
SELECT * FROM lc_01_items.items ORDER BY id;
SELECT * FROM lc_02_rename.items ORDER BY id;
SELECT pgroll.complete('lc');
-- complete retired the previous version schema: it is no live version any
-- more, and a client still on it gets an error naming the current version
-- on any read or write, never the contracted tables through its path
SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace
  WHERE nspname LIKE 'lc\_%' ORDER BY 1;
SELECT pgroll.latest_version('lc'), pgroll.previous_version('lc');
SET search_path = lc_01_items, lc;
SELECT * FROM items;
:e
INSERT INTO items (id, label) VALUES (99, 'late');
:e
UPDATE items SET label = 'late';
:e
DELETE FROM items;
:e
-- a condition on a column cannot make the error go away, nor one the
-- planner folds to false (an ORM's empty IN list), nor LIMIT 0
SELECT * FROM items WHERE id = 1;
:e
SELECT * FROM items WHERE 1 = 0;
:e
SELECT * FROM items LIMIT 0;
:e
DELETE FROM items WHERE false;
:e
UPDATE items SET label = 'late' WHERE id = 1;
:e
RESET search_path;
SELECT count(*) AS rows_unchanged FROM lc.items WHERE id = 99;

-- a client's table in a version schema is never dropped with the version:
-- rollback refuses until it is moved
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "items", "from": "title", "to": "heading"}}]}',
  '03_heading', 'lc');
CREATE TABLE lc_03_heading.client_notes (id int);
INSERT INTO lc_03_heading.client_notes VALUES (1), (2);
SELECT pgroll.rollback('lc');
:e
ALTER TABLE lc_03_heading.client_notes SET SCHEMA lc;
-- a client's view there too
CREATE VIEW lc_03_heading.client_report AS SELECT count(*) AS n FROM lc.items;
SELECT pgroll.rollback('lc');
:e
DROP VIEW lc_03_heading.client_report;
SELECT pgroll.rollback('lc');
SELECT count(*) AS notes_kept FROM lc.client_notes;
DROP TABLE lc.client_notes;

-- the name comes from the argument or from the document
SELECT pgroll.start('{"name": "03_named", "operations": [{"rename_table": {"from": "items", "to": "things"}}]}',
  schema => 'lc');
SELECT pgroll.rollback('lc');
SELECT pgroll.start('{"name": "03_named", "operations": [{"rename_table": {"from": "items", "to": "things"}}]}',
  '03_other', 'lc');
:e
SELECT pgroll.start('{"operations": [{"rename_table": {"from": "items", "to": "things"}}]}',
  schema => 'lc');
:e
-- a name already in the history is refused
SELECT pgroll.start('{"operations": [{"rename_table": {"from": "items", "to": "things"}}]}',
  '02_rename', 'lc');
:e
-- version_schema names the version schema
SELECT pgroll.start('{"version_schema": "v3", "operations": [{"rename_table": {"from": "items", "to": "things"}}]}',
  '03_versioned', 'lc');
SELECT pgroll.latest_version('lc');
SELECT * FROM lc_v3.things ORDER BY id;
SELECT pgroll.rollback('lc');

-- errors leave nothing behind: the second operation fails after the first
-- created a table
SELECT pg_temp.snapshot() AS before \gset
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}]}},
  {"rename_column": {"table": "items", "from": "nope", "to": "x"}}]}', '04_fail', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;
-- a bad type fails in the DDL itself
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}]}},
  {"create_table": {"name": "t2", "columns": [{"name": "a", "type": "no_such_type"}]}}]}', '04_fail', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;
-- a SQL fragment that tries to end the statement is refused
SELECT pgroll.start('{"operations": [{"create_table": {"name": "t1",
  "columns": [{"name": "a", "type": "int); DROP TABLE lc.items; CREATE TABLE lc.x (a int"}]}}]}', '04_fail', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;
-- raw SQL that fails
SELECT pgroll.start('{"operations": [{"sql": {"up": "CREATE TABLE lc.t1 (a int); SELECT 1/0"}}]}', '04_fail', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- what an operation needs is checked before anything happens
SELECT pgroll.start('{"operations": [{"alter_column": {"table": "items",
  "column": "title", "type": "varchar(10)", "down": "title"}}]}', '05', 'lc');
:e
SELECT pgroll.start('{"operations": [{"create_constraint": {"name": "c", "table": "items",
  "type": "unique", "columns": ["title"], "up": {"title": "titel"}, "down": {"title": "title"}}}]}', '05', 'lc');
:e
-- a sql operation without onComplete must be alone
SELECT pgroll.start('{"operations": [{"sql": {"up": "SELECT 1"}},
  {"rename_table": {"from": "items", "to": "things"}}]}', '05', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- bad arguments
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '06', 'no_such_schema');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '06', 'pgroll');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '06', NULL);
:e
SELECT pgroll.start(NULL, '06', 'lc');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', NULL, 'lc');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '', 'lc');
:e
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}',
  repeat('x', 62), 'lc');
:e
SELECT pgroll.complete('no_such_schema');
:e

-- a rolled-back transaction takes the whole migration with it
BEGIN;
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '07_drop', 'lc');
ROLLBACK;
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- and so does a rolled-back complete
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '07_drop', 'lc');
BEGIN;
SELECT pgroll.complete('lc');
ROLLBACK;
SELECT * FROM pgroll.status('lc');
SELECT count(*) FROM lc_02_rename.items;
SELECT pgroll.rollback('lc');
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- validate checks against the live schema and changes nothing
SELECT pgroll.validate('{"operations": [{"drop_table": {"name": "items"}}]}', 'lc');
SELECT pgroll.validate('{"operations": [{"drop_table": {"name": "nope"}}]}', 'lc');
:e
SELECT pgroll.validate('{"operations": [{"rename_column": {"table": "items", "from": "title", "to": "id"}}]}', 'lc');
:e
SELECT pgroll.validate('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}]}},
  {"rename_column": {"table": "t1", "from": "a", "to": "b"}},
  {"drop_column": {"table": "t1", "column": "b"}}]}', 'lc');
SELECT pgroll.validate('{"operations": [
  {"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}]}},
  {"create_table": {"name": "t1", "columns": [{"name": "a", "type": "int"}]}}]}', 'lc');
:e
SELECT pg_temp.snapshot() = :'before' AS unchanged;

-- names pgroll uses itself are reserved
SELECT pgroll.start('{"operations": [{"rename_table": {"from": "items", "to": "_pgroll_x"}}]}', '08', 'lc');
:e

-- read_schema never shows pgroll's own objects
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "items"}}]}', '08_drop', 'lc');
SELECT jsonb_object_keys(pgroll.read_schema('lc') -> 'tables');
SELECT pgroll.rollback('lc');
SELECT jsonb_pretty((pgroll.read_schema('lc') -> 'tables' -> 'items') - 'oid');

DROP SCHEMA lc CASCADE;
DROP SCHEMA lc_02_rename CASCADE;
DELETE FROM pgroll.migrations WHERE schema = 'lc' AND parent IS NOT NULL;
DELETE FROM pgroll.migrations WHERE schema = 'lc';
