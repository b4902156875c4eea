-- pgTAP tests for pgroll's privilege rules (README: Privileges, Safety,
-- Background work, Scheduling with pg_cron), with real non-superuser roles.
--
--   priv_owner  owns schema priv_app and its tables, has CREATE on the
--               database (for version schemas), as README asks
--   priv_other  owns schema priv_other (priv_owner may use it, not create
--               in it) and a table priv_other.secret priv_owner cannot read
--   priv_shared a superuser's schema where both roles may create; it holds
--               a superuser's table and a table of priv_other
--
-- 1. priv_owner runs the whole lifecycle on its own tables (a backfill, a
--    NOT NULL check validated, a concurrent index build, rollback of an
--    index build), and the worker's jobs run as priv_owner.
-- 2. It cannot migrate tables it does not own (42501, nothing changed).
-- 3. Its up/down expressions and sql operations get no more rights than
--    it has.
-- 4. It cannot write pgroll's tables, nor migrate a schema it may not
--    create in (another role's active migration included).
-- 5. pg_cron (in its own database, reached with dblink): the jobs
--    schedule_start / schedule_complete create belong to priv_owner.
-- 6. search_path hijacking: objects named like those generated SQL uses,
--    planted by priv_owner on its search_path, in the migrated schema, in
--    public and in the schema the background worker's "$user" names, are
--    never called by start, complete, rollback, the worker, wait or
--    migrate (each logs a call into priv_log.calls).
-- 7. Every function of schema pgroll pins its search_path.
--
-- Background work runs after start commits: autocommit mode, no enclosing
-- transaction; the file cleans up first and last.  Role actions run under
-- SET SESSION AUTHORIZATION (so that SET ROLE inside a migration is checked
-- against the role, not the superuser), and through dblink as a real login
-- where even that is not enough.
\set ON_ERROR_STOP 0
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
-- not "$user": the superuser's "$user" schema is one priv_owner plants in
SET search_path = public, priv_dblink;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgroll;
CREATE SCHEMA IF NOT EXISTS priv_dblink;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA priv_dblink;

\ir helpers.psql
\ir privileges_setup.psql

-- pg_cron's database, and how dblink reaches this server
SELECT current_setting('cron.database_name', true) AS cron_db,
       format('host=%s port=%s', split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port')) AS conn,
       current_database() AS this_db,
       quote_ident(rolname) AS boot_user, rolname AS boot_name
FROM pg_roles WHERE oid = 10 \gset
SELECT dblink_connect('priv_cron_su', :'conn' || ' user=' || :'boot_name' || ' dbname=' || :'cron_db') \g /dev/null
DO $$ BEGIN PERFORM pg_temp.cleanup('priv_cron_su'); END $$;

SELECT plan(59);
-- pgTAP's bookkeeping, for assertions made while acting as a role
GRANT ALL ON __tcache__, __tcache___id_seq, __tresults___numb_seq TO PUBLIC;

-- ---------------------------------------------------------------------
-- Setup, as a DBA would do it
-- ---------------------------------------------------------------------
CREATE ROLE priv_owner LOGIN;
CREATE ROLE priv_other LOGIN;
GRANT CREATE ON DATABASE :"this_db" TO priv_owner, priv_other;

CREATE SCHEMA priv_app AUTHORIZATION priv_owner;
CREATE SCHEMA priv_other AUTHORIZATION priv_other;
GRANT USAGE ON SCHEMA priv_other TO priv_owner;
CREATE SCHEMA priv_shared;
GRANT USAGE, CREATE ON SCHEMA priv_shared TO priv_owner, priv_other;
CREATE TABLE priv_shared.su_accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO priv_shared.su_accounts SELECT g, g FROM generate_series(1, 10) g;
CREATE TABLE priv_shared.other_accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO priv_shared.other_accounts SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE priv_shared.other_accounts OWNER TO priv_other;
GRANT SELECT ON priv_shared.su_accounts, priv_shared.other_accounts TO priv_owner;

-- where the hijacking objects log their calls (anyone may log)
CREATE SCHEMA priv_log;
CREATE TABLE priv_log.calls (obj text, usr name DEFAULT current_user,
                             app text DEFAULT current_setting('application_name'),
                             at timestamptz DEFAULT clock_timestamp());
GRANT USAGE ON SCHEMA priv_log TO PUBLIC;
GRANT INSERT ON priv_log.calls TO PUBLIC;

SET SESSION AUTHORIZATION priv_other;
CREATE TABLE priv_other.secret (id int PRIMARY KEY, s text NOT NULL);
INSERT INTO priv_other.secret VALUES (1, 'TOPSECRET');
CREATE TABLE priv_other.notes (id int PRIMARY KEY, body text);
INSERT INTO priv_other.notes VALUES (1, 'note');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION priv_owner;
CREATE TABLE priv_app.items (id int PRIMARY KEY, price int NOT NULL, grp int NOT NULL);
INSERT INTO priv_app.items SELECT g, g, g % 3 FROM generate_series(1, 200) g;
RESET SESSION AUTHORIZATION;

-- =====================================================================
-- 1. The whole lifecycle as priv_owner, on its own table
-- =====================================================================
SET SESSION AUTHORIZATION priv_owner;
SET pgroll.backfill_batch_size = 50;
SET pgroll.backfill_batch_time = 0;
SELECT is(pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "items", "up": "current_user || '':'' || (price * 2)",
                    "column": {"name": "who", "type": "text", "nullable": false}}},
    {"create_index": {"name": "items_price_idx", "table": "items", "columns": ["price"]}}]}',
    '01_who', 'priv_app')$$),
    'priv_app_01_who', 'priv_owner starts a migration with a backfill, a NOT NULL check and an index build');
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
CALL pgroll.wait('priv_app', '30 seconds');
SELECT is((SELECT string_agg(j, ', ' ORDER BY j) FROM (
              SELECT DISTINCT format('%s/%s/%s', kind, role, state) AS j
                FROM pgroll.jobs WHERE schema = 'priv_app' AND migration = '01_who') s),
          'backfill/priv_owner/done, statement/priv_owner/done',
          'the worker''s jobs (backfill, validation, index build) are queued for priv_owner and done');
