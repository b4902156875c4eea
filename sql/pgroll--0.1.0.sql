/* sql/pgroll--0.1.0.sql */

\echo Use "CREATE EXTENSION pgroll" to load this file. \quit

/*
 * Migration history: one row per migration, with pgroll's columns so that
 * pgroll users and tools can read it as they are used to.
 */
CREATE TABLE pgroll.migrations (
    schema           name NOT NULL,
    name             text NOT NULL,
    migration        jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    parent           text,
    done             boolean NOT NULL DEFAULT false,
    resulting_schema jsonb NOT NULL DEFAULT '{}'::jsonb,
    migration_type   varchar(32) DEFAULT 'pgroll'
        CONSTRAINT migration_type_check
        CHECK (migration_type IN ('pgroll', 'inferred', 'baseline')),
    PRIMARY KEY (schema, name),
    FOREIGN KEY (schema, parent) REFERENCES pgroll.migrations (schema, name)
);

-- At most one active migration per schema (pgroll's index includes the name,
-- which lets two active rows through; ours does not).
CREATE UNIQUE INDEX only_one_active
    ON pgroll.migrations (schema) WHERE NOT done;
CREATE UNIQUE INDEX only_first_migration_without_parent
    ON pgroll.migrations (schema) WHERE parent IS NULL;
ALTER TABLE pgroll.migrations
    ADD CONSTRAINT history_is_linear UNIQUE (schema, parent);

COMMENT ON TABLE pgroll.migrations IS
    'pgroll migration history: one row per migration and schema';

/*
 * What start resolved for each operation, so that complete and rollback act
 * on the very objects start touched (by OID and attribute number, which
 * survive renames) rather than on names.
 */
CREATE TABLE pgroll.operation_state (
    schema      name NOT NULL,
    migration   text NOT NULL,
    position    integer NOT NULL,
    operation   text NOT NULL,
    relid       oid,
    attnum      smallint,
    objid       oid,
    saved       text,
    PRIMARY KEY (schema, migration, position),
    FOREIGN KEY (schema, migration) REFERENCES pgroll.migrations (schema, name)
        ON DELETE CASCADE
);

COMMENT ON TABLE pgroll.operation_state IS
    'internal: objects each operation of an active migration touched';

/*
 * Columns an active migration rewrites: the new copy (_pgroll_new_<c>)
 * that takes the old column's place at complete, and every object copied
 * onto it under a temporary name (constraints, indexes, foreign keys of
 * other tables that reference it), renamed back at complete.
 */
CREATE TABLE pgroll.column_copies (
    schema      name NOT NULL,
    migration   text NOT NULL,
    relid       oid NOT NULL,
    old_attnum  smallint NOT NULL,
    new_attnum  smallint NOT NULL,
    name        text NOT NULL,          -- the column's name after complete
    not_null    boolean NOT NULL,       -- NOT NULL after complete
    identity    "char" NOT NULL DEFAULT '',  -- 'a'/'d': restore GENERATED ALWAYS/BY DEFAULT
    PRIMARY KEY (schema, migration, relid, new_attnum),
    FOREIGN KEY (schema, migration) REFERENCES pgroll.migrations (schema, name)
        ON DELETE CASCADE
);

CREATE TABLE pgroll.copied_objects (
    schema      name NOT NULL,
    migration   text NOT NULL,
    position    serial,
    relid       oid NOT NULL,           -- the table the copy is on
    kind        text NOT NULL CHECK (kind IN ('check', 'foreign_key', 'unique',
                                              'primary_key', 'index', 'sequence')),
    copy_name   text NOT NULL,
    original    text NOT NULL,          -- name to take at complete
    original_relid oid,                 -- foreign key of another table: the one it replaces is there
    clause      text,                   -- DEFERRABLE ... for constraints made from an index
    PRIMARY KEY (schema, migration, position),
    FOREIGN KEY (schema, migration) REFERENCES pgroll.migrations (schema, name)
        ON DELETE CASCADE
);

COMMENT ON TABLE pgroll.column_copies IS
    'internal: columns an active migration rewrites';
