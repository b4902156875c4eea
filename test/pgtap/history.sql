-- pgTAP tests for the history: pgroll.migrations, the version helpers,
-- pgroll.status and pgroll.read_schema.
--
-- 01_first (create_table people and keep), 02_second (rename_column, with a
-- version_schema and the name given as an argument), 03_third (drop_table,
-- rolled back once) in schema tap_history; a migration in a second schema.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(76);
CREATE SCHEMA tap_history;
CREATE SCHEMA tap_hist_b;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_first', $j${"name": "01_first", "operations": [
  {"create_table": {"name": "people", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "name", "type": "text"}]}},
  {"create_table": {"name": "keep", "comment": "kept", "columns": [
     {"name": "id", "type": "integer", "pk": true}]}}]}$j$),
('02_second', $j${"version_schema": "v2", "operations": [
  {"rename_column": {"table": "people", "from": "name", "to": "full_name"}}]}$j$),
('03_third', $j${"name": "03_third", "operations": [{"drop_table": {"name": "people"}}]}$j$),
('b_01', $j${"name": "b_01", "operations": [
  {"create_table": {"name": "t", "columns": [{"name": "id", "type": "integer", "pk": true}]}}]}$j$),
('bad_no_name', $j${"operations": [{"drop_table": {"name": "keep"}}]}$j$),
('bad_taken_version_schema', $j${"name": "bad_taken_version_schema", "version_schema": "taken",
  "operations": [{"drop_table": {"name": "keep"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_history', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_history')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_history')$$) $f$;
CREATE FUNCTION pg_temp.keys(j jsonb) RETURNS text[] LANGUAGE sql AS $f$
    SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(j) k $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_history') THEN
        PERFORM pgroll.rollback('tap_history');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- No migrations yet
-- ---------------------------------------------------------------------
SELECT results_eq($$SELECT schema, version, status, phase, migration FROM pgroll.status('tap_history')$$,
                  $$VALUES ('tap_history', NULL::text, 'No migrations', NULL::text, NULL::text)$$,
                  'status of a schema without migrations');
SELECT is(pgroll.latest_version('tap_history'), NULL, 'no latest version without migrations');
SELECT is(pgroll.previous_version('tap_history'), NULL, 'no previous version without migrations');
SELECT is(pgroll.latest_migration('tap_history'), NULL, 'no latest migration without migrations');
SELECT is(pgroll.is_active_migration_period('tap_history'), false, 'no active migration period');
SELECT is(pgroll.read_schema('tap_history'), '{"name": "tap_history", "tables": {}}'::jsonb,
          'read_schema of an empty schema');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.complete('tap_history')$$), '55000',
          'complete without an active migration is refused');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.rollback('tap_history')$$), '55000',
          'rollback without an active migration is refused');

-- validate changes nothing
SELECT is(pgroll.validate((SELECT doc FROM docs WHERE id = '01_first'), 'tap_history'), true,
          'validate accepts a valid document');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_history'), 0,
          'validate writes no history');
SELECT hasnt_table('tap_history', 'people', 'validate creates no table');

-- ---------------------------------------------------------------------
-- 01_first
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_first'), 'tap_history_01_first', 'start 01_first');
SELECT results_eq($$SELECT name, parent, done, migration_type::text, resulting_schema
                    FROM pgroll.migrations WHERE schema = 'tap_history'$$,
                  $$VALUES ('01_first', NULL::text, false, 'pgroll', '{}'::jsonb)$$,
                  'an active migration has a row: no parent, not done, empty resulting_schema');
SELECT is((SELECT migration FROM pgroll.migrations WHERE schema = 'tap_history' AND name = '01_first'),
          (SELECT doc - 'name' FROM docs WHERE id = '01_first'),
          'the stored document is the given one without its name');
SELECT is(pgroll.is_active_migration_period('tap_history'), true, 'the migration period is active');
SELECT is(pgroll.latest_version('tap_history'), '01_first', 'latest_version is the active migration''s');
SELECT is(pgroll.previous_version('tap_history'), NULL, 'no previous version for the first migration');
SELECT is(pgroll.latest_migration('tap_history'), '01_first', 'latest_migration is the active one');
SELECT results_eq($$SELECT version, status, migration FROM pgroll.status('tap_history')$$,
                  $$VALUES ('01_first', 'In progress', '01_first')$$, 'status while 01_first is active');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.start(doc, NULL, 'tap_history') FROM docs WHERE id = '03_third'$$),
          '55000', 'a second migration cannot start while one is active');
SELECT is(pg_temp.complete(), '01_first', 'complete 01_first');
SELECT is((SELECT done FROM pgroll.migrations WHERE schema = 'tap_history' AND name = '01_first'), true,
          'the row is done after complete');