SELECT is((SELECT count(*)::int FROM priv_app_01_who.items
            WHERE who = 'priv_owner:' || (price * 2)),
          200, 'the backfill ran up as priv_owner (current_user) and filled every row right');
SELECT is((SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass('priv_app.items_price_idx')),
          true, 'the worker built the index concurrently, as priv_owner, and it is valid');
SELECT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'priv_app_01_who'),
          'priv_owner', 'the version schema belongs to priv_owner');
SELECT is(pg_temp.try($$SELECT pgroll.complete('priv_app')$$), '01_who', 'priv_owner completes it');
SELECT is((SELECT format('%s %s', count(*) FILTER (WHERE who = 'priv_owner:' || (price * 2)),
                         (SELECT attnotnull FROM pg_attribute
                           WHERE attrelid = 'priv_app.items'::regclass AND attname = 'who'))
             FROM priv_app.items),
          '200 t', 'after complete the column is NOT NULL and holds the backfilled values');

-- an index build rolled back: the worker drops it, as priv_owner
SELECT is(pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"create_index": {"name": "items_grp_idx", "table": "items", "columns": ["grp", "price"]}}]}',
    '02_idx', 'priv_app')$$), 'priv_app_02_idx', 'priv_owner starts an index build');
CALL pgroll.wait('priv_app', '30 seconds');
SELECT is(pg_temp.try($$SELECT pgroll.rollback('priv_app')$$), '02_idx', 'priv_owner rolls it back');
CALL pgroll.wait('priv_app', '30 seconds');
SELECT is((SELECT string_agg(format('%s/%s/%s', phase, role, state), ', ' ORDER BY id)
             FROM pgroll.jobs WHERE schema = 'priv_app' AND migration = '02_idx')
          || ' index=' || coalesce(to_regclass('priv_app.items_grp_idx')::text, 'gone'),
          'start/priv_owner/done, rollback/priv_owner/done index=gone',
          'the build and the DROP INDEX CONCURRENTLY of rollback ran as priv_owner');
RESET SESSION AUTHORIZATION;

-- =====================================================================
-- 2. Tables priv_owner does not own: refused, nothing changed
-- =====================================================================
CREATE TEMP TABLE shared_before AS SELECT pg_temp.snapshot('priv_shared') AS s;

SET SESSION AUTHORIZATION priv_owner;
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "su_accounts", "up": "balance * 2",
                    "column": {"name": "doubled", "type": "int", "nullable": false}}}]}',
    'bad_su', 'priv_shared')$$),
    '42501', 'add_column on a superuser''s table (in a schema priv_owner may create in): 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "other_accounts", "column": "balance", "type": "bigint",
                      "up": "balance", "down": "balance"}}]}',
    'bad_other', 'priv_shared')$$),
    '42501', 'alter_column on another role''s table: 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "notes", "column": {"name": "x", "type": "int", "nullable": true}}}]}',
    'bad_schema', 'priv_other')$$),
    '42501', 'a migration of a schema priv_owner may use but not create in: 42501');
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.snapshot('priv_shared'), (SELECT s FROM shared_before),
          'the refused migrations changed nothing (no column, trigger, constraint, index, version schema)');
SELECT is((SELECT count(*)::int FROM pgroll.migrations WHERE schema IN ('priv_shared', 'priv_other'))
          + (SELECT count(*)::int FROM pgroll.jobs WHERE schema IN ('priv_shared', 'priv_other'))
          + (SELECT count(*)::int FROM pg_namespace
              WHERE nspname LIKE 'priv\_shared\_%' OR nspname LIKE 'priv\_other\_%'),
          0, 'the refused migrations left no history row, no job and no version schema');