COMMENT ON TABLE pgroll.copied_objects IS
    'internal: constraints and indexes copied onto rewritten columns';
REVOKE ALL ON pgroll.column_copies, pgroll.copied_objects FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('pgroll.migrations', '');
SELECT pg_catalog.pg_extension_config_dump('pgroll.operation_state', '');
SELECT pg_catalog.pg_extension_config_dump('pgroll.column_copies', '');
SELECT pg_catalog.pg_extension_config_dump('pgroll.copied_objects', '');

/* State is written only by the C functions (as the extension owner). */
REVOKE ALL ON pgroll.migrations, pgroll.operation_state FROM PUBLIC;
GRANT SELECT ON pgroll.migrations TO PUBLIC;
GRANT USAGE ON SCHEMA pgroll TO PUBLIC;

/* ---------------------------------------------------------------------
 * History helpers, as in pgroll
 * ---------------------------------------------------------------------
 */

CREATE FUNCTION pgroll.is_active_migration_period(schemaname name)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM pgroll.migrations
                   WHERE schema = schemaname AND NOT done)
$$;

CREATE FUNCTION pgroll.latest_migration(schemaname name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.name FROM pgroll.migrations m
    WHERE m.schema = schemaname
      AND NOT EXISTS (SELECT 1 FROM pgroll.migrations c
                      WHERE c.schema = schemaname AND c.parent = m.name)
$$;

CREATE FUNCTION pgroll.previous_migration(schemaname name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT parent FROM pgroll.migrations
    WHERE schema = schemaname AND name = pgroll.latest_migration(schemaname)
$$;

/*
 * The version name of the p_depth-th ancestor (0 = latest) whose version
 * schema exists, with the "<schema>_" prefix.  Inferred and baseline
 * migrations have no version schema and are skipped.
 */
CREATE FUNCTION pgroll.find_version_schema(p_schema_name name, p_depth integer DEFAULT 0)
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
                        coalesce(a.migration ->> 'version_schema', a.name))
    ORDER BY a.depth
    OFFSET p_depth LIMIT 1
$$;

CREATE FUNCTION pgroll.latest_version(schemaname name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT substr(pgroll.find_version_schema(schemaname, 0),
                  length(schemaname) + 2)
$$;

CREATE FUNCTION pgroll.previous_version(schemaname name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT substr(pgroll.find_version_schema(schemaname, 1),
                  length(schemaname) + 2)
$$;

/*
 * The schema as pgroll's read_schema shows it: tables with their columns,
 * primary key, indexes and constraints.  Tables and columns pgroll uses
 * internally (_pgroll_*) are left out.
 */
CREATE FUNCTION pgroll.read_schema(schemaname text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH tabs AS (
    SELECT c.oid, c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = schemaname
      AND c.relkind IN ('r', 'p')
      AND c.relname NOT LIKE '\_pgroll\_%'
)
SELECT jsonb_build_object(
    'name', schemaname,
    'tables', coalesce((
        SELECT jsonb_object_agg(t.relname, jsonb_strip_nulls(jsonb_build_object(
            'name', t.relname,
            'oid', t.oid::text,
            'comment', obj_description(t.oid, 'pg_class'),
            'columns', coalesce((
                SELECT jsonb_object_agg(a.attname, jsonb_build_object(
                    'name', a.attname,
                    'type', replace(replace(format_type(a.atttypid, a.atttypmod),
                                            'character varying', 'varchar'),
                                    'timestamp with time zone', 'timestamptz'),
                    'default', pg_get_expr(d.adbin, d.adrelid),
                    'nullable', NOT (a.attnotnull OR (ty.typtype = 'd' AND ty.typnotnull)),
                    'unique', EXISTS (
                        SELECT 1 FROM pg_index i
                        WHERE i.indrelid = t.oid AND i.indisunique
                          AND i.indnatts = 1 AND i.indkey[0] = a.attnum),
                    'comment', col_description(t.oid, a.attnum),
                    'enumValues', (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)
                                   FROM pg_enum e WHERE e.enumtypid = a.atttypid),
                    'postgresType', CASE ty.typtype
                        WHEN 'b' THEN 'base' WHEN 'c' THEN 'composite'
                        WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum'
                        WHEN 'p' THEN 'pseudo' WHEN 'r' THEN 'range'
                        WHEN 'm' THEN 'multirange' END))
                FROM pg_attribute a
                JOIN pg_type ty ON ty.oid = a.atttypid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attname NOT LIKE '\_pgroll\_%'), '{}'::jsonb),
            'primaryKey', coalesce((
                SELECT jsonb_agg(a.attname ORDER BY k.ord)
                FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                WHERE i.indrelid = t.oid AND i.indisprimary), '[]'::jsonb),
            'indexes', coalesce((
                SELECT jsonb_object_agg(ic.relname, jsonb_build_object(
                    'name', ic.relname,
                    'unique', i.indisunique,
                    'exclusion', i.indisexclusion,
                    'columns', (SELECT jsonb_agg(a.attname ORDER BY k.ord)
                                FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                    'predicate', pg_get_expr(i.indpred, i.indrelid),
                    'method', am.amname,
                    'definition', pg_get_indexdef(i.indexrelid)))
                FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_am am ON am.oid = ic.relam
                WHERE i.indrelid = t.oid), '{}'::jsonb),
            'checkConstraints', coalesce((
                SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                    'name', con.conname,
                    'columns', (SELECT jsonb_agg(a.attname ORDER BY a.attnum)
                                FROM pg_attribute a
                                WHERE a.attrelid = t.oid AND a.attnum = ANY (con.conkey)),
                    'definition', pg_get_constraintdef(con.oid),
                    'noInherit', con.connoinherit))
                FROM pg_constraint con
                WHERE con.conrelid = t.oid AND con.contype = 'c'), '{}'::jsonb),
            'uniqueConstraints', coalesce((
                SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                    'name', con.conname,
                    'columns', (SELECT jsonb_agg(a.attname ORDER BY k.ord)
                                FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)))
                FROM pg_constraint con
                WHERE con.conrelid = t.oid AND con.contype = 'u'), '{}'::jsonb),
            'excludeConstraints', coalesce((
                SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                    'name', con.conname,
                    'columns', (SELECT jsonb_agg(a.attname ORDER BY k.ord)
                                FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                    'definition', pg_get_constraintdef(con.oid),
                    'predicate', pg_get_expr(i.indpred, i.indrelid),
                    'method', am.amname))
                FROM pg_constraint con
                JOIN pg_index i ON i.indexrelid = con.conindid
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_am am ON am.oid = ic.relam
                WHERE con.conrelid = t.oid AND con.contype = 'x'), '{}'::jsonb),
            'foreignKeys', coalesce((
                SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                    'name', con.conname,
                    'columns', (SELECT jsonb_agg(a.attname ORDER BY k.ord)
                                FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                    'referencedTable', rc.relname,
                    'referencedColumns', (SELECT jsonb_agg(a.attname ORDER BY k.ord)
                                FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum),
                    'matchType', CASE con.confmatchtype
                        WHEN 'f' THEN 'FULL' WHEN 'p' THEN 'PARTIAL' ELSE 'SIMPLE' END,
                    'onDelete', CASE con.confdeltype
                        WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                        WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END,
                    'onUpdate', CASE con.confupdtype
                        WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                        WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END))
                FROM pg_constraint con
                JOIN pg_class rc ON rc.oid = con.confrelid
                WHERE con.conrelid = t.oid AND con.contype = 'f'), '{}'::jsonb)
        )))
        FROM tabs t), '{}'::jsonb))
