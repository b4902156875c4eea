-- pgTAP tests for the rename_column operation.
--
-- Base: 01_base (create_table people), completed.  02_rename renames
-- people.name to full_name: started, checked, rolled back, checked, started
-- again, completed, checked.  Then refusals.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(44);
CREATE SCHEMA tap_rename_column;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "people", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "name", "type": "text", "unique": true, "comment": "display name",
      "check": {"name": "people_name_not_empty", "constraint": "name <> ''"}},
     {"name": "email", "type": "text", "nullable": true},
     {"name": "age", "type": "integer", "default": "18"}]}}]}$j$),
('02_rename', $j${"name": "02_rename", "operations": [
  {"rename_column": {"table": "people", "from": "name", "to": "full_name"}}]}$j$),
('bad_to_existing', $j${"name": "bad_to_existing", "operations": [
  {"rename_column": {"table": "people", "from": "full_name", "to": "email"}}]}$j$),
('bad_from_missing', $j${"name": "bad_from_missing", "operations": [
  {"rename_column": {"table": "people", "from": "no_such_column", "to": "x"}}]}$j$),
('bad_table_missing', $j${"name": "bad_table_missing", "operations": [
  {"rename_column": {"table": "no_such_table", "from": "id", "to": "x"}}]}$j$),
('bad_reserved', $j${"name": "bad_reserved", "operations": [
  {"rename_column": {"table": "people", "from": "email", "to": "_pgroll_new_email"}}]}$j$),