-- Operations whose start runs no DDL on the table (the index is built by
-- the worker, the rename and the drop happen at complete) must be refused
-- at start too, not accepted and left to fail later.
SET SESSION AUTHORIZATION priv_owner;
INSERT INTO acts SELECT 'idx', pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"create_index": {"name": "other_balance_idx", "table": "other_accounts", "columns": ["balance"]}}]}',
    'bad_idx', 'priv_shared')$$);
DO $$ BEGIN PERFORM pg_temp.reset('priv_shared'); END $$;
INSERT INTO acts SELECT 'rename', pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"rename_column": {"table": "su_accounts", "from": "balance", "to": "amount"}}]}',
    'bad_rename', 'priv_shared')$$);
DO $$ BEGIN PERFORM pg_temp.reset('priv_shared'); END $$;
INSERT INTO acts SELECT 'drop', pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"drop_column": {"table": "other_accounts", "column": "balance"}}]}',
    'bad_drop', 'priv_shared')$$);
DO $$ BEGIN PERFORM pg_temp.reset('priv_shared'); END $$;
RESET SESSION AUTHORIZATION;
CALL pg_temp.settle('priv_shared');
SELECT is((SELECT string_agg(k || ':' || v, ' ' ORDER BY k) FROM acts WHERE k IN ('idx', 'rename', 'drop')),
          'drop:42501 idx:42501 rename:42501',
          'create_index, rename_column, drop_column on a table priv_owner does not own: 42501 at start');

-- =====================================================================
-- 3. up/down expressions and sql operations get no extra rights
-- =====================================================================
SET SESSION AUTHORIZATION priv_owner;
-- up reading a table priv_owner may not read: the backfill must fail (or start)
INSERT INTO acts SELECT 'leak_start', pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "items", "up": "(SELECT s FROM priv_other.secret LIMIT 1)",
                    "column": {"name": "leak", "type": "text", "nullable": true}}}]}',
    '03_leak', 'priv_app')$$);
RESET SESSION AUTHORIZATION;
CALL pg_temp.settle('priv_app');
SELECT ok((SELECT v LIKE 'ERROR 42501:%' FROM acts WHERE k = 'leak_start')
          OR (SELECT string_agg(format('%s %s: %s', kind, state, error), '; ')
                FROM pgroll.jobs WHERE schema = 'priv_app' AND migration = '03_leak')
             = 'backfill failed: permission denied for table secret',
          'an up reading a table priv_owner cannot read fails (permission denied), at start or in the backfill');
SELECT is((SELECT count(*)::int FROM priv_app.items i WHERE to_jsonb(i)::text LIKE '%TOPSECRET%'),
          0, 'no row got the secret');
SET SESSION AUTHORIZATION priv_owner;
SELECT is(pg_temp.try($$SELECT coalesce(
    (SELECT pgroll.rollback('priv_app') WHERE pgroll.is_active_migration_period('priv_app')), 'nothing to undo')$$)
    || ' ' || pg_temp.pgroll_leftovers('priv_app'),
    (SELECT CASE WHEN v LIKE 'ERROR%' THEN 'nothing to undo ' ELSE '03_leak ' END FROM acts WHERE k = 'leak_start'),
    'the failed migration rolls back cleanly (no _pgroll_ leftovers)');

-- up calling priv_owner's own function that reads the secret (no start
-- check can see through a function).  README: "the expressions run as the
-- role that started the migration": a write by a role that may read the
-- secret must not lend it its rights.
CREATE FUNCTION priv_app.peek() RETURNS text LANGUAGE plpgsql
    AS $f$ BEGIN RETURN (SELECT s FROM priv_other.secret LIMIT 1); END $f$;
GRANT USAGE ON SCHEMA priv_app TO priv_other;
GRANT SELECT, INSERT, UPDATE ON priv_app.items TO priv_other;
SELECT is(pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "items", "up": "priv_app.peek()",
                    "column": {"name": "peeked", "type": "text", "nullable": true}}}]}',
    '04_peek', 'priv_app')$$), 'priv_app_04_peek', 'start with an up calling a function of priv_owner');
RESET SESSION AUTHORIZATION;
CALL pg_temp.settle('priv_app');
SELECT is((SELECT string_agg(format('%s %s: %s', kind, state, error), '; ')
             FROM pgroll.jobs WHERE schema = 'priv_app' AND migration = '04_peek'
               AND kind = 'backfill'),
          'backfill failed: permission denied for table secret',
          'the backfill runs up as priv_owner: permission denied, the job fails');
SET SESSION AUTHORIZATION priv_other;
INSERT INTO acts SELECT 'trojan_insert',
    pg_temp.try($$INSERT INTO priv_app.items (id, price, grp, who) VALUES (5001, 1, 1, 'x') RETURNING 'inserted'$$);
INSERT INTO acts SELECT 'trojan_update',
    pg_temp.try($$UPDATE priv_app.items SET price = price WHERE id = 1 RETURNING 'updated'$$);
RESET SESSION AUTHORIZATION;
SELECT is((SELECT string_agg(i.id::text, ',') FROM priv_app.items i WHERE to_jsonb(i)::text LIKE '%TOPSECRET%'),
          NULL, 'writes by priv_other (who may read the secret) do not run priv_owner''s up with priv_other''s rights');
