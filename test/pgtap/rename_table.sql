-- pgTAP tests for the rename_table operation.
--
-- Base: 01_base (create_table customers, invoices -> customers), completed.
-- 02_rename renames customers to clients: started, checked, rolled back,
-- checked, started again, completed, checked.  03_quoted renames to a name
-- that needs quoting.  Then refusals.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(49);
CREATE SCHEMA tap_rename_table;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "customers", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "name", "type": "text"},
     {"name": "tier", "type": "text", "default": "'basic'"}]}},
  {"create_table": {"name": "invoices", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "customer_id", "type": "integer",
      "references": {"name": "invoices_customer_fk", "table": "customers", "column": "id"}}]}}]}$j$),
('02_rename', $j${"name": "02_rename", "operations": [
  {"rename_table": {"from": "customers", "to": "clients"}}]}$j$),
('03_quoted', $j${"name": "03_quoted", "operations": [
  {"rename_table": {"from": "clients", "to": "Client List"}}]}$j$),
('bad_to_existing', $j${"name": "bad_to_existing", "operations": [
  {"rename_table": {"from": "Client List", "to": "invoices"}}]}$j$),
('bad_from_missing', $j${"name": "bad_from_missing", "operations": [
  {"rename_table": {"from": "no_such_table", "to": "whatever"}}]}$j$),
('bad_to_index_name', $j${"name": "bad_to_index_name", "operations": [
  {"rename_table": {"from": "Client List", "to": "invoices_pkey"}}]}$j$),
('bad_reserved', $j${"name": "bad_reserved", "operations": [
  {"rename_table": {"from": "Client List", "to": "_pgroll_clients"}}]}$j$),