('bad_old_name_reused', $j${"name": "bad_old_name_reused", "operations": [
  {"rename_column": {"table": "people", "from": "email", "to": "mail"}},
  {"rename_column": {"table": "people", "from": "email", "to": "mail2"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_rename_column', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_rename_column', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_rename_column')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_rename_column')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_rename_column') THEN
        PERFORM pgroll.rollback('tap_rename_column');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_rename_column_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_rename_column.people (id, name, email) VALUES (1, 'Ann', 'ann@x'), (2, 'Bob', NULL);

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_rename_column') AS s;

-- ---------------------------------------------------------------------
-- 02_rename: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_column_02_rename', 'start 02_rename');
SELECT is(pg_temp.cols('tap_rename_column_02_rename.people'), ARRAY['id', 'full_name', 'email', 'age']::name[],
          'the new version shows the column under its new name, in place');
SELECT is(pg_temp.cols('tap_rename_column_01_base.people'), ARRAY['id', 'name', 'email', 'age']::name[],
          'the old version shows the column under its old name');
SELECT has_column('tap_rename_column', 'people', 'name', 'the base column keeps its name until complete');
SELECT hasnt_column('tap_rename_column', 'people', 'full_name', 'no base column under the new name during the migration');
SELECT results_eq($$SELECT id, full_name FROM tap_rename_column_02_rename.people ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bob')$$, 'the new name reads the existing values');
SELECT lives_ok($$INSERT INTO tap_rename_column_02_rename.people (id, full_name) VALUES (3, 'Cy')$$,
                'insert through the new name');
SELECT lives_ok($$INSERT INTO tap_rename_column_01_base.people (id, name) VALUES (4, 'Di')$$,
                'insert through the old name');
SELECT lives_ok($$UPDATE tap_rename_column_02_rename.people SET full_name = 'Bobby' WHERE id = 2$$,
                'update through the new name');
SELECT results_eq($$SELECT id, name, age FROM tap_rename_column_01_base.people ORDER BY id$$,
                  $$VALUES (1, 'Ann', 18), (2, 'Bobby', 18), (3, 'Cy', 18), (4, 'Di', 18)$$,
                  'the old name sees writes of both versions (default applied)');
SELECT results_eq($$SELECT id, full_name FROM tap_rename_column_02_rename.people ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bobby'), (3, 'Cy'), (4, 'Di')$$,
                  'the new name sees writes of both versions');
SELECT throws_ok($$INSERT INTO tap_rename_column_02_rename.people (id, full_name) VALUES (5, 'Ann')$$,
                 '23505', NULL, 'the unique constraint applies through the new name');
SELECT throws_ok($$INSERT INTO tap_rename_column_02_rename.people (id, full_name) VALUES (5, '')$$,
                 '23514', NULL, 'the check constraint applies through the new name');
SELECT throws_ok($$INSERT INTO tap_rename_column_02_rename.people (id) VALUES (5)$$,
                 '23502', NULL, 'NOT NULL applies through the new name');

-- ---------------------------------------------------------------------
-- 02_rename: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_rename', 'rollback 02_rename');
SELECT hasnt_schema('tap_rename_column_02_rename', 'rollback drops the new version schema');
SELECT has_column('tap_rename_column', 'people', 'name', 'the base column keeps its name after rollback');
SELECT is(pg_temp.snapshot('tap_rename_column'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT results_eq($$SELECT id, name FROM tap_rename_column_01_base.people ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bobby'), (3, 'Cy'), (4, 'Di')$$,
                  'rows written during the migration are kept');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_column'), '', 'no _pgroll_ objects after rollback');

-- ---------------------------------------------------------------------
-- 02_rename: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_column_02_rename', 'start 02_rename again');
SELECT is(pg_temp.complete(), '02_rename', 'complete 02_rename');
SELECT has_column('tap_rename_column', 'people', 'full_name', 'the base column has the new name after complete');
SELECT hasnt_column('tap_rename_column', 'people', 'name', 'the old column name is gone after complete');
SELECT is(pg_temp.cols('tap_rename_column.people'), ARRAY['id', 'full_name', 'email', 'age']::name[],
          'the base column keeps its position');
SELECT ok(pg_temp.is_retired('tap_rename_column_01_base'), 'complete retires the previous version schema');
SELECT is(pg_temp.cols('tap_rename_column_02_rename.people'), ARRAY['id', 'full_name', 'email', 'age']::name[],
          'the new version view after complete');
SELECT results_eq($$SELECT id, full_name FROM tap_rename_column_02_rename.people ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bobby'), (3, 'Cy'), (4, 'Di')$$,
                  'values are kept through complete');
SELECT lives_ok($$INSERT INTO tap_rename_column_02_rename.people (id, full_name) VALUES (5, 'Ed')$$,
                'insert through the new name after complete');
SELECT col_not_null('tap_rename_column', 'people', 'full_name', 'the renamed column is still NOT NULL');
SELECT is(col_description('tap_rename_column.people'::regclass, 2), 'display name',
          'the renamed column keeps its comment');
SELECT is(pg_get_indexdef('tap_rename_column.people_name_key'::regclass),
          'CREATE UNIQUE INDEX people_name_key ON tap_rename_column.people USING btree (full_name)',
          'the unique index now covers the renamed column');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'people_name_not_empty'
             AND conrelid = 'tap_rename_column.people'::regclass),
          'CHECK ((full_name <> ''''::text))', 'the check constraint now uses the renamed column');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_column'), '', 'no _pgroll_ objects after complete');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_rename_column') AS s;
SELECT is(pg_temp.start_error('bad_to_existing'), '42701', 'renaming to an existing column is refused');
SELECT is(pg_temp.start_error('bad_from_missing'), '42703', 'renaming a missing column is refused');
SELECT is(pg_temp.start_error('bad_table_missing'), '42P01', 'renaming a column of a missing table is refused');
SELECT is(pg_temp.start_error('bad_reserved'), '42939', 'renaming to a _pgroll_ name is refused');
SELECT is(pg_temp.start_error('bad_old_name_reused'), '42703',
          'the old column name cannot be used after a rename in the same migration');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_rename_column', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_rename_column', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_rename_column'), (SELECT s FROM snap_before_bad),
          'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_rename_column' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');

SELECT * FROM finish(true);
ROLLBACK;
