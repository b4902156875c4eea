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
                        ELSE '' END
                   || CASE WHEN state = 'failed' THEN ': ' || error ELSE '' END), '; ' ORDER BY id)
            FROM j),
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
