-- pgTAP tests for the rename_constraint operation.
--
-- Base: 01_base (create_table accounts, ledger), completed.  02_rename
-- renames a check and a unique constraint: started, checked, rolled back,
-- checked, started again, completed, checked.  Then refusals.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(37);
CREATE SCHEMA tap_rename_constraint;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "accounts", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "balance", "type": "integer",
      "check": {"name": "balance_nonneg", "constraint": "balance >= 0"}},
     {"name": "email", "type": "text", "unique": true}]}},
  {"create_table": {"name": "ledger", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "amount", "type": "integer",
      "check": {"name": "ledger_amount_check", "constraint": "amount <> 0"}},
     {"name": "note", "type": "text", "nullable": true}]}}]}$j$),
('02_rename', $j${"name": "02_rename", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "balance_nonneg", "to": "accounts_balance_nonneg"}},
  {"rename_constraint": {"table": "accounts", "from": "accounts_email_key", "to": "accounts_email_uniq"}}]}$j$),
('ok_same_name_other_table', $j${"name": "ok_same_name_other_table", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "accounts_balance_nonneg", "to": "ledger_amount_check"}}]}$j$),
('bad_to_existing', $j${"name": "bad_to_existing", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "accounts_balance_nonneg", "to": "accounts_pkey"}}]}$j$),
('bad_from_missing', $j${"name": "bad_from_missing", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "no_such_constraint", "to": "x"}}]}$j$),
('bad_other_tables_constraint', $j${"name": "bad_other_tables_constraint", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "ledger_amount_check", "to": "x"}}]}$j$),
('bad_table_missing', $j${"name": "bad_table_missing", "operations": [
  {"rename_constraint": {"table": "no_such_table", "from": "balance_nonneg", "to": "x"}}]}$j$),
('bad_reserved', $j${"name": "bad_reserved", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "accounts_balance_nonneg", "to": "_pgroll_dup_x"}}]}$j$),
('bad_to_index_name', $j${"name": "bad_to_index_name", "operations": [
  {"rename_constraint": {"table": "accounts", "from": "accounts_email_uniq", "to": "ledger_note_idx"}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_rename_constraint', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_rename_constraint', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_rename_constraint')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_rename_constraint')$$) $f$;
-- constraint names of accounts
CREATE FUNCTION pg_temp.accounts_constraints() RETURNS text[] LANGUAGE sql AS $f$
    SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint
    WHERE conrelid = to_regclass('tap_rename_constraint.accounts') $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_rename_constraint') THEN
        PERFORM pgroll.rollback('tap_rename_constraint');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_rename_constraint_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_rename_constraint.accounts VALUES (1, 10, 'a@x'), (2, 0, 'b@x');
CREATE INDEX ledger_note_idx ON tap_rename_constraint.ledger (note);

CREATE TEMP TABLE snap_before AS SELECT pg_temp.snapshot('tap_rename_constraint') AS s;

-- ---------------------------------------------------------------------
-- 02_rename: start
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_constraint_02_rename', 'start 02_rename');
SELECT is(pg_temp.accounts_constraints(), ARRAY['accounts_email_key', 'accounts_pkey', 'balance_nonneg'],
          'constraints keep their old names during the migration');
SELECT has_index('tap_rename_constraint', 'accounts', 'accounts_email_key',
                 'the unique constraint''s index keeps its old name during the migration');
SELECT throws_ok($$INSERT INTO tap_rename_constraint_02_rename.accounts VALUES (3, -1, 'c@x')$$,
                 '23514', NULL, 'the check is enforced through the new version');
SELECT throws_ok($$INSERT INTO tap_rename_constraint_01_base.accounts VALUES (3, -1, 'c@x')$$,
                 '23514', NULL, 'the check is enforced through the old version');
SELECT throws_ok($$INSERT INTO tap_rename_constraint_02_rename.accounts VALUES (3, 1, 'a@x')$$,
                 '23505', NULL, 'the unique constraint is enforced through the new version');
SELECT lives_ok($$INSERT INTO tap_rename_constraint_02_rename.accounts VALUES (3, 1, 'c@x')$$,
                'a valid row is accepted through the new version');
SELECT is(pg_temp.cols('tap_rename_constraint_02_rename.accounts'), ARRAY['id', 'balance', 'email']::name[],
          'the new version view has the table''s columns');
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.start('{"name": "x", "operations": [{"sql": {"up": "SELECT 1"}}]}', NULL, 'tap_rename_constraint')$$),
          '55000', 'a second migration cannot start while one is active');