SET SESSION AUTHORIZATION priv_owner;
SELECT is(pg_temp.try($$SELECT pgroll.rollback('priv_app')$$), '04_peek', 'priv_owner rolls 04_peek back');
DELETE FROM priv_app.items WHERE id > 200;

-- sql operations
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"sql": {"up": "UPDATE priv_other.secret SET s = ''pwned''"}}]}', 'sql_write', 'priv_app')$$),
    '42501', 'a sql operation writing another role''s table: 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"sql": {"up": "SET ROLE postgres"}}]}', 'sql_set_role_su', 'priv_app')$$),
    '42501', 'a sql operation doing SET ROLE to a superuser: 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"sql": {"up": "SET ROLE priv_other"}}]}', 'sql_set_role', 'priv_app')$$),
    '42501', 'a sql operation doing SET ROLE to another role: 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"sql": {"up": "ALTER ROLE priv_owner SUPERUSER"}}]}', 'sql_alter_role', 'priv_app')$$),
    '42501', 'a sql operation doing ALTER ROLE ... SUPERUSER: 42501');
SELECT is(pg_temp.error_of($$SELECT pgroll.start('{"operations": [
    {"sql": {"up": "GRANT priv_other TO priv_owner"}}]}', 'sql_grant_role', 'priv_app')$$),
    '42501', 'a sql operation granting itself another role: 42501');
RESET SESSION AUTHORIZATION;
SELECT is(format('super=%s member=%s secret=%s history=%s',
                 (SELECT rolsuper FROM pg_roles WHERE rolname = 'priv_owner'),
                 pg_has_role('priv_owner', 'priv_other', 'MEMBER'),
                 (SELECT string_agg(s, ',') FROM priv_other.secret),
                 (SELECT count(*) FROM pgroll.migrations WHERE schema = 'priv_app' AND name LIKE 'sql\_%'))
          || ' ' || pg_temp.pgroll_leftovers('priv_app'),
          'super=f member=f secret=TOPSECRET history=0 ',
          'the refused sql operations changed nothing');

-- =====================================================================
-- 4. pgroll's own tables, and schemas priv_owner may not create in
-- =====================================================================
SET SESSION AUTHORIZATION priv_owner;
SELECT is(concat_ws(' ',
    pg_temp.sqlstate_of($$INSERT INTO pgroll.migrations (schema, name, migration) VALUES ('priv_app', 'forged', '{}')$$),
    pg_temp.sqlstate_of($$UPDATE pgroll.migrations SET done = false WHERE schema = 'priv_app'$$),
    pg_temp.sqlstate_of($$DELETE FROM pgroll.migrations WHERE schema = 'priv_app'$$),
    pg_temp.sqlstate_of($$TRUNCATE pgroll.migrations CASCADE$$)),
    '42501 42501 42501 42501', 'pgroll.migrations: INSERT, UPDATE, DELETE, TRUNCATE refused');
SELECT is(concat_ws(' ',
    pg_temp.sqlstate_of($$INSERT INTO pgroll.jobs (schema, migration, phase, kind, description, command, role)
                          VALUES ('priv_app', '01_who', 'start', 'statement', 'x', 'ALTER ROLE priv_owner SUPERUSER', 'postgres')$$),
    pg_temp.sqlstate_of($$UPDATE pgroll.jobs SET role = 'postgres', state = 'queued' WHERE schema = 'priv_app'$$),
    pg_temp.sqlstate_of($$DELETE FROM pgroll.jobs WHERE schema = 'priv_app'$$),
    pg_temp.sqlstate_of($$TRUNCATE pgroll.jobs$$)),
    '42501 42501 42501 42501', 'pgroll.jobs: INSERT (a job as the superuser), UPDATE, DELETE, TRUNCATE refused');
SELECT is(concat_ws(' ',
    pg_temp.sqlstate_of($$INSERT INTO pgroll.operation_state (schema, migration, position, operation)
                          VALUES ('priv_app', '01_who', 9, 'sql')$$),
    pg_temp.sqlstate_of($$UPDATE pgroll.operation_state SET relid = 1259$$),
    pg_temp.sqlstate_of($$DELETE FROM pgroll.operation_state$$),
    pg_temp.sqlstate_of($$TRUNCATE pgroll.operation_state$$)),
    '42501 42501 42501 42501', 'pgroll.operation_state: INSERT, UPDATE, DELETE, TRUNCATE refused');
