-- pgTAP tests for the set_replica_identity operation.
--
-- Base: 01_base (create_table events with a unique NOT NULL code), completed.
-- Then FULL, NOTHING, USING INDEX and DEFAULT, each started, checked,
-- rolled back (which must restore the previous identity, including a
-- USING INDEX one), checked, started again, completed and checked.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
SELECT plan(48);
CREATE SCHEMA tap_replica_identity;

-- the shared helpers: snapshot(), pgroll_leftovers(), error catching
\ir helpers.psql

-- Migration documents of this file, by id
CREATE TEMP TABLE docs (id text PRIMARY KEY, doc jsonb NOT NULL);

INSERT INTO docs VALUES
('01_base', $j${"name": "01_base", "operations": [
  {"create_table": {"name": "events", "columns": [
     {"name": "id", "type": "integer", "pk": true},
     {"name": "code", "type": "text", "unique": true},
     {"name": "note", "type": "text", "nullable": true}]}}]}$j$),
('02_full', $j${"name": "02_full", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "FULL"}}}]}$j$),
('03_nothing', $j${"name": "03_nothing", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "nothing"}}}]}$j$),
('04_index', $j${"name": "04_index", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "index", "index": "events_code_key"}}}]}$j$),
('05_default', $j${"name": "05_default", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "default"}}}]}$j$),
('bad_index_missing', $j${"name": "bad_index_missing", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "index", "index": "no_such_index"}}}]}$j$),
('bad_table_missing', $j${"name": "bad_table_missing", "operations": [
  {"set_replica_identity": {"table": "no_such_table", "identity": {"type": "full"}}}]}$j$),
('bad_index_without_name', $j${"name": "bad_index_without_name", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "index"}}}]}$j$),
('bad_type', $j${"name": "bad_type", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "everything"}}}]}$j$),
('bad_index_with_full', $j${"name": "bad_index_with_full", "operations": [
  {"set_replica_identity": {"table": "events", "identity": {"type": "full", "index": "events_pkey"}}}]}$j$);

CREATE FUNCTION pg_temp.start(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                              'tap_replica_identity', id)) $f$;
CREATE FUNCTION pg_temp.start_error(id text) RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.error_of(format('SELECT pgroll.start(doc, NULL, %L) FROM docs WHERE id = %L',
                                  'tap_replica_identity', id)) $f$;
CREATE FUNCTION pg_temp.complete() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.complete('tap_replica_identity')$$) $f$;
CREATE FUNCTION pg_temp.rollback() RETURNS text LANGUAGE sql AS $f$
    SELECT pg_temp.try($$SELECT pgroll.rollback('tap_replica_identity')$$) $f$;
-- events' replica identity: pg_class.relreplident, then ':<index>' for each
-- index with pg_index.indisreplident
CREATE FUNCTION pg_temp.identity() RETURNS text LANGUAGE sql AS $f$
    SELECT c.relreplident::text || coalesce(
        (SELECT string_agg(':' || ic.relname, '' ORDER BY ic.relname)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisreplident), '')
    FROM pg_class c
    WHERE c.oid = to_regclass('tap_replica_identity.events') $f$;

-- roll back a migration that a wrongly accepted document left active
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF pgroll.is_active_migration_period('tap_replica_identity') THEN
        PERFORM pgroll.rollback('tap_replica_identity');
    END IF;
END $f$;

-- ---------------------------------------------------------------------
-- 01_base
-- ---------------------------------------------------------------------
SELECT is(pg_temp.start('01_base'), 'tap_replica_identity_01_base', 'start 01_base');
SELECT is(pg_temp.complete(), '01_base', 'complete 01_base');
INSERT INTO tap_replica_identity.events VALUES (1, 'a', NULL), (2, 'b', 'x');
SELECT is(pg_temp.identity(), 'd', 'a new table has the default replica identity');

-- ---------------------------------------------------------------------
-- 02_full
-- ---------------------------------------------------------------------
CREATE TEMP TABLE snap AS SELECT pg_temp.snapshot('tap_replica_identity') AS s;
SELECT is(pg_temp.start('02_full'), 'tap_replica_identity_02_full', 'start 02_full (type given in upper case)');
SELECT is(pg_temp.identity(), 'f', 'FULL is applied at start');
SELECT has_view('tap_replica_identity_02_full', 'events', 'the new version has the events view');
SELECT results_eq($$SELECT id, code FROM tap_replica_identity_02_full.events ORDER BY id$$,
                  $$VALUES (1, 'a'), (2, 'b')$$, 'rows read through the new version');
SELECT is(pg_temp.rollback(), '02_full', 'rollback 02_full');
SELECT is(pg_temp.identity(), 'd', 'rollback restores the default identity');
SELECT is(pg_temp.snapshot('tap_replica_identity'), (SELECT s FROM snap),
          'after rollback of 02_full the schema is exactly as before');
