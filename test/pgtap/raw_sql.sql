-- pgTAP tests for the sql (raw SQL) operation.
--
-- Base: 01_base (create_table notes), completed.  02_sql creates a table
-- (up) and drops it (down); 03_add_column alters an existing table;
-- 04_on_complete runs its SQL only at complete, after a create_table in the
-- same migration.  Each is started, checked, rolled back, checked, started
-- again, completed and checked.  Then unqualified names and refusals.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(61);
CREATE SCHEMA tap_raw_sql;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "notes", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "body", "type": "text"}]}}]}$j$),
('02_sql', $j${"name": "02_sql", "operations": [
  {"sql": {"up": "CREATE TABLE tap_raw_sql.labels (id integer PRIMARY KEY, name text NOT NULL); CREATE INDEX labels_name_idx ON tap_raw_sql.labels (name)",
           "down": "DROP TABLE tap_raw_sql.labels"}}]}$j$),
('03_add_column', $j${"name": "03_add_column", "operations": [
  {"sql": {"up": "ALTER TABLE tap_raw_sql.notes ADD COLUMN tag text",
           "down": "ALTER TABLE tap_raw_sql.notes DROP COLUMN tag"}}]}$j$),
('04_on_complete', $j${"name": "04_on_complete", "operations": [
  {"create_table": {"name": "items", "columns": [{"name": "id", "type": "integer", "pk": true}]}},
  {"sql": {"up": "ALTER TABLE tap_raw_sql.items ADD COLUMN note text", "onComplete": true}},
  {"sql": {"up": "ALTER TABLE tap_raw_sql.notes ADD COLUMN created_on date NOT NULL DEFAULT '2024-01-01'",
           "onComplete": true}}]}$j$),
('05_unqualified', $j${"name": "05_unqualified", "operations": [
  {"sql": {"up": "CREATE TABLE unqualified_t (id integer)", "down": "DROP TABLE unqualified_t"}}]}$j$),
('bad_mixed', $j${"name": "bad_mixed", "operations": [
  {"create_table": {"name": "mixed", "columns": [{"name": "id", "type": "integer", "pk": true}]}},
  {"sql": {"up": "CREATE TABLE tap_raw_sql.mixed2 (id integer)"}}]}$j$),
('bad_mixed_first', $j${"name": "bad_mixed_first", "operations": [
  {"sql": {"up": "CREATE TABLE tap_raw_sql.mixed2 (id integer)"}},
  {"rename_table": {"from": "notes", "to": "notes2"}}]}$j$),
('bad_down_on_complete', $j${"name": "bad_down_on_complete", "operations": [
  {"sql": {"up": "CREATE TABLE tap_raw_sql.x (id integer)", "down": "DROP TABLE tap_raw_sql.x", "onComplete": true}}]}$j$),
('bad_up_fails', $j${"name": "bad_up_fails", "operations": [
  {"sql": {"up": "CREATE TABLE tap_raw_sql.fresh (id integer); CREATE TABLE tap_raw_sql.notes (id integer)"}}]}$j$),