('bad_old_name_reused', $j${"name": "bad_old_name_reused", "operations": [
  {"rename_table": {"from": "Client List", "to": "people"}},
  {"rename_table": {"from": "Client List", "to": "people2"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_rename_table', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_rename_table', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_rename_table')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_rename_table')$$) $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_rename_table') THEN
        PERFORM pgroll.rollback('tap_rename_table');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_rename_table_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_rename_table.customers (id, name) VALUES (1, 'Ann'), (2, 'Bob');
INSERT INTO tap_rename_table.invoices VALUES (100, 1);

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_rename_table') AS s;

-- ---------------------------------------------------------------------
-- 02_rename: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_table_02_rename', 'start 02_rename');
SELECT has_view('tap_rename_table_02_rename', 'clients', 'the new version has the table under its new name');
SELECT hasnt_view('tap_rename_table_02_rename', 'customers', 'the new version has no view under the old name');
SELECT has_view('tap_rename_table_01_base', 'customers', 'the old version keeps the old name');
SELECT hasnt_view('tap_rename_table_01_base', 'clients', 'the old version has no view under the new name');
SELECT has_table('tap_rename_table', 'customers', 'the base table keeps its name until complete');
SELECT hasnt_table('tap_rename_table', 'clients', 'no base table under the new name during the migration');
SELECT is(pg_temp.cols('tap_rename_table_02_rename.clients'), ARRAY['id', 'name', 'tier']::name[],
          'the renamed view has the same columns in the same order');
SELECT results_eq($$SELECT id, name FROM tap_rename_table_02_rename.clients ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bob')$$, 'the new name reads the rows');
SELECT lives_ok($$INSERT INTO tap_rename_table_02_rename.clients (id, name) VALUES (3, 'Cy')$$,
                'insert through the new name');
SELECT lives_ok($$INSERT INTO tap_rename_table_01_base.customers (id, name) VALUES (4, 'Di')$$,
                'insert through the old name');
SELECT results_eq($$SELECT id, name, tier FROM tap_rename_table_01_base.customers ORDER BY id$$,
                  $$VALUES (1, 'Ann', 'basic'), (2, 'Bob', 'basic'), (3, 'Cy', 'basic'), (4, 'Di', 'basic')$$,
                  'the old name sees the rows of both versions (defaults applied)');
SELECT results_eq($$SELECT id, name FROM tap_rename_table_02_rename.clients ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy'), (4, 'Di')$$,
                  'the new name sees the rows of both versions');
SELECT throws_ok($$INSERT INTO tap_rename_table_02_rename.clients (id, name) VALUES (1, 'dup')$$,
                 '23505', NULL, 'the primary key still applies through the new name');
SELECT is(pgroll.read_schema('tap_rename_table') -> 'tables' ? 'customers', true,
          'read_schema shows the physical (old) name during the migration');

-- ---------------------------------------------------------------------
-- 02_rename: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_rename', 'rollback 02_rename');
SELECT hasnt_schema('tap_rename_table_02_rename', 'rollback drops the new version schema');
SELECT has_table('tap_rename_table', 'customers', 'the table keeps its old name after rollback');
SELECT is(pg_temp.snapshot('tap_rename_table'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT results_eq($$SELECT count(*)::int FROM tap_rename_table.customers$$, $$VALUES (4)$$,
                  'rows written during the migration are kept');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_table'), '', 'no _pgroll_ objects after rollback');

-- ---------------------------------------------------------------------
-- 02_rename: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_table_02_rename', 'start 02_rename again');
SELECT is(pg_temp.complete(), '02_rename', 'complete 02_rename');
SELECT has_table('tap_rename_table', 'clients', 'the base table has the new name after complete');
SELECT hasnt_table('tap_rename_table', 'customers', 'the old name is gone after complete');
SELECT ok(pg_temp.is_retired('tap_rename_table_01_base'), 'complete retires the previous version schema');
SELECT has_view('tap_rename_table_02_rename', 'clients', 'the new version view works after complete');
SELECT results_eq($$SELECT id, name FROM tap_rename_table_02_rename.clients ORDER BY id$$,
                  $$VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy'), (4, 'Di')$$,
                  'rows are kept through complete');
SELECT lives_ok($$INSERT INTO tap_rename_table_02_rename.clients (id, name) VALUES (5, 'Ed')$$,
                'insert through the new name after complete');
SELECT fk_ok('tap_rename_table', 'invoices', 'customer_id', 'tap_rename_table', 'clients', 'id',
             'the foreign key follows the renamed table');
SELECT col_default_is('tap_rename_table', 'clients', 'tier', 'basic'::text, 'the default survives the rename');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_table'), '', 'no _pgroll_ objects after complete');

-- ---------------------------------------------------------------------
-- 03_quoted: a new name that needs quoting
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('03_quoted'), 'tap_rename_table_03_quoted', 'start 03_quoted');
SELECT has_view('tap_rename_table_03_quoted', 'Client List', 'the new version has the quoted name');
SELECT lives_ok($$INSERT INTO tap_rename_table_03_quoted."Client List" (id, name) VALUES (6, 'Flo')$$,
                'insert through the quoted name');
SELECT is(pg_temp.complete(), '03_quoted', 'complete 03_quoted');
SELECT has_table('tap_rename_table', 'Client List', 'the base table has the quoted name after complete');
SELECT results_eq($$SELECT count(*)::int FROM tap_rename_table."Client List"$$, $$VALUES (6)$$,
                  'all rows are kept');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_rename_table') AS s;
SELECT is(pg_temp.start_error('bad_to_existing'), '42P07', 'renaming to an existing table is refused');
SELECT is(pg_temp.start_error('bad_from_missing'), '42P01', 'renaming a missing table is refused');
SELECT is(pg_temp.start_error('bad_reserved'), '42939', 'renaming to a _pgroll_ name is refused');
SELECT is(pg_temp.start_error('bad_old_name_reused'), '42P01',
          'the old name cannot be used after a rename in the same migration');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_rename_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_rename_table', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_rename_table'), (SELECT s FROM snap_before_bad),
          'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_rename_table' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- the table would be renamed at complete; an index already holds the name,
-- so complete would fail with 42P07: refuse at start
SELECT is(pg_temp.start_error('bad_to_index_name'), '42P07',
          'renaming to the name of an existing index (a relation) is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_rename_table' AND name = 'bad_to_index_name'),
          0, 'the refused rename to an index name leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

SELECT * FROM finish(true);
ROLLBACK;