SELECT is(concat_ws(' ',
    pg_temp.sqlstate_of($$INSERT INTO pgroll.column_copies (schema, migration, relid, old_column, new_column, name, not_null)
                          VALUES ('priv_app', '01_who', 1259, 'relname', 'relkind', 'x', false)$$),
    pg_temp.sqlstate_of($$UPDATE pgroll.column_copies SET relid = 1259$$),
    pg_temp.sqlstate_of($$DELETE FROM pgroll.column_copies$$),
    pg_temp.sqlstate_of($$INSERT INTO pgroll.copied_objects (schema, migration, relid, kind, copy_name, original)
                          VALUES ('priv_app', '01_who', 1259, 'index', 'x', 'y')$$),
    pg_temp.sqlstate_of($$UPDATE pgroll.copied_objects SET relid = 1259$$),
    pg_temp.sqlstate_of($$DELETE FROM pgroll.copied_objects$$)),
    '42501 42501 42501 42501 42501 42501',
    'pgroll.column_copies and pgroll.copied_objects: INSERT, UPDATE, DELETE refused');
RESET SESSION AUTHORIZATION;

-- another role's active migration, in its own schema
SET SESSION AUTHORIZATION priv_other;
SELECT is(pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"rename_column": {"table": "notes", "from": "body", "to": "text"}}]}', '01_o', 'priv_other')$$),
    'priv_other_01_o', 'priv_other starts a migration of its own schema');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION priv_owner;
SELECT is(concat_ws(' ',
    pg_temp.error_of($$SELECT pgroll.validate('{"operations": [
        {"drop_table": {"name": "notes"}}]}', 'priv_other')$$),
    pg_temp.error_of($$SELECT pgroll.complete('priv_other')$$),
    pg_temp.error_of($$SELECT pgroll.rollback('priv_other')$$)),
    '42501 42501 42501',
    'priv_owner may not validate, complete or roll back in a schema it may only use');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT format('%s active=%s', name, NOT done) FROM pgroll.migrations WHERE schema = 'priv_other')
          || ' ' || (SELECT count(*) FROM pg_namespace WHERE nspname = 'priv_other_01_o'),
          '01_o active=t 1', 'priv_other''s migration is untouched');
SET SESSION AUTHORIZATION priv_other;
SELECT is(pg_temp.try($$SELECT pgroll.rollback('priv_other')$$), '01_o', 'priv_other rolls its own migration back');
RESET SESSION AUTHORIZATION;

-- =====================================================================
-- 5. pg_cron, in pg_cron's database, through dblink; and a real login
-- =====================================================================
SELECT dblink_exec('priv_cron_su', 'CREATE EXTENSION IF NOT EXISTS pgroll') \g /dev/null
SELECT dblink_exec('priv_cron_su', 'CREATE EXTENSION IF NOT EXISTS pg_cron') \g /dev/null
-- priv_owner logs in (not a superuser session switched to it)
SELECT dblink_connect('priv_cron_owner', :'conn' || ' user=priv_owner dbname=' || :'cron_db') \g /dev/null
SELECT is(pg_temp.error_of($$SELECT * FROM dblink('priv_cron_owner',
    $q$SELECT pgroll.schedule_start('priv_start', '30 3 * * *',
        '{"operations": [{"create_index": {"name": "c_idx", "table": "t", "columns": ["a"]}}]}',
        'c01', 'priv_cron')$q$) AS t(id bigint)$$),
    '42501', 'without USAGE on schema cron, schedule_start is refused (it runs as the caller)');
-- as a DBA would: let priv_owner use pg_cron
SELECT dblink_exec('priv_cron_su', 'GRANT USAGE ON SCHEMA cron TO priv_owner') \g /dev/null
SELECT ok((SELECT id FROM dblink('priv_cron_owner',
    $q$SELECT pgroll.schedule_start('priv_start', '30 3 * * *',
        '{"operations": [{"create_index": {"name": "c_idx", "table": "t", "columns": ["a"]}}]}',
        'c01', 'priv_cron')$q$) AS t(id bigint)) > 0,
    'priv_owner schedules a start');
SELECT ok((SELECT id FROM dblink('priv_cron_owner',
    $q$SELECT pgroll.schedule_complete('priv_complete', 'priv_cron', '0 4 1 1 *')$q$) AS t(id bigint)) > 0,
    'priv_owner schedules a complete');
SELECT is((SELECT string_agg(format('%s %s@%s', jobname, username, database), ', ' ORDER BY jobname)
             FROM dblink('priv_cron_su', $q$SELECT jobname, username, database FROM cron.job
                                            WHERE jobname LIKE 'priv\_%'$q$)
                  AS t(jobname text, username text, database text)),
          format('priv_complete priv_owner@%1$s, priv_start priv_owner@%1$s', :'cron_db'),
          'both cron jobs run as priv_owner (cron.job.username), not as the superuser');
SELECT is((SELECT u FROM dblink('priv_cron_owner',
    $q$SELECT cron.unschedule('priv_start') AND cron.unschedule('priv_complete')$q$) AS t(u boolean))
          AND (SELECT n FROM dblink('priv_cron_su',
    $q$SELECT count(*) FROM cron.job WHERE jobname LIKE 'priv\_%'$q$) AS t(n bigint)) = 0,
          true, 'priv_owner unschedules its own jobs');
SELECT dblink_exec('priv_cron_su', 'REVOKE USAGE ON SCHEMA cron FROM priv_owner') \g /dev/null
SELECT dblink_disconnect('priv_cron_owner') \g /dev/null