SELECT is((SELECT resulting_schema FROM pgroll.migrations WHERE schema = 'tap_history' AND name = '01_first'),
          pgroll.read_schema('tap_history'), 'resulting_schema is the schema as complete left it');
SELECT ok((SELECT updated_at >= created_at FROM pgroll.migrations WHERE schema = 'tap_history' AND name = '01_first'),
          'updated_at is not before created_at');
SELECT is(pgroll.is_active_migration_period('tap_history'), false, 'no active migration after complete');
SELECT results_eq($$SELECT version, status, migration FROM pgroll.status('tap_history')$$,
                  $$VALUES ('01_first', 'Complete', '01_first')$$, 'status after 01_first completed');
SELECT is((SELECT count(*)::int FROM pgroll.operation_state WHERE schema = 'tap_history'), 0,
          'no operation state is kept after complete');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.start(doc, NULL, 'tap_history') FROM docs WHERE id = '01_first'$$),
          '42710', 'a migration name cannot be used twice');

-- read_schema shape
SELECT is(pg_temp.keys(pgroll.read_schema('tap_history')), ARRAY['name', 'tables'],
          'read_schema has name and tables');
SELECT is(pg_temp.keys(pgroll.read_schema('tap_history') -> 'tables'), ARRAY['keep', 'people'],
          'read_schema lists the tables');