$$;

/* ---------------------------------------------------------------------
 * The lifecycle, in C
 * ---------------------------------------------------------------------
 */

CREATE FUNCTION pgroll.start(migration jsonb, name text DEFAULT NULL,
                             schema text DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_start'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pgroll.complete(schema text DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_complete'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pgroll.rollback(schema text DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pgroll_rollback'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pgroll.validate(migration jsonb, schema text DEFAULT 'public')
RETURNS boolean
AS 'MODULE_PATHNAME', 'pgroll_validate'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;

/* ---------------------------------------------------------------------
 * Queued work, run by the background worker after the caller commits
 * ---------------------------------------------------------------------
 */

/*
 * One row per step that cannot run in the caller's transaction: a
 * statement that must run at top level (CREATE/DROP INDEX CONCURRENTLY,
 * a long VALIDATE CONSTRAINT) or a batched backfill.  A schema's jobs run
 * one at a time, in id order, as the role that queued them.
 */
CREATE TABLE pgroll.jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schema      name NOT NULL,
    migration   text NOT NULL,
    phase       text NOT NULL CHECK (phase IN ('start', 'complete', 'rollback')),
    kind        text NOT NULL CHECK (kind IN ('statement', 'backfill')),
    description text NOT NULL,
    command     text,               -- statement jobs
    index_name  text,               -- CREATE INDEX CONCURRENTLY jobs: the index built
    relid       oid,                -- backfill jobs: the table
    roleid      oid NOT NULL,       -- runs as this role
    batch_size  integer,            -- backfill: pgroll.backfill_batch_size at start
    batch_delay integer,            -- backfill: pgroll.backfill_batch_delay (ms) at start
    state       text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    error       text,
    attempts    integer NOT NULL DEFAULT 0,
    cursor      text[],             -- backfill: last key done (keyset) or block (ctid)
    rows_done   bigint NOT NULL DEFAULT 0,
    rows_total  bigint,
    batches     bigint NOT NULL DEFAULT 0,
    worker_pid  integer,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    started_at  timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX jobs_pending ON pgroll.jobs (schema, id)
    WHERE state IN ('queued', 'running');

COMMENT ON TABLE pgroll.jobs IS
    'pgroll work queue: steps the background worker runs after the caller commits';

SELECT pg_catalog.pg_extension_config_dump('pgroll.jobs', '');
REVOKE ALL ON pgroll.jobs FROM PUBLIC;
GRANT SELECT ON pgroll.jobs TO PUBLIC;

/*
 * Backfill progress, one row per backfill job.
 */
CREATE VIEW pgroll.backfill_progress AS
SELECT j.schema,
       j.migration,
       c.relname AS "table",
       j.rows_done,
       j.rows_total AS rows_estimated,
       CASE WHEN j.state = 'running' AND j.started_at IS NOT NULL
                 AND pg_catalog.clock_timestamp() > j.started_at
            THEN round(j.rows_done / extract(epoch FROM pg_catalog.clock_timestamp() - j.started_at))
            WHEN j.finished_at IS NOT NULL AND j.finished_at > j.started_at
            THEN round(j.rows_done / extract(epoch FROM j.finished_at - j.started_at))
       END AS rows_per_second,
       j.batches,
       j.state,
       j.error AS last_error,
       j.started_at,
       j.finished_at
FROM pgroll.jobs j
LEFT JOIN pg_catalog.pg_class c ON c.oid = j.relid
WHERE j.kind = 'backfill';

GRANT SELECT ON pgroll.backfill_progress TO PUBLIC;

/*
 * Wait until the schema's queued work is done.  A procedure, not a
 * function: it commits between polls, so it never holds the snapshot a
 * concurrent index build waits for.  CALL it outside a transaction block.
 */
CREATE PROCEDURE pgroll.wait(schema text DEFAULT 'public', timeout interval DEFAULT '10 minutes')
AS 'MODULE_PATHNAME', 'pgroll_wait'
LANGUAGE C;

/*
 * The sync trigger.  pgroll creates it (as _pgroll_sync) on each table a
 * migration rewrites; its arguments carry the rules.
 */
CREATE FUNCTION pgroll.sync_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'pgroll_sync_trigger'
LANGUAGE C;

/*
 * One row for the schema: the latest version, whether a migration is in
 * progress, and what its queued work is doing.  phase is one of
 * backfilling / building / ready / failed / complete / cleaning up (NULL
 * without migrations).
 */
CREATE FUNCTION pgroll.status(schemaname text DEFAULT 'public',
                              OUT schema text, OUT version text,
                              OUT status text, OUT phase text,
                              OUT migration text, OUT progress text)
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
                WHEN EXISTS (SELECT 1 FROM j WHERE kind = 'backfill'
                             AND state IN ('queued', 'running')) THEN 'backfilling'
                WHEN NOT m.done AND EXISTS (SELECT 1 FROM j WHERE state IN ('queued', 'running'))
                    THEN 'building'
                WHEN m.done AND EXISTS (SELECT 1 FROM j WHERE state IN ('queued', 'running'))
                    THEN 'cleaning up'
                WHEN NOT m.done THEN 'ready'
                ELSE 'complete' END,
           m.name,
           (SELECT string_agg(format('%s: %s%s', description, state,
                   CASE WHEN kind = 'backfill' THEN format(' (%s of ~%s rows)', rows_done,
                                                           greatest(rows_total, rows_done))
                        WHEN state = 'failed' THEN ': ' || error
                        ELSE '' END), '; ' ORDER BY id)
            FROM j)
    FROM (SELECT 1) dummy LEFT JOIN m ON true
$$;

/* ---------------------------------------------------------------------
 * Scheduling with pg_cron
 * ---------------------------------------------------------------------
 */

/*
 * Complete the schema's active migration if its queued work is done.
 * Safe to call again and again (e.g. every minute from pg_cron): it does
 * nothing until the migration is ready, and nothing after.
 */
CREATE FUNCTION pgroll.complete_if_ready(schema text DEFAULT 'public')
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    active text;
    started timestamptz;
    failure text;
BEGIN
    SELECT m.name, m.created_at INTO active, started FROM pgroll.migrations m
    WHERE m.schema = complete_if_ready.schema::name AND NOT m.done;
    IF active IS NULL THEN
        RETURN 'no active migration';
    END IF;
    SELECT j.description || ': ' || j.error INTO failure FROM pgroll.jobs j
    WHERE j.schema = complete_if_ready.schema::name AND j.migration = active
      AND j.phase = 'start' AND j.state = 'failed' AND j.created_at >= started
    ORDER BY j.id LIMIT 1;
    IF failure IS NOT NULL THEN
        RAISE WARNING 'pgroll migration "%" cannot complete: %', active, failure;
        RETURN 'failed';
    END IF;
    IF EXISTS (SELECT 1 FROM pgroll.jobs j
               WHERE j.schema = complete_if_ready.schema::name AND j.migration = active
                 AND j.phase = 'start' AND j.state IN ('queued', 'running')
                 AND j.created_at >= started) THEN
        RETURN 'waiting';
    END IF;
    PERFORM pgroll.complete(complete_if_ready.schema);
    RETURN 'completed ' || active;
END
$$;

/*
 * Start a migration unless it has been applied already: what a scheduled
 * job runs, so that a repeated run does nothing.
 */
CREATE FUNCTION pgroll.start_once(migration jsonb, name text,
                                  schema text DEFAULT 'public')
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pgroll.migrations m
               WHERE m.schema = start_once.schema::name AND m.name = start_once.name) THEN
        RETURN 'already applied';
    END IF;
    RETURN pgroll.start(start_once.migration, start_once.name, start_once.schema);
END
$$;

/*
 * pg_cron jobs (pg_cron must be installed in this database):
 * schedule_start runs start_once at the schedule and unschedules itself
 * once the migration exists; schedule_complete runs complete_if_ready,
 * every minute by default (it stays scheduled, ready for the next
 * migration; cron.unschedule removes it).  Both return the cron job id.
 */
CREATE FUNCTION pgroll.schedule_start(job_name text, schedule text, migration jsonb,
                                      name text, schema text DEFAULT 'public')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
BEGIN
    IF to_regnamespace('cron') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = 'undefined_object',
                  HINT = 'CREATE EXTENSION pg_cron in the database cron.database_name names.';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid
        USING job_name, schedule,
              format('SELECT pgroll.start_once(%L::jsonb, %L, %L); '
                     'SELECT cron.unschedule(%L);',
                     migration, name, schema, job_name);
    RETURN jobid;
END
$$;

CREATE FUNCTION pgroll.schedule_complete(job_name text, schema text DEFAULT 'public',
                                         schedule text DEFAULT '* * * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
BEGIN
    IF to_regnamespace('cron') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = 'undefined_object',
                  HINT = 'CREATE EXTENSION pg_cron in the database cron.database_name names.';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid
        USING job_name, schedule,
              format('SELECT pgroll.complete_if_ready(%L);', schema);
    RETURN jobid;
END
$$;

/* ---------------------------------------------------------------------
 * Applying a list of migrations
 * ---------------------------------------------------------------------
 */

/*
 * pgroll's "migrate": apply the migrations of the list (a jsonb array of
 * documents, each with its "name") that the schema has not applied yet, in
 * order; each is started, its queued work waited for, and completed, the
 * last one only if complete_last.  The schema's history must be a prefix
 * of the list.  A procedure: it commits after each step, so CALL it
 * outside a transaction block.  A procedure that commits cannot pin its
 * search_path with SET; it runs as its caller, and its operators are
 * qualified wherever the caller's path could offer a better match.
 */
CREATE PROCEDURE pgroll.migrate(migrations jsonb, schema text DEFAULT 'public',
                                complete_last boolean DEFAULT true,
                                timeout interval DEFAULT '1 hour')
LANGUAGE plpgsql
AS $$
DECLARE
    names text[];
    applied text[];
    total integer;
    done integer;
BEGIN
    IF migrations IS NULL OR pg_catalog.jsonb_typeof(migrations) <> 'array'
       OR pg_catalog.jsonb_array_length(migrations) = 0 THEN
        RAISE EXCEPTION 'migrations: expected a non-empty array of migration documents'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT pg_catalog.array_agg(e.doc OPERATOR(pg_catalog.->>) 'name' ORDER BY e.n) INTO names
    FROM pg_catalog.jsonb_array_elements(migrations) WITH ORDINALITY AS e(doc, n);
    total := pg_catalog.array_length(names, 1);
    FOR i IN 1 .. total LOOP
        IF names[i] IS NULL THEN
            RAISE EXCEPTION 'migrations[%].name: required', i - 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;

    IF pgroll.is_active_migration_period(migrate.schema::name) THEN
        RAISE EXCEPTION 'a migration for schema "%" is already in progress', migrate.schema
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Complete it or roll it back first.';
    END IF;

    WITH RECURSIVE h AS (
        SELECT m.name, 1 AS depth FROM pgroll.migrations m
        WHERE m.schema = migrate.schema::name AND m.parent IS NULL
        UNION ALL
        SELECT m.name, h.depth + 1 FROM pgroll.migrations m
        JOIN h ON m.parent = h.name AND m.schema = migrate.schema::name
    )
    SELECT pg_catalog.array_agg(h.name ORDER BY h.depth) INTO applied FROM h;
    done := coalesce(pg_catalog.array_length(applied, 1), 0);
    FOR i IN 1 .. done LOOP
        IF i > total OR names[i] IS DISTINCT FROM applied[i] THEN
            RAISE EXCEPTION 'the history of schema "%" does not match the list of migrations',
                migrate.schema
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('Migration %s of the history is "%s", the list has %s.',
                                                 i, applied[i],
                                                 coalesce(pg_catalog.quote_literal(names[i]), 'nothing'));
        END IF;
    END LOOP;

    FOR i IN done + 1 .. total LOOP
        PERFORM pgroll.start(migrations OPERATOR(pg_catalog.->) (i - 1), names[i], migrate.schema);
        COMMIT;
        IF i < total OR complete_last THEN
            CALL pgroll.wait(migrate.schema, migrate.timeout);
            PERFORM pgroll.complete(migrate.schema);
            COMMIT;
        END IF;
    END LOOP;
END
$$;