-- A real login cannot switch to the superuser from a sql operation either
SELECT dblink_connect('priv_login', :'conn' || ' user=priv_owner dbname=' || :'this_db') \g /dev/null
SELECT is(pg_temp.error_of($$SELECT * FROM dblink('priv_login',
    $q$SELECT pgroll.start('{"operations": [{"sql": {"up": "SET SESSION AUTHORIZATION postgres"}}]}',
                           'sql_session_auth', 'priv_app')$q$) AS t(v text)$$)
          || ' ' || (SELECT u FROM dblink('priv_login', 'SELECT current_user || ''/'' || session_user') AS t(u text)),
          '42501 priv_owner/priv_owner',
          'a sql operation doing SET SESSION AUTHORIZATION (logged in as priv_owner): 42501');
SELECT dblink_disconnect('priv_login') \g /dev/null

-- =====================================================================
-- 6. search_path hijacking
-- =====================================================================
-- priv_owner may create in public (as in databases older than PostgreSQL
-- 15) and, having CREATE on the database, creates the schema the
-- background worker's "$user" names (the bootstrap superuser's name).
GRANT CREATE ON SCHEMA public TO priv_owner;
SET SESSION AUTHORIZATION priv_owner;
CREATE SCHEMA priv_h;                 -- the schema migrated in this section
CREATE SCHEMA priv_hijack;            -- first on priv_owner's search_path
CREATE SCHEMA :boot_user;             -- the worker's "$user"
CREATE TABLE priv_h.h_items (id int PRIMARY KEY, price int NOT NULL, grp int NOT NULL);
INSERT INTO priv_h.h_items SELECT g, g, g % 3 FROM generate_series(1, 100) g;

-- Logging functions: each records its call and returns the right answer
CREATE FUNCTION priv_log_call(o text) RETURNS void LANGUAGE sql
    SET search_path = pg_catalog, pg_temp AS $f$ INSERT INTO priv_log.calls (obj) VALUES (o) $f$;
