/* sql/pgroll--0.1.0--0.2.0.sql */

\echo Use "ALTER EXTENSION pgroll UPDATE TO '0.2.0'" to load this file. \quit

/*
 * How many times a worker stopped (crashed, was killed, or the server went
 * down) while it ran the job: a claim that finds the job still "running"
 * counts one.  After three the job fails instead of running again, so a
 * job that kills its worker cannot make a restart loop.
 */
ALTER TABLE pgroll.jobs
    ADD COLUMN worker_stops integer NOT NULL DEFAULT 0;

/*
 * When the worker that claimed the job started: with worker_pid, what
 * identifies that very process (a pid alone may be another process after a
 * restart, or on the server a dump was restored to).
 */
ALTER TABLE pgroll.jobs
    ADD COLUMN worker_started_at timestamptz;

/*
 * Objects of a rewritten column that start did not carry over to the
 * copy because they do not fit the new type (a default, a check, an
 * index, a foreign key): each is said with a WARNING at start and listed
 * by pgroll.status() while the migration is active.
 */
CREATE TABLE pgroll.skipped_objects (
    schema      name NOT NULL,
    migration   text NOT NULL,
    position    serial,
    object      text NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (schema, migration, position),
    FOREIGN KEY (schema, migration) REFERENCES pgroll.migrations (schema, name)
        ON DELETE CASCADE
);
COMMENT ON TABLE pgroll.skipped_objects IS
    'objects of rewritten columns that the active migration did not carry over';
SELECT pg_catalog.pg_extension_config_dump('pgroll.skipped_objects', '');
REVOKE ALL ON pgroll.skipped_objects FROM PUBLIC;
GRANT SELECT ON pgroll.skipped_objects TO PUBLIC;

/*
 * status() gains a column: what the active migration did not carry over.
 */
/*
 * Why the schema's queued work does not run, or NULL: no free background
 * worker slot (the launcher starts the worker as soon as one is free), or
 * the worker gave up after repeated failed starts.
 */
CREATE FUNCTION pgroll.worker_problem(schema text)
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_worker_problem'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

DROP FUNCTION pgroll.status(text);
CREATE FUNCTION pgroll.status(schemaname text DEFAULT 'public',
                              OUT schema text, OUT version text,
                              OUT status text, OUT phase text,
                              OUT migration text, OUT progress text,
                              OUT skipped text)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH m AS (
        SELECT name, done, created_at FROM pgroll.migrations
        WHERE schema = $1::name AND name = pgroll.latest_migration($1::name)
    ), j AS (
        -- this attempt's jobs: a rolled-back earlier one may share the name
        SELECT j.* FROM pgroll.jobs j, m
        WHERE j.schema = $1::name AND j.migration = m.name
          AND j.created_at >= m.created_at
    )
    SELECT $1,
           pgroll.latest_version($1::name),
           CASE WHEN m.name IS NULL THEN 'No migrations'
                WHEN NOT m.done THEN 'In progress'
                ELSE 'Complete' END,
           CASE WHEN m.name IS NULL THEN NULL
                WHEN EXISTS (SELECT 1 FROM j WHERE state = 'failed') THEN 'failed'
                WHEN EXISTS (SELECT 1 FROM j WHERE kind = 'backfill' AND paused_at IS NOT NULL
                             AND state IN ('queued', 'running')) THEN 'paused'
                WHEN EXISTS (SELECT 1 FROM j WHERE kind = 'backfill'
                             AND state IN ('queued', 'running')) THEN 'backfilling'
                WHEN NOT m.done AND EXISTS (SELECT 1 FROM j WHERE state IN ('queued', 'running'))
                    THEN 'building'
                WHEN m.done AND EXISTS (SELECT 1 FROM j WHERE state IN ('queued', 'running'))
                    THEN 'cleaning up'
                WHEN NOT m.done THEN 'ready'
                ELSE 'complete' END,
           m.name,
           nullif(concat(
               CASE WHEN EXISTS (SELECT 1 FROM j WHERE state IN ('queued', 'running'))
                    THEN pgroll.worker_problem($1) || '; ' END,
               (SELECT string_agg(format('%s: %s%s', description, state,
                       CASE WHEN kind = 'backfill' THEN format(' (%s of ~%s rows)', rows_done,
                                                               greatest(rows_total, rows_done))
                            ELSE '' END
                       || CASE WHEN kind = 'backfill' AND state IN ('queued', 'running')
                                    AND (paused_at IS NOT NULL OR throttled IS NOT NULL)
                               THEN ', ' || coalesce(throttled, 'paused') ELSE '' END
                       || CASE WHEN state = 'failed' THEN ': ' || error ELSE '' END), '; ' ORDER BY id)
                FROM j)), ''),
           (SELECT string_agg(format('%s: %s', s.object, s.reason), '; ' ORDER BY s.position)
            FROM pgroll.skipped_objects s
            WHERE s.schema = $1::name AND s.migration = m.name AND NOT m.done)
    FROM (SELECT 1) dummy LEFT JOIN m ON true