SELECT is(pg_temp.keys(pgroll.read_schema('tap_history') #> '{tables,keep}'),
          ARRAY['checkConstraints', 'columns', 'comment', 'excludeConstraints', 'foreignKeys', 'indexes',
                'name', 'oid', 'primaryKey', 'uniqueConstraints'],
          'a table has pgroll''s keys');
SELECT is(pgroll.read_schema('tap_history') #>> '{tables,keep,oid}',
          (SELECT oid::text FROM pg_class WHERE oid = 'tap_history.keep'::regclass),
          'the table oid is given as text');
SELECT is(pgroll.read_schema('tap_history') #> '{tables,people,columns,name}',
          '{"name": "name", "type": "text", "unique": false, "nullable": false, "postgresType": "base"}'::jsonb,
          'a column as read_schema shows it (nulls stripped)');
SELECT is(pgroll.read_schema('tap_history') #> '{tables,people,primaryKey}', '["id"]'::jsonb,
          'primaryKey lists the key columns');

-- a _pgroll_ column added outside pgroll is never shown
ALTER TABLE tap_history.keep ADD COLUMN _pgroll_secret integer;
SELECT is(pg_temp.keys(pgroll.read_schema('tap_history') #> '{tables,keep,columns}'), ARRAY['id'],
          'read_schema leaves out _pgroll_ columns');

-- ---------------------------------------------------------------------
-- 02_second: version_schema, name as an argument
-- ---------------------------------------------------------------------
SELECT is(pg_temp.try($$SELECT pgroll.start(doc, '02_second', 'tap_history') FROM docs WHERE id = '02_second'$$),
          'tap_history_v2', 'start 02_second returns <schema>_<version_schema>');
SELECT results_eq($$SELECT name, parent, done FROM pgroll.migrations
                    WHERE schema = 'tap_history' AND name = '02_second'$$,
                  $$VALUES ('02_second', '01_first', false)$$, 'the parent is the previous migration');
SELECT is((SELECT migration ->> 'version_schema' FROM pgroll.migrations
           WHERE schema = 'tap_history' AND name = '02_second'), 'v2', 'the stored document keeps version_schema');
SELECT is(pgroll.latest_version('tap_history'), 'v2', 'latest_version is the version_schema');
SELECT is(pgroll.previous_version('tap_history'), '01_first', 'previous_version is the previous migration''s');
SELECT is(pgroll.previous_migration('tap_history'), '01_first', 'previous_migration is the parent');
SELECT has_schema('tap_history_v2', 'the version schema is named after version_schema');
SELECT has_schema('tap_history_01_first', 'the previous version schema exists during the migration');
SELECT is(pg_temp.cols('tap_history_v2.keep'), ARRAY['id']::name[], 'views never show _pgroll_ columns');
SELECT is(pg_temp.complete(), '02_second', 'complete 02_second');
SELECT ok(pg_temp.is_retired('tap_history_01_first'), 'complete retires the previous version schema');
SELECT is(pgroll.latest_version('tap_history'), 'v2', 'latest_version after complete');
SELECT is(pgroll.previous_version('tap_history'), NULL,
          'previous_version is NULL once the previous version schema is retired');
SELECT is((SELECT pg_temp.keys(resulting_schema #> '{tables,people,columns}') FROM pgroll.migrations
           WHERE schema = 'tap_history' AND name = '02_second'), ARRAY['full_name', 'id'],
          'resulting_schema of 02_second has the renamed column');
SELECT is((SELECT pg_temp.keys(resulting_schema #> '{tables,people,columns}') FROM pgroll.migrations
           WHERE schema = 'tap_history' AND name = '01_first'), ARRAY['id', 'name'],
          'resulting_schema of 01_first is unchanged');

-- ---------------------------------------------------------------------
-- 03_third: drop_table, rolled back once
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('03_third'), 'tap_history_03_third', 'start 03_third');
SELECT is(pg_temp.keys(pgroll.read_schema('tap_history') -> 'tables'), ARRAY['keep'],
          'read_schema leaves out the dropped table (now _pgroll_del_people)');
SELECT is(pgroll.read_schema('tap_history')::text LIKE '%\_pgroll\_%', false,
          'read_schema never mentions a _pgroll_ object');
SELECT ok((SELECT count(*) FROM pgroll.operation_state WHERE schema = 'tap_history' AND migration = '03_third') > 0,
          'the active migration keeps its operation state');

-- another schema migrates independently
SELECT is(pg_temp.try($$SELECT pgroll.start(doc, NULL, 'tap_hist_b') FROM docs WHERE id = 'b_01'$$),
          'tap_hist_b_b_01', 'a migration starts in another schema while one is active here');
SELECT is(pgroll.latest_version('tap_hist_b'), 'b_01', 'the other schema has its own latest version');
SELECT is(pg_temp.try($$SELECT pgroll.complete('tap_hist_b')$$), 'b_01', 'the other schema completes on its own');
SELECT is(pgroll.is_active_migration_period('tap_history'), true,
          'this schema''s migration is still active');

SELECT is(pg_temp.rollback(), '03_third', 'rollback 03_third');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_history' AND name = '03_third'), 0,
          'rollback deletes the history row');
SELECT is((SELECT count(*)::int FROM pgroll.operation_state WHERE schema = 'tap_history'), 0,
          'rollback deletes the operation state');
SELECT is(pgroll.latest_migration('tap_history'), '02_second', 'latest_migration is back to 02_second');
SELECT is(pgroll.latest_version('tap_history'), 'v2', 'latest_version is back to v2');
SELECT results_eq($$SELECT version, status, migration FROM pgroll.status('tap_history')$$,
                  $$VALUES ('v2', 'Complete', '02_second')$$, 'status after the rollback');
SELECT is(pg_temp.start('03_third'), 'tap_history_03_third', 'start 03_third again');
SELECT is(pg_temp.complete(), '03_third', 'complete 03_third');
SELECT ok(pg_temp.is_retired('tap_history_v2'), 'complete retires the previous version schema named by version_schema');
SELECT results_eq($$SELECT name, parent, done FROM pgroll.migrations WHERE schema = 'tap_history' ORDER BY name$$,
                  $$VALUES ('01_first', NULL::text, true), ('02_second', '01_first', true),
                           ('03_third', '02_second', true)$$,
                  'the history is a linear chain of done migrations');
SELECT is((SELECT resulting_schema::text LIKE '%\_pgroll\_%' FROM pgroll.migrations
           WHERE schema = 'tap_history' AND name = '03_third'), false,
          'resulting_schema never mentions a _pgroll_ object');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_hist_b'), 1,
          'the other schema''s history is separate');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
SELECT is(pg_temp.error_of($$SELECT pgroll.start(doc, NULL, 'tap_history') FROM docs WHERE id = 'bad_no_name'$$),
          '22023', 'a migration needs a name');
SELECT is(pg_temp.error_of($$SELECT pgroll.start(doc, 'other_name', 'tap_history') FROM docs WHERE id = '03_third'$$),
          '22023', 'the name argument must match the document''s name');
SELECT is(pg_temp.error_of($$SELECT pgroll.start(doc, NULL, 'no_such_schema') FROM docs WHERE id = 'b_01'$$),
          '3F000', 'the schema must exist');
CREATE SCHEMA tap_history_taken;
SELECT is(pg_temp.error_of($$SELECT pgroll.start(doc, NULL, 'tap_history') FROM docs WHERE id = 'bad_taken_version_schema'$$),
          '42P06', 'the version schema must not exist yet');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_history'), 3,
          'refused migrations leave no history row');
SELECT is(pgroll.is_active_migration_period('tap_history'), false, 'no migration is active after the refusals');

SELECT * FROM finish(true);
ROLLBACK;
