-- cron: scheduling a migration's start and complete with pg_cron
--
-- This database is pg_cron's (cron.database_name).  The jobs' commands are
-- run here directly, as pg_cron would run them; the real scheduler is kept
-- off them (active = false, set in the transaction that schedules them).
-- At the end one job is left to the real scheduler: it runs at the next
-- minute, so this test takes up to a minute.
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS pgroll;
-- what an interrupted earlier run may have left
SELECT count(cron.unschedule(jobid)) >= 0 AS cleaned FROM cron.job WHERE jobname LIKE 'cr\_%';
DROP SCHEMA IF EXISTS cr, cr_01_cents, cr_02_index, cr_03_bad_unique, cr_04_tick CASCADE;
DELETE FROM pgroll.jobs WHERE schema = 'cr';
DELETE FROM pgroll.migrations WHERE schema = 'cr';
RESET client_min_messages;

CREATE SCHEMA cr;
CREATE TABLE cr.accounts (id int PRIMARY KEY, balance int NOT NULL, kind text);
INSERT INTO cr.accounts SELECT g, g % 50, 'same' FROM generate_series(1, 200) g;
ANALYZE cr.accounts;

-- schedule_start: a job that runs start_once and then unschedules itself
BEGIN;
SELECT pgroll.schedule_start('cr_start', '30 3 * * *',
  '{"operations": [{"add_column": {"table": "accounts", "up": "balance * 100",
     "column": {"name": "cents", "type": "bigint", "nullable": false}}}]}',
  '01_cents', 'cr') > 0 AS scheduled;
-- schedule_complete: complete_if_ready, every minute by default
SELECT pgroll.schedule_complete('cr_complete', 'cr') > 0 AS scheduled;
SELECT jobname, schedule, command, database = current_database() AS in_this_database,
       username = current_user AS as_me, active
FROM cron.job WHERE jobname LIKE 'cr\_%' ORDER BY jobname;
SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname LIKE 'cr\_%';
COMMIT;
SELECT jobname, active FROM cron.job WHERE jobname LIKE 'cr\_%' ORDER BY jobname;
SELECT command AS start_cmd FROM cron.job WHERE jobname = 'cr_start' \gset
SELECT command AS complete_cmd FROM cron.job WHERE jobname = 'cr_complete' \gset

-- nothing to complete yet
:complete_cmd

-- the start job's command, as pg_cron runs it: the migration starts (with
-- this session's batch settings: a backfill of 20 batches 200 ms apart),
-- and the job unschedules itself
SET pgroll.backfill_batch_size = 10;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 200;
:start_cmd
RESET pgroll.backfill_batch_size;
RESET pgroll.backfill_batch_time;
RESET pgroll.backfill_batch_delay;
SELECT count(*) AS start_jobs_left FROM cron.job WHERE jobname = 'cr_start';
-- the backfill needs seconds: the complete job waits
:complete_cmd
SELECT pgroll.complete_if_ready('cr');
CALL pgroll.wait('cr', '2 minutes');
SELECT phase FROM pgroll.status('cr');
-- ready: the complete job completes, then has nothing to do
:complete_cmd
:complete_cmd
SELECT name, done FROM pgroll.migrations WHERE schema = 'cr' ORDER BY created_at, name;
SELECT count(*) AS rows, count(*) FILTER (WHERE cents IS DISTINCT FROM balance * 100) AS wrong
FROM cr.accounts;

-- a deploy that schedules the same start again: the job says it is
-- applied already and unschedules itself; start_once itself is idempotent
SELECT pgroll.schedule_start('cr_start', '30 3 * * *',
  '{"operations": [{"add_column": {"table": "accounts", "up": "balance * 100",
     "column": {"name": "cents", "type": "bigint", "nullable": false}}}]}',
  '01_cents', 'cr') > 0 AS scheduled;
SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = 'cr_start';
SELECT command = :'start_cmd' AS same_command FROM cron.job WHERE jobname = 'cr_start';
:start_cmd
SELECT count(*) AS start_jobs_left FROM cron.job WHERE jobname = 'cr_start';
SELECT pgroll.start_once('{"operations": [{"add_column": {"table": "accounts", "up": "balance * 100",
     "column": {"name": "cents", "type": "bigint", "nullable": false}}}]}', '01_cents', 'cr');
SELECT count(*) AS migrations FROM pgroll.migrations WHERE schema = 'cr';

-- queued work seen from the transaction that queued it: waiting
BEGIN;
SELECT pgroll.start_once('{"operations": [{"create_index": {"name": "accounts_balance_idx",
  "table": "accounts", "columns": [{"column": "balance"}]}}]}', '02_index', 'cr');
SELECT pgroll.start_once('{"operations": [{"create_index": {"name": "accounts_balance_idx",
  "table": "accounts", "columns": [{"column": "balance"}]}}]}', '02_index', 'cr');
:complete_cmd
COMMIT;
CALL pgroll.wait('cr', '2 minutes');
:complete_cmd
SELECT indisvalid FROM pg_index WHERE indexrelid = 'cr.accounts_balance_idx'::regclass;

-- a failed job: the complete job warns and says so, and completes nothing
SELECT pgroll.start_once('{"operations": [{"create_index": {"name": "accounts_kind_uniq",
  "table": "accounts", "unique": true, "columns": [{"column": "kind"}]}}]}', '03_bad_unique', 'cr');
CALL pgroll.wait('cr', '2 minutes');
:e
:complete_cmd
:complete_cmd
SELECT name, done FROM pgroll.migrations WHERE schema = 'cr' AND name = '03_bad_unique';
SELECT pgroll.rollback('cr');
CALL pgroll.wait('cr', '2 minutes');
:complete_cmd
SELECT count(*) AS invalid_index_left FROM pg_class WHERE relname = 'accounts_kind_uniq';

-- the real scheduler: a start job due every minute runs once (within a
-- minute), starts the migration and unschedules itself
SELECT pgroll.schedule_start('cr_tick', '* * * * *',
  '{"operations": [{"rename_column": {"table": "accounts", "from": "kind", "to": "category"}}]}',
  '04_tick', 'cr') AS tick_jobid \gset
SELECT set_config('pgroll_test.tick_jobid', :'tick_jobid', false) = :'tick_jobid' AS noted;
DO $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '150 s';
BEGIN
    LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM cron.job_run_details
                          WHERE jobid = current_setting('pgroll_test.tick_jobid')::bigint
                            AND status IN ('succeeded', 'failed'));
        IF clock_timestamp() > deadline THEN
            RAISE WARNING 'pg_cron did not run job cr_tick within 150 s';
            EXIT;
        END IF;
        COMMIT;     -- hold no snapshot while waiting
        PERFORM pg_sleep(0.5);
    END LOOP;
END $$;
SELECT database = current_database() AS in_this_database, username = current_user AS as_me,
       status, return_message
FROM cron.job_run_details WHERE jobid = :tick_jobid;
SELECT count(*) AS tick_jobs_left FROM cron.job WHERE jobname = 'cr_tick';
SELECT version, status, phase FROM pgroll.status('cr');
:complete_cmd
SELECT attname FROM pg_attribute WHERE attrelid = 'cr.accounts'::regclass AND attnum > 0
  AND NOT attisdropped ORDER BY attnum;

-- clean up
SELECT cron.unschedule('cr_complete');
SELECT count(*) AS cr_jobs_left FROM cron.job WHERE jobname LIKE 'cr\_%';
DELETE FROM cron.job_run_details WHERE jobid = :tick_jobid;
SET client_min_messages = warning;
DROP SCHEMA cr CASCADE;
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cr\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP; END $$;
DELETE FROM pgroll.jobs WHERE schema = 'cr';
DELETE FROM pgroll.migrations WHERE schema = 'cr';
RESET client_min_messages;