$$;

/*
 * A retired version: complete keeps the previous version schema with a
 * tombstone view per table, which raises this error on any read or write,
 * so a client still on it fails clearly instead of falling through its
 * search_path to the contracted base tables.
 */
CREATE FUNCTION pgroll.retired_version_error(version_schema text, successor text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'version schema "%" is retired', version_schema
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('The migration that replaced it was completed; the current version is "%s".', successor),
              HINT = format('Move this client to the current version (SET search_path = %s).',
                            quote_ident(successor));
END
$$;

CREATE FUNCTION pgroll.retired_version_trigger()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgroll.retired_version_error(TG_ARGV[0], TG_ARGV[1]);
    RETURN NULL;
END
$$;

/* A retired version schema is no live version: skip it */
CREATE OR REPLACE FUNCTION pgroll.find_version_schema(p_schema_name name, p_depth integer DEFAULT 0)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE ancestors AS (
        SELECT name, parent, migration, 0 AS depth
        FROM pgroll.migrations
        WHERE schema = p_schema_name
          AND name = pgroll.latest_migration(p_schema_name)
        UNION ALL
        SELECT m.name, m.parent, m.migration, a.depth + 1
        FROM pgroll.migrations m
        JOIN ancestors a ON m.schema = p_schema_name AND m.name = a.parent
    )
    SELECT p_schema_name || '_' || coalesce(a.migration ->> 'version_schema', a.name)
    FROM ancestors a
    WHERE EXISTS (SELECT 1 FROM pg_namespace n
                  WHERE n.nspname = p_schema_name || '_' ||
                        coalesce(a.migration ->> 'version_schema', a.name)
                    AND coalesce(obj_description(n.oid, 'pg_namespace'), '')
                        NOT LIKE 'pgroll: retired version%')
    ORDER BY a.depth
    OFFSET p_depth LIMIT 1
$$;

/* What a retired version's tombstone views read: nothing but the error */
CREATE FUNCTION pgroll.retired_version_rows(version_schema text, successor text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pgroll.retired_version_error(version_schema, successor);
END
$$;

/* ---------------------------------------------------------------------
 * State that survives dump and restore
 *
 * pg_dump writes pgroll's tables with the database, and a restore into
 * another database or cluster gives every object a new OID and, where
 * columns had been dropped, new attribute numbers.  Relations are kept as
 * regclass (written and read as qualified names), columns, indexes,
 * constraints and roles by name.
 * ---------------------------------------------------------------------
 */

ALTER TABLE pgroll.operation_state
    ALTER COLUMN relid TYPE pg_catalog.regclass,
    ADD COLUMN attname name,
    ADD COLUMN objkind "char" CHECK (objkind IN ('i', 'c')),  -- index / constraint
    ADD COLUMN objname text;                -- an index qualified, a constraint of relid
UPDATE pgroll.operation_state s SET attname = a.attname
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = s.relid AND a.attnum = s.attnum;
UPDATE pgroll.operation_state s
SET objkind = 'i', objname = pg_catalog.format('%I.%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = s.objid AND s.operation IN ('drop_index', 'set_replica_identity');
UPDATE pgroll.operation_state s SET objkind = 'c', objname = c.conname
FROM pg_catalog.pg_constraint c
WHERE c.oid = s.objid AND s.operation = 'rename_constraint';
ALTER TABLE pgroll.operation_state DROP COLUMN attnum, DROP COLUMN objid;
COMMENT ON TABLE pgroll.operation_state IS
    'internal: objects each operation of an active migration touched, by name';

ALTER TABLE pgroll.column_copies
    ALTER COLUMN relid TYPE pg_catalog.regclass,
    ADD COLUMN old_column name,
    ADD COLUMN new_column name;
UPDATE pgroll.column_copies cc SET old_column = o.attname, new_column = n.attname
FROM pg_catalog.pg_attribute o, pg_catalog.pg_attribute n
WHERE o.attrelid = cc.relid AND o.attnum = cc.old_attnum
  AND n.attrelid = cc.relid AND n.attnum = cc.new_attnum;
ALTER TABLE pgroll.column_copies
    DROP CONSTRAINT column_copies_pkey,
    DROP COLUMN old_attnum,
    DROP COLUMN new_attnum,
    ALTER COLUMN old_column SET NOT NULL,
    ALTER COLUMN new_column SET NOT NULL,
    ADD PRIMARY KEY (schema, migration, relid, new_column);

ALTER TABLE pgroll.copied_objects
    ALTER COLUMN relid TYPE pg_catalog.regclass,
    ALTER COLUMN original_relid TYPE pg_catalog.regclass;

DROP VIEW pgroll.backfill_progress;   -- over jobs.relid; made again below
ALTER TABLE pgroll.jobs
    ALTER COLUMN relid TYPE pg_catalog.regclass,
    ADD COLUMN role name;
UPDATE pgroll.jobs j
SET role = coalesce((SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = j.roleid),
                    j.roleid::text);
ALTER TABLE pgroll.jobs DROP COLUMN roleid, ALTER COLUMN role SET NOT NULL;

/*
 * A backfill governs itself (src/governor.c).  The settings are the
 * starting session's, kept per job and changed while it runs with
 * pgroll.tune_backfill(); the worker reads them before every batch.
 */
ALTER TABLE pgroll.jobs
    ADD COLUMN batch_time integer,          -- backfill: ms per batch; 0: batch_size rows
    ADD COLUMN max_replica_lag integer,     -- backfill: kB a standby may lag; -1: no limit
    ADD COLUMN paused_at timestamptz,       -- backfill: pgroll.pause() asked to stop
    ADD COLUMN throttled text,              -- backfill: why the worker waits now
    ADD COLUMN batch_rows integer,          -- backfill: rows of the latest batch, as sized
    ADD COLUMN recent_rate real;            -- backfill: rows/s of the latest batches
COMMENT ON COLUMN pgroll.jobs.batch_size IS
    'backfill: pgroll.backfill_batch_size at start (or pgroll.tune_backfill())';
COMMENT ON COLUMN pgroll.jobs.batch_delay IS
    'backfill: pgroll.backfill_batch_delay (ms) at start (or pgroll.tune_backfill())';

CREATE VIEW pgroll.backfill_progress AS
SELECT j.schema,
       j.migration,
       c.relname AS "table",
       j.rows_done,
       j.rows_total AS rows_estimated,
       CASE WHEN j.state = 'running' AND j.recent_rate IS NOT NULL
            THEN round(j.recent_rate::numeric)
            WHEN j.state = 'running' AND j.started_at IS NOT NULL
                 AND pg_catalog.clock_timestamp() > j.started_at
            THEN round(j.rows_done / extract(epoch FROM pg_catalog.clock_timestamp() - j.started_at))
            WHEN j.finished_at IS NOT NULL AND j.finished_at > j.started_at
            THEN round(j.rows_done / extract(epoch FROM j.finished_at - j.started_at))
       END AS rows_per_second,
       j.batches,
       j.state,
       j.error AS last_error,
       j.started_at,
       j.finished_at,
       j.batch_rows AS batch_size,
       CASE WHEN j.state IN ('queued', 'running') THEN
            coalesce(j.throttled, CASE WHEN j.paused_at IS NOT NULL
                                       THEN 'paused by pgroll.pause() at ' || j.paused_at END)
       END AS throttled,
       CASE WHEN j.state = 'running' AND j.recent_rate > 0 AND j.rows_total IS NOT NULL
            THEN pg_catalog.make_interval(secs => round(greatest(j.rows_total - j.rows_done, 0)
                                                        / j.recent_rate))
       END AS time_left,
       j.batch_time,
       j.batch_delay,
       CASE WHEN j.max_replica_lag >= 0
            THEN pg_catalog.pg_size_pretty(j.max_replica_lag * 1024::bigint)
            WHEN j.kind = 'backfill' THEN 'off' END AS max_replica_lag
FROM pgroll.jobs j
LEFT JOIN pg_catalog.pg_class c ON c.oid = j.relid
WHERE j.kind = 'backfill';

COMMENT ON VIEW pgroll.backfill_progress IS
    'pgroll backfills: progress, current batch size, rate, time left, and why one waits';

GRANT SELECT ON pgroll.backfill_progress TO PUBLIC;

/*
 * Every sequence pgroll owns is dumped with its position, so a restored
 * database hands out no id twice: the job ids become a sequence of the
 * extension's own (an identity column's sequence is not an extension
 * member, and pg_dump would not keep its position).
 */
ALTER TABLE pgroll.jobs ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE pgroll.jobs_id_seq OWNED BY pgroll.jobs.id;
SELECT pg_catalog.setval('pgroll.jobs_id_seq', coalesce(max(id), 0) + 1, false) FROM pgroll.jobs;
ALTER TABLE pgroll.jobs ALTER COLUMN id SET DEFAULT pg_catalog.nextval('pgroll.jobs_id_seq');
SELECT pg_catalog.pg_extension_config_dump('pgroll.jobs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgroll.copied_objects_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgroll.skipped_objects_position_seq', '');

/*
 * The database's owner (or anyone) can pg_dump it: pg_dump reads every
 * table and sequence pgroll dumps.  They hold migration documents and
 * object names, as the catalogs do, which everyone can read too.
 */
GRANT SELECT ON pgroll.operation_state, pgroll.column_copies, pgroll.copied_objects
    TO PUBLIC;
GRANT SELECT ON SEQUENCE pgroll.jobs_id_seq, pgroll.copied_objects_position_seq,
    pgroll.skipped_objects_position_seq TO PUBLIC;

/*
 * The history's parent link was a foreign key onto the table itself;
 * pg_dump warns about such a table on every dump ("circular foreign-key
 * constraints") because it cannot order its rows.  pgroll writes the
 * history alone and keeps it linear (history_is_linear, one root), each
 * new migration's parent the latest one.
 */
ALTER TABLE pgroll.migrations DROP CONSTRAINT migrations_schema_parent_fkey;

/*
 * DROP EXTENSION pgroll (or DROP SCHEMA pgroll) while a migration is
 * active or work is queued is refused: the migrated tables would keep NOT
 * VALID checks, backfill markers and column copies that nothing could
 * remove.  So is DROP SCHEMA of a schema with an active migration.
 */
CREATE FUNCTION pgroll.drop_guard()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pgroll_drop_guard'
LANGUAGE C
SET search_path = pg_catalog, pg_temp;

CREATE EVENT TRIGGER pgroll_drop_guard ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
    EXECUTE FUNCTION pgroll.drop_guard();
-- replica mode (session_replication_role) must not skip it
ALTER EVENT TRIGGER pgroll_drop_guard ENABLE ALWAYS;


/*
 * ATTACH PARTITION / DETACH PARTITION and DROP TABLE of a partition on a
 * table an active migration changes are refused: an attached partition
 * would miss the migration's columns, checks and indexes, a detached one
 * would keep them, a dropped one would fail the index builds queued for it.
 */
CREATE FUNCTION pgroll.partition_guard()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pgroll_partition_guard'
LANGUAGE C;  -- the statement's names resolve on the session's path; the C code pins it after

CREATE EVENT TRIGGER pgroll_partition_guard ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'DROP TABLE')
    EXECUTE FUNCTION pgroll.partition_guard();
ALTER EVENT TRIGGER pgroll_partition_guard ENABLE ALWAYS;

/*
 * GRANT and REVOKE on a table while a migration is active reach the
 * versions' views and the copies of its columns, as start gave them.
 */
CREATE FUNCTION pgroll.follow_grants()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pgroll_follow_grants'
LANGUAGE C;  -- the statement's names resolve on the session's path; the C code pins it after

CREATE EVENT TRIGGER pgroll_follow_grants ON ddl_command_end
    WHEN TAG IN ('GRANT', 'REVOKE')
    EXECUTE FUNCTION pgroll.follow_grants();
ALTER EVENT TRIGGER pgroll_follow_grants ENABLE ALWAYS;


/*
 * Pause, resume and retune a schema's backfills (src/backfill_control.c).
 * The worker stops at the end of its current batch and holds no row lock
 * while paused; it goes on from its saved cursor.
 */
CREATE FUNCTION pgroll.pause(schema text DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_pause'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pgroll.resume(schema text DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_resume'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pgroll.tune_backfill(schema text DEFAULT 'public',
                                     batch_time interval DEFAULT NULL,
                                     batch_size integer DEFAULT NULL,
                                     batch_delay interval DEFAULT NULL,
                                     max_replica_lag text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_tune_backfill'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