SELECT is(pg_temp.start('02_full'), 'tap_replica_identity_02_full', 'start 02_full again');
SELECT is(pg_temp.complete(), '02_full', 'complete 02_full');
SELECT is(pg_temp.identity(), 'f', 'FULL stays after complete');

-- ---------------------------------------------------------------------
-- 03_nothing
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_replica_identity');
SELECT is(pg_temp.start('03_nothing'), 'tap_replica_identity_03_nothing', 'start 03_nothing');
SELECT is(pg_temp.identity(), 'n', 'NOTHING is applied at start');
SELECT is(pg_temp.rollback(), '03_nothing', 'rollback 03_nothing');
SELECT is(pg_temp.identity(), 'f', 'rollback restores FULL (the previous identity), not DEFAULT');
SELECT is(pg_temp.snapshot('tap_replica_identity'), (SELECT s FROM snap),
          'after rollback of 03_nothing the schema is exactly as before');
SELECT is(pg_temp.start('03_nothing'), 'tap_replica_identity_03_nothing', 'start 03_nothing again');
SELECT is(pg_temp.complete(), '03_nothing', 'complete 03_nothing');
SELECT is(pg_temp.identity(), 'n', 'NOTHING stays after complete');

-- ---------------------------------------------------------------------
-- 04_index
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_replica_identity');
SELECT is(pg_temp.start('04_index'), 'tap_replica_identity_04_index', 'start 04_index');
SELECT is(pg_temp.identity(), 'i:events_code_key', 'USING INDEX events_code_key is applied at start');
SELECT is(pg_temp.rollback(), '04_index', 'rollback 04_index');
SELECT is(pg_temp.identity(), 'n', 'rollback restores NOTHING and clears indisreplident');
SELECT is(pg_temp.snapshot('tap_replica_identity'), (SELECT s FROM snap),
          'after rollback of 04_index the schema is exactly as before');
SELECT is(pg_temp.start('04_index'), 'tap_replica_identity_04_index', 'start 04_index again');
SELECT is(pg_temp.complete(), '04_index', 'complete 04_index');
SELECT is(pg_temp.identity(), 'i:events_code_key', 'USING INDEX stays after complete');

-- ---------------------------------------------------------------------
-- 05_default: rollback must restore the USING INDEX identity
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_replica_identity');
SELECT is(pg_temp.start('05_default'), 'tap_replica_identity_05_default', 'start 05_default');
SELECT is(pg_temp.identity(), 'd', 'DEFAULT is applied at start and the index is no longer the identity');
SELECT is(pg_temp.rollback(), '05_default', 'rollback 05_default');
SELECT is(pg_temp.identity(), 'i:events_code_key', 'rollback restores USING INDEX events_code_key');
SELECT is(pg_temp.snapshot('tap_replica_identity'), (SELECT s FROM snap),
          'after rollback of 05_default the schema is exactly as before');
SELECT is(pg_temp.start('05_default'), 'tap_replica_identity_05_default', 'start 05_default again');
SELECT is(pg_temp.complete(), '05_default', 'complete 05_default');
SELECT is(pg_temp.identity(), 'd', 'DEFAULT stays after complete');
SELECT ok(pg_temp.is_retired('tap_replica_identity_04_index'), 'complete retires the previous version schema');
SELECT is(pg_temp.pgroll_leftovers('tap_replica_identity'), '', 'no _pgroll_ objects after complete');
SELECT results_eq($$SELECT id, code, note FROM tap_replica_identity_05_default.events ORDER BY id$$,
                  $$VALUES (1, 'a', NULL), (2, 'b', 'x')$$, 'the rows are untouched by all of this');

-- ---------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------
UPDATE snap SET s = pg_temp.snapshot('tap_replica_identity');
SELECT is(pg_temp.start_error('bad_index_missing'), '42704', 'an unknown index is refused');
SELECT is(pg_temp.start_error('bad_table_missing'), '42P01', 'an unknown table is refused');
SELECT is(pg_temp.start_error('bad_index_without_name'), '22023', 'type index without an index name is refused');
SELECT is(pg_temp.start_error('bad_type'), '22023', 'an unknown identity type is refused');
SELECT is(pg_temp.start_error('bad_index_with_full'), '22023', 'an index name with type full is refused');
SELECT results_eq(
    $$SELECT id, pg_temp.validate_error('tap_replica_identity', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    $$SELECT id, pg_temp.start_error_undone('tap_replica_identity', id) FROM docs WHERE id LIKE 'bad%' ORDER BY id$$,
    'validate raises the same error as start for every refused document');
SELECT is(pg_temp.snapshot('tap_replica_identity'), (SELECT s FROM snap), 'refused migrations change nothing');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema = 'tap_replica_identity' AND name LIKE 'bad%'),
          0, 'refused migrations leave no history row');

SELECT * FROM finish(true);
ROLLBACK;