CREATE FUNCTION priv_hijack.h_ge(real, integer) RETURNS boolean LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('>=(real,integer)'); RETURN $1 >= $2::real; END $f$;
CREATE FUNCTION priv_hijack.h_div(real, integer) RETURNS real LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('/(real,integer)'); RETURN $1 / $2::real; END $f$;
CREATE FUNCTION priv_hijack.h_cat(text, bigint) RETURNS text LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('||(text,bigint)'); RETURN $1 || $2::text; END $f$;
CREATE FUNCTION priv_hijack.h_get(jsonb, jsonb) RETURNS text LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('->>(jsonb,jsonb)'); RETURN $1 ->> ($2 #>> '{}'); END $f$;
CREATE FUNCTION priv_hijack.h_minus(jsonb, jsonb) RETURNS jsonb LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('-(jsonb,jsonb)'); RETURN $1 - ($2 #>> '{}'); END $f$;
CREATE FUNCTION priv_hijack.h_eq(integer, integer) RETURNS boolean LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('=(integer,integer)'); RETURN $1 = $2; END $f$;
CREATE FUNCTION priv_hijack.h_text(text) RETURNS text LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('a function(text)'); RETURN $1; END $f$;
CREATE FUNCTION priv_hijack.h_count(bigint) RETURNS bigint LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('count(*)'); RETURN $1 + 1; END $f$;
CREATE FUNCTION priv_hijack.h_rows(o text) RETURNS TABLE (schema name, name text, done boolean)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.priv_log_call('relation ' || o); END $f$;

-- In every hijacking schema: operators generated SQL might resolve
-- without an exact match in pg_catalog, same-signature decoys, functions
-- named like pg_catalog's and like pgroll's, relations named like pgroll's
CREATE FUNCTION priv_hijack.plant(s text, full_set boolean) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    -- pgroll's names (in public only these: pgTAP, in public, shares the
    -- session with this file)
    EXECUTE format($x$CREATE FUNCTION %I.latest_migration(name) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(''latest_migration'')'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.find_version_schema(name, integer) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(''find_version_schema'')'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.read_schema(text) RETURNS jsonb LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(''read_schema'')::jsonb'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.is_active_migration_period(name) RETURNS boolean LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(''is_active_migration_period'') IS NULL'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.sync_trigger() RETURNS trigger LANGUAGE plpgsql
                      AS 'BEGIN PERFORM priv_hijack.h_text(''sync_trigger''); RETURN NEW; END'$x$, s);
    EXECUTE format($x$CREATE VIEW %I.migrations AS SELECT * FROM priv_hijack.h_rows('migrations')$x$, s);
    EXECUTE format($x$CREATE VIEW %I.jobs AS SELECT * FROM priv_hijack.h_rows('jobs')$x$, s);
    EXECUTE format($x$CREATE VIEW %I.operation_state AS SELECT * FROM priv_hijack.h_rows('operation_state')$x$, s);
    IF NOT full_set THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE OPERATOR %I.>= (LEFTARG = real, RIGHTARG = integer, FUNCTION = priv_hijack.h_ge)', s);
    EXECUTE format('CREATE OPERATOR %I./ (LEFTARG = real, RIGHTARG = integer, FUNCTION = priv_hijack.h_div)', s);
    EXECUTE format('CREATE OPERATOR %I.|| (LEFTARG = text, RIGHTARG = bigint, FUNCTION = priv_hijack.h_cat)', s);
    EXECUTE format('CREATE OPERATOR %I.->> (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = priv_hijack.h_get)', s);
    EXECUTE format('CREATE OPERATOR %I.- (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = priv_hijack.h_minus)', s);
    EXECUTE format('CREATE OPERATOR %I.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = priv_hijack.h_eq)', s);
    EXECUTE format('CREATE AGGREGATE %I.count(*) (SFUNC = priv_hijack.h_count, STYPE = bigint, INITCOND = 0)', s);
    EXECUTE format($x$CREATE FUNCTION %I.quote_ident(name) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text($1::text)'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.quote_ident(text) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text($1)'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.quote_literal(name) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(pg_catalog.quote_literal($1::text))'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.format(text, name) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(pg_catalog.format($1, $2))'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.now() RETURNS timestamptz LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(''now'')::timestamptz'$x$, s);
    EXECUTE format($x$CREATE FUNCTION %I.current_setting(text) RETURNS text LANGUAGE sql
                      AS 'SELECT priv_hijack.h_text(pg_catalog.current_setting($1))'$x$, s);
END $f$;
GRANT USAGE ON SCHEMA priv_hijack TO PUBLIC;
SELECT set_config('priv.boot_user', :'boot_name', false) \g /dev/null
DO $$ BEGIN
    PERFORM priv_hijack.plant('priv_hijack', true);
    PERFORM priv_hijack.plant('priv_h', true);
    PERFORM priv_hijack.plant(current_setting('priv.boot_user'), true);
    PERFORM priv_hijack.plant('public', false);
END $$;
RESET SESSION AUTHORIZATION;
SELECT is(pg_temp.hijacks(), '', 'planting the hijacking objects called none of them');

-- h01: a backfill (several batches), a NOT NULL check, an index build
SET SESSION AUTHORIZATION priv_owner;
SET search_path = priv_hijack, priv_h, public;
SET pgroll.backfill_batch_size = 30;
SET pgroll.backfill_batch_time = 0;
INSERT INTO acts SELECT 'h01', pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "h_items", "up": "price * 2",
                    "column": {"name": "doubled", "type": "int", "nullable": false}}},
    {"create_index": {"name": "h_items_price_idx", "table": "h_items", "columns": ["price"]}}]}',
    'h01', 'priv_h')$$);
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
CALL pgroll.wait('priv_h', '30 seconds');
INSERT INTO acts SELECT 'h01_complete', pg_temp.try($$SELECT pgroll.complete('priv_h')$$);
SET search_path = public;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT v FROM acts WHERE k = 'h01') || ' ' || (SELECT v FROM acts WHERE k = 'h01_complete'),
          'priv_h_h01 h01', 'with the hijacking objects in place, start and complete work');
SELECT is((SELECT count(*)::int FROM priv_h.h_items WHERE doubled = price * 2)
          || ' ' || (SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass('priv_h.h_items_price_idx')),
          '100 true', 'the backfill and the index build are right');
SELECT is(pg_temp.hijacks(), '', 'start, the worker, wait and complete called no hijacking object');

-- h02: a worker step fails (unique index over duplicates), the next one
-- is cancelled; rollback
SET SESSION AUTHORIZATION priv_owner;
SET search_path = priv_hijack, priv_h, public;
INSERT INTO acts SELECT 'h02', pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"create_index": {"name": "h_items_grp_key", "table": "h_items", "unique": true, "columns": ["grp"]}},
    {"create_index": {"name": "h_items_grp_idx", "table": "h_items", "columns": ["grp"]}}]}',
    'h02', 'priv_h')$$);
CALL pg_temp.settle('priv_h');
INSERT INTO acts SELECT 'h02_phase', (SELECT phase FROM pgroll.status('priv_h'));
INSERT INTO acts SELECT 'h02_rollback', pg_temp.try($$SELECT pgroll.rollback('priv_h')$$);
CALL pg_temp.settle('priv_h');
SET search_path = public;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT string_agg(v, ' ' ORDER BY k) FROM acts WHERE k LIKE 'h02%')
          || ' ' || (SELECT string_agg(format('%s:%s', description, state), ', ' ORDER BY id)
                       FROM pgroll.jobs WHERE schema = 'priv_h' AND migration = 'h02'),
          'priv_h_h02 failed h02 create index h_items_grp_key:failed, create index h_items_grp_idx:cancelled, '
          || 'drop index h_items_grp_idx:done, drop index h_items_grp_key:done',
          'a failed step, the cancelled one, rollback and its cleanup');
SELECT is(pg_temp.hijacks(), '', 'recording a failed step, the cancellation and rollback called no hijacking object');

