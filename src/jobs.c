/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  Queueing work for the background worker.
 *
 * A job row is written in the caller's transaction, so a rolled-back start
 * queues nothing.  The worker is launched from a transaction callback once
 * the caller has committed: launching earlier would let it look for rows
 * it cannot see yet.  Launching is best effort (no free worker slot is
 * only a WARNING, the post-commit callback must not fail); the launcher
 * and pgroll.wait() start a worker for any schema with unfinished jobs.
 *
 * src/jobs.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "roles.h"
#include "jobs.h"
#include "worker.h"

/* Schemas whose worker is launched when the transaction commits */
static List *launch_at_commit = NIL;

void
jobs_enqueue_statement(const char *schema, const char *migration,
					   const char *phase, const char *description,
					   const char *command, const char *index_name)
{
	Oid			argtypes[7] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', index_name ? ' ' : 'n', ' '};

	/* what the worker will run must be one statement it can parse */
	if (list_length(raw_parser(command, RAW_PARSE_DEFAULT)) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the statement queued for \"%s\" is not exactly one statement",
						description),
				 errdetail("Statement: %s", command)));

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(migration);
	values[2] = CStringGetTextDatum(phase);
	values[3] = CStringGetTextDatum(description);
	values[4] = CStringGetTextDatum(command);
	values[5] = index_name ? CStringGetTextDatum(index_name) : (Datum) 0;
	values[6] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));

	run_as_owner("INSERT INTO pgroll.jobs "
				 "(schema, migration, phase, kind, description, command, index_name, role) "
				 "VALUES ($1::name, $2, $3, 'statement', $4, $5, $6, $7::name)",
				 7, argtypes, values, nulls);
	jobs_launch_at_commit(schema);
}

void
jobs_enqueue_backfill(const char *schema, const char *migration,
					  const char *description, Oid relid)
{
	Oid			argtypes[9] = {TEXTOID, TEXTOID, TEXTOID, OIDOID, TEXTOID, INT4OID, INT4OID,
	INT4OID, INT4OID};
	Datum		values[9];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(migration);
	values[2] = CStringGetTextDatum(description);
	values[3] = ObjectIdGetDatum(relid);
	values[4] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	/* the worker uses the settings of the session that started the migration */
	values[5] = Int32GetDatum(pgroll_backfill_batch_size);
	values[6] = Int32GetDatum(pgroll_backfill_batch_delay_ms);
	values[7] = Int32GetDatum(pgroll_backfill_batch_time_ms);
	values[8] = Int32GetDatum(pgroll_backfill_max_replica_lag_kb);

	run_as_owner("INSERT INTO pgroll.jobs "
				 "(schema, migration, phase, kind, description, relid, role, "
				 " batch_size, batch_delay, batch_time, max_replica_lag, rows_total) "
				 "SELECT $1::name, $2, 'start', 'backfill', $3, $4, $5::name, $6, $7, $8, $9, "
				 "       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END "
				 "FROM pg_catalog.pg_class c WHERE c.oid = $4",
				 9, argtypes, values, NULL);
	jobs_launch_at_commit(schema);
}

void
jobs_cancel(const char *schema, const char *migration)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(migration)};

	/*
	 * Cancel first, rows locked in id order (as the worker locks them), so
	 * that the worker, interrupted below, finds its job cancelled rather
	 * than recording a failure.
	 */
	run_as_owner("UPDATE pgroll.jobs SET state = 'cancelled', updated_at = pg_catalog.now(), "
				 "  finished_at = pg_catalog.clock_timestamp() "
				 "WHERE id IN (SELECT id FROM pgroll.jobs "
				 "             WHERE schema = $1::name AND migration = $2 "
				 "               AND state IN ('queued', 'running') "
				 "             ORDER BY id FOR UPDATE) "
				 "RETURNING worker_pid, worker_started_at",
				 2, argtypes, values, NULL);

	/*
	 * Interrupt the job the worker is running: a concurrent index build
	 * waits for this very transaction's snapshot, and this transaction is
	 * about to need locks the worker holds.
	 */
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		pid_null;
		bool		started_null;
		Datum		pid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &pid_null);
		Datum		started = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2,
											&started_null);

		if (!pid_null && !started_null)
			(void) worker_cancel(DatumGetInt32(pid), DatumGetTimestampTz(started));
	}
}

char *
jobs_blocking_complete(const char *schema, const char *migration, bool *failed,
					   bool *paused)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(migration)};
	char	   *state;

	/* this attempt's jobs only: an earlier, rolled-back one may share the name */
	run_as_owner("SELECT CASE WHEN j.paused_at IS NOT NULL AND j.state <> 'failed' "
				 "            THEN 'paused (pgroll.resume() goes on)' ELSE j.state END, "
				 "       j.description, j.error FROM pgroll.jobs j "
				 "JOIN pgroll.migrations m ON m.schema = j.schema AND m.name = j.migration "
				 "WHERE j.schema = $1::name AND j.migration = $2 AND j.phase = 'start' "
				 "  AND j.state IN ('queued', 'running', 'failed') "
				 "  AND j.created_at >= m.created_at "
				 "ORDER BY j.state = 'failed' DESC, j.id LIMIT 1",
				 2, argtypes, values, NULL);
	if (SPI_processed == 0)
		return NULL;

	state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*failed = strcmp(state, "failed") == 0;
	*paused = strncmp(state, "paused", 6) == 0;
	if (*failed)
		return psprintf("%s failed: %s",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
	return psprintf("%s is %s",
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
					state);
}

void
jobs_launch_at_commit(const char *schema)
{
	MemoryContext old;
	ListCell   *lc;

	foreach(lc, launch_at_commit)
	{
		if (strcmp(lfirst(lc), schema) == 0)
			return;
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	launch_at_commit = lappend(launch_at_commit, pstrdup(schema));
	MemoryContextSwitchTo(old);
}

/*
 * After commit: start the workers.  This runs after the commit is durable
 * and visible; an ERROR here would be a PANIC, so failures are warnings
 * and the jobs stay queued for the launcher or pgroll.wait().
 */
static void
jobs_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (launch_at_commit != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that queued pgroll work")));
			break;
		case XACT_EVENT_COMMIT:
			foreach(lc, launch_at_commit)
			{
				switch (worker_start(MyDatabaseId, lfirst(lc)))
				{
					case WORKER_STARTED:
						break;
					case WORKER_DEFERRED:
						ereport(WARNING,
								(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
								 errmsg("no background worker slot is free for the pgroll worker "
										"of schema \"%s\"", (char *) lfirst(lc)),
								 errdetail("The work stays queued; the worker starts as soon as "
										   "a slot is free, and pgroll.status() says it waits."),
								 errhint("Raise max_worker_processes.")));
						break;
					case WORKER_NOT_STARTED:
						ereport(WARNING,
								(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
								 errmsg("could not start a pgroll worker for schema \"%s\"",
										(char *) lfirst(lc)),
								 errdetail("The work stays queued."),
								 errhint("Raise max_worker_processes, or run CALL pgroll.wait() "
										 "to start the worker later.")));
						break;
				}
			}
			list_free_deep(launch_at_commit);
			launch_at_commit = NIL;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			list_free_deep(launch_at_commit);
			launch_at_commit = NIL;
			break;
		default:
			break;
	}
}

void
jobs_init(void)
{
	RegisterXactCallback(jobs_xact_callback, NULL);
}