('bad_up_empty', $j${"name": "bad_up_empty", "operations": [{"sql": {"up": ""}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_raw_sql', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_raw_sql', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_raw_sql')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_raw_sql')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_raw_sql') THEN
        PERFORM pgroll.rollback('tap_raw_sql');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_raw_sql_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_raw_sql.notes VALUES (1, 'hello');

-- ---------------------------------------------------------------------
-- 02_sql: up creates a table, down drops it
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap AS SELECT pg_temp.snapshot('tap_raw_sql') AS s;
SELECT is(pg_temp.start('02_sql'), 'tap_raw_sql_02_sql', 'start 02_sql');
SELECT has_table('tap_raw_sql', 'labels', 'up ran at start (first statement)');
SELECT has_index('tap_raw_sql', 'labels', 'labels_name_idx', 'up ran at start (second statement)');
SELECT has_view('tap_raw_sql_02_sql', 'labels', 'the table created by up is visible in the new version');
SELECT hasnt_view('tap_raw_sql_01_base', 'labels', 'the table created by up is not in the old version');
SELECT is(pg_temp.cols('tap_raw_sql_02_sql.labels'), ARRAY['id', 'name']::name[], 'the new view has its columns');
SELECT lives_ok($$INSERT INTO tap_raw_sql_02_sql.labels VALUES (1, 'red')$$,
                'insert through the new version into the raw-SQL table');
SELECT throws_ok($$INSERT INTO tap_raw_sql_02_sql.labels VALUES (2, NULL)$$, '23502', NULL,
                 'the raw-SQL table''s constraints apply through the view');
SELECT is(pg_temp.rollback(), '02_sql', 'rollback 02_sql');
SELECT hasnt_table('tap_raw_sql', 'labels', 'down ran at rollback');
SELECT hasnt_schema('tap_raw_sql_02_sql', 'rollback drops the new version schema');
SELECT is(pg_temp.snapshot('tap_raw_sql'), (SELECT s FROM snap),
          'after rollback of 02_sql the schema is exactly as before');
SELECT is(pg_temp.start('02_sql'), 'tap_raw_sql_02_sql', 'start 02_sql again');
SELECT is(pg_temp.complete(), '02_sql', 'complete 02_sql');
SELECT has_table('tap_raw_sql', 'labels', 'the table stays after complete (down did not run)');
SELECT has_view('tap_raw_sql_02_sql', 'labels', 'the new version view exists after complete');
SELECT ok(pg_temp.is_retired('tap_raw_sql_01_base'), 'complete retires the previous version schema');

-- ---------------------------------------------------------------------
-- 03_add_column: raw SQL altering an existing table
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_raw_sql');
SELECT is(pg_temp.start('03_add_column'), 'tap_raw_sql_03_add_column', 'start 03_add_column');
SELECT is(pg_temp.cols('tap_raw_sql_03_add_column.notes'), ARRAY['id', 'body', 'tag']::name[],
          'the new version shows the column added by up');
SELECT is(pg_temp.cols('tap_raw_sql_02_sql.notes'), ARRAY['id', 'body']::name[],
          'the old version does not show the column added by up');
SELECT lives_ok($$INSERT INTO tap_raw_sql_03_add_column.notes VALUES (2, 'tagged', 'blue')$$,
                'insert through the new version with the new column');
SELECT results_eq($$SELECT id, body FROM tap_raw_sql_02_sql.notes ORDER BY id$$,
                  $$VALUES (1, 'hello'), (2, 'tagged')$$, 'the old version reads rows written by the new one');
SELECT is(pg_temp.rollback(), '03_add_column', 'rollback 03_add_column');
SELECT hasnt_column('tap_raw_sql', 'notes', 'tag', 'down dropped the column at rollback');
SELECT is(pg_temp.snapshot('tap_raw_sql'), (SELECT s FROM snap),
          'after rollback of 03_add_column the schema is exactly as before');
SELECT is(pg_temp.start('03_add_column'), 'tap_raw_sql_03_add_column', 'start 03_add_column again');
SELECT is(pg_temp.complete(), '03_add_column', 'complete 03_add_column');
SELECT has_column('tap_raw_sql', 'notes', 'tag', 'the column stays after complete');

-- ---------------------------------------------------------------------
-- 04_on_complete: create_table plus onComplete SQL
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_raw_sql');
SELECT is(pg_temp.start('04_on_complete'), 'tap_raw_sql_04_on_complete',
          'start 04_on_complete (onComplete sql may be mixed with other operations)');
SELECT has_table('tap_raw_sql', 'items', 'the create_table ran at start');
SELECT hasnt_column('tap_raw_sql', 'items', 'note', 'onComplete SQL does not run at start');
SELECT hasnt_column('tap_raw_sql', 'notes', 'created_on', 'the second onComplete SQL does not run at start');
SELECT is(pg_temp.cols('tap_raw_sql_04_on_complete.items'), ARRAY['id']::name[],
          'the new version view of items during the migration');
SELECT is(pg_temp.rollback(), '04_on_complete', 'rollback 04_on_complete');
SELECT hasnt_table('tap_raw_sql', 'items', 'rollback drops the created table');
SELECT is(pg_temp.snapshot('tap_raw_sql'), (SELECT s FROM snap),
          'after rollback of 04_on_complete the schema is exactly as before');
SELECT is(pg_temp.start('04_on_complete'), 'tap_raw_sql_04_on_complete', 'start 04_on_complete again');
SELECT is(pg_temp.complete(), '04_on_complete', 'complete 04_on_complete');
SELECT has_column('tap_raw_sql', 'items', 'note', 'onComplete SQL ran at complete');
SELECT is(pg_temp.cols('tap_raw_sql_04_on_complete.items'), ARRAY['id', 'note']::name[],
          'after complete the new version view shows the column added by onComplete SQL');
SELECT is(pg_temp.cols('tap_raw_sql_04_on_complete.notes'), ARRAY['id', 'body', 'tag', 'created_on']::name[],
          'after complete the new version view of an existing table shows the onComplete column');
SELECT lives_ok($$INSERT INTO tap_raw_sql_04_on_complete.items VALUES (1, 'n1');
                  INSERT INTO tap_raw_sql_04_on_complete.notes (id, body) VALUES (3, 'late')$$,
                'insert through the refreshed views');
SELECT results_eq($$SELECT id, created_on FROM tap_raw_sql_04_on_complete.notes ORDER BY id$$,
                  $$VALUES (1, '2024-01-01'::date), (2, '2024-01-01'), (3, '2024-01-01')$$,
                  'the onComplete column''s default applies to old rows and through the refreshed view');
SELECT ok(pg_temp.is_retired('tap_raw_sql_03_add_column'), 'complete retires the previous version schema');
SELECT is(pg_temp.pgroll_leftovers('tap_raw_sql'), '', 'no _pgroll_ objects after complete');

-- ---------------------------------------------------------------------
-- Unqualified names in up/down resolve to the migrated schema (as in pgroll,
-- whose example 05_sql writes "CREATE TABLE users ...")
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('05_unqualified'), 'tap_raw_sql_05_unqualified',
          'start with unqualified names in up');
SELECT has_table('tap_raw_sql', 'unqualified_t', 'an unqualified CREATE TABLE in up lands in the migrated schema');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;
SELECT hasnt_table('tap_raw_sql', 'unqualified_t', 'the unqualified down dropped it at rollback');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_raw_sql');
SELECT is(pg_temp.start_error('bad_mixed'), '22023', 'sql without onComplete after another operation is refused');
SELECT is(pg_temp.start_error('bad_mixed_first'), '22023', 'sql without onComplete before another operation is refused');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.validate(doc, 'tap_raw_sql') FROM docs WHERE id = 'bad_mixed'$$),
          '22023', 'validate refuses the mixed migration too');
SELECT is(pg_temp.start_error('bad_down_on_complete'), '22023', 'down together with onComplete is refused');
SELECT is(pg_temp.start_error('bad_up_fails'), '42P07', 'an error in up fails start with that error');
SELECT is(pg_temp.start_error('bad_up_empty'), '22023', 'an empty up is refused');
-- (bad_up_fails is left out: its error comes from running up, which validate does not do)
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_raw_sql', id) FROM docs WHERE id LIKE 'bad%' AND id <> 'bad_up_fails' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_raw_sql', id) FROM docs WHERE id LIKE 'bad%' AND id <> 'bad_up_fails' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_raw_sql'), (SELECT s FROM snap), 'refused migrations change nothing');
SELECT hasnt_table('tap_raw_sql', 'mixed', 'the create_table of the refused mixed migration did not run');
SELECT hasnt_table('tap_raw_sql', 'fresh', 'nothing of a failed up is left');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_raw_sql' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');

SELECT * FROM finish(true);
ROLLBACK;