-- h03: a column rewrite (copy, sync trigger, complete swaps the copy in)
SET SESSION AUTHORIZATION priv_owner;
SET search_path = priv_hijack, priv_h, public;
INSERT INTO acts SELECT 'h03', pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "h_items", "column": "price", "type": "bigint",
                      "up": "price", "down": "price"}}]}', 'h03', 'priv_h')$$);
INSERT INTO priv_h.h_items (id, price, grp, doubled) VALUES (101, 101, 2, 202);
CALL pgroll.wait('priv_h', '30 seconds');
INSERT INTO acts SELECT 'h03_complete', pg_temp.try($$SELECT pgroll.complete('priv_h')$$);
SET search_path = public;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT v FROM acts WHERE k = 'h03') || ' ' || (SELECT v FROM acts WHERE k = 'h03_complete')
          || ' ' || (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                      WHERE attrelid = 'priv_h.h_items'::regclass AND attname = 'price')
          || ' ' || (SELECT count(*) FROM priv_h.h_items WHERE price = id),
          'priv_h_h03 h03 bigint 101', 'a column rewrite with the hijacking objects in place');
SELECT is(pg_temp.hijacks(), '', 'the rewrite, its trigger, backfill and complete called no hijacking object');

-- h04: pgroll.migrate, from a session whose search_path starts with the
-- hijacking schema (migrate is a procedure: CALLed at top level)
SET SESSION AUTHORIZATION priv_owner;
SET search_path = priv_hijack, priv_h, public;
CALL pgroll.migrate('[{"name": "h01", "operations": []}, {"name": "h03", "operations": []},
                      {"name": "h04", "operations": [{"add_column": {"table": "h_items",
                         "column": {"name": "note", "type": "text", "nullable": true}}}]}]',
                    'priv_h', true, '30 seconds');
SET search_path = public;
RESET SESSION AUTHORIZATION;
SELECT is((SELECT format('%s done=%s', name, done) FROM pgroll.migrations WHERE schema = 'priv_h' AND name = 'h04'),
          'h04 done=t', 'pgroll.migrate applies a migration with the hijacking objects on the caller''s search_path');
SELECT is(pg_temp.hijacks(), '', 'pgroll.migrate called no hijacking object');

-- a superuser's migration in its own schema: its worker jobs run as the
-- superuser, and must not run priv_owner's objects either
CREATE SCHEMA priv_su;
CREATE TABLE priv_su.ledger (id int PRIMARY KEY, amount int NOT NULL);
INSERT INTO priv_su.ledger SELECT g, g FROM generate_series(1, 50) g;
SELECT is(pg_temp.try($$SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "ledger", "up": "amount * 100",
                    "column": {"name": "cents", "type": "bigint", "nullable": false}}},
    {"create_index": {"name": "ledger_cents_idx", "table": "ledger", "columns": ["cents"]}}]}',
    's01', 'priv_su')$$), 'priv_su_s01', 'the superuser starts a migration with a backfill');
CALL pgroll.wait('priv_su', '30 seconds');
SELECT is(pg_temp.try($$SELECT pgroll.complete('priv_su')$$), 's01', 'the superuser completes it');
SELECT is(pg_temp.try($$SELECT count(*)::text FROM priv_su.ledger WHERE cents = amount * 100$$), '50',
          'the superuser''s backfill is right');
SELECT is(pg_temp.hijacks(), '', 'the superuser''s start, worker jobs and complete called none of priv_owner''s objects');

-- =====================================================================
-- 7. Every function of schema pgroll pins its search_path (but migrate)
-- =====================================================================
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = 'pgroll'::regnamespace AND l.lanname <> 'c'
              AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')),
          'pgroll.migrate(jsonb,text,boolean,interval)',
          'every SQL and PL/pgSQL function of schema pgroll pins its search_path, except the procedure migrate');
-- migrate commits between steps, which a procedure with a SET clause
-- cannot; it runs as its caller and qualifies the operators a caller's path
-- could shadow (tests 52 and 53 run it against the hijacking objects)
-- C functions: the ones that act as the extension owner (start, complete,
-- rollback, validate) pin it; sync_trigger sets it itself and wait reads
-- the queue as its caller (both exercised against hijacking above); the
-- event triggers follow_grants and partition_guard resolve the statement's
-- table names on the session's path, as the statement did, and pin it
-- themselves for their own queries
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = 'pgroll'::regnamespace AND l.lanname = 'c'
              AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')),
          'pgroll.follow_grants(), pgroll.partition_guard(), pgroll.sync_trigger(), pgroll.wait(text,interval)',
          'the only C functions without a pinned search_path are the event triggers that read names, sync_trigger and wait');

-- ---------------------------------------------------------------------
SELECT * FROM finish();
RESET SESSION AUTHORIZATION;
SET search_path = public, priv_dblink;
DO $$ BEGIN PERFORM pg_temp.cleanup('priv_cron_su'); END $$;
SELECT dblink_disconnect('priv_cron_su') \g /dev/null
DROP SCHEMA priv_dblink CASCADE;