-- ---------------------------------------------------------------------
-- 02_rename: rollback
-- ---------------------------------------------------------------------
SELECT is(pg_temp.rollback(), '02_rename', 'rollback 02_rename');
SELECT hasnt_schema('tap_rename_constraint_02_rename', 'rollback drops the new version schema');
SELECT is(pg_temp.accounts_constraints(), ARRAY['accounts_email_key', 'accounts_pkey', 'balance_nonneg'],
          'constraints keep their old names after rollback');
SELECT is(pg_temp.snapshot('tap_rename_constraint'), (SELECT s FROM snap_before),
          'after rollback the schema is exactly as before start');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_constraint'), '', 'no _pgroll_ objects after rollback');

-- ---------------------------------------------------------------------
-- 02_rename: start again and complete
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('02_rename'), 'tap_rename_constraint_02_rename', 'start 02_rename again');
SELECT is(pg_temp.complete(), '02_rename', 'complete 02_rename');
SELECT is(pg_temp.accounts_constraints(), ARRAY['accounts_balance_nonneg', 'accounts_email_uniq', 'accounts_pkey'],
          'constraints have their new names after complete');
SELECT has_index('tap_rename_constraint', 'accounts', 'accounts_email_uniq',
                 'the unique constraint''s index is renamed with it');
SELECT hasnt_index('tap_rename_constraint', 'accounts', 'accounts_email_key', 'the old index name is gone');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'accounts_balance_nonneg'),
          'CHECK ((balance >= 0))', 'the renamed check keeps its definition');
SELECT throws_ok($$INSERT INTO tap_rename_constraint_02_rename.accounts VALUES (4, -1, 'd@x')$$,
                 '23514', NULL, 'the renamed check is still enforced');
SELECT throws_ok($$INSERT INTO tap_rename_constraint_02_rename.accounts VALUES (4, 1, 'a@x')$$,
                 '23505', NULL, 'the renamed unique constraint is still enforced');
SELECT ok(pg_temp.is_retired('tap_rename_constraint_01_base'), 'complete retires the previous version schema');
SELECT is(pg_temp.pgroll_leftovers('tap_rename_constraint'), '', 'no _pgroll_ objects after complete');

-- ---------------------------------------------------------------------
-- Check constraint names are per table: reusing another table's is fine
-- ---------------------------------------------------------------------
SELECT is(pg_temp.sqlstate_of($$SELECT pgroll.start(doc, NULL, 'tap_rename_constraint')
                                FROM docs WHERE id = 'ok_same_name_other_table'$$),
          'no error', 'a check may take the name of another table''s check');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap_before_bad AS SELECT pg_temp.snapshot('tap_rename_constraint') AS s;
SELECT is(pg_temp.start_error('bad_to_existing'), '42710', 'renaming to an existing constraint of the table is refused');
SELECT is(pg_temp.start_error('bad_from_missing'), '42704', 'renaming a missing constraint is refused');
SELECT is(pg_temp.start_error('bad_other_tables_constraint'), '42704',
          'a constraint of another table is not found on this one');
SELECT is(pg_temp.start_error('bad_table_missing'), '42P01', 'renaming a constraint of a missing table is refused');
SELECT is(pg_temp.start_error('bad_reserved'), '42939', 'renaming to a _pgroll_ name is refused');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_rename_constraint', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_rename_constraint', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_rename_constraint'), (SELECT s FROM snap_before_bad),
          'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_rename_constraint' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

-- a unique constraint's index is renamed with it; an index name is taken
-- in the whole schema, so complete would fail with 42P07: refuse at start
SELECT matches(pg_temp.start_error('bad_to_index_name'), '^(42P07|42710)$',
               'renaming a unique constraint to the name of an existing index is refused at start');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_rename_constraint' AND name = 'bad_to_index_name'),
          0, 'the refused rename to an index name leaves no history row');
DO $$ BEGIN PERFORM pg_temp.reset(); END $$;

SELECT * FROM finish(true);
ROLLBACK;
