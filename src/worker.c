/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The launcher and the per-schema workers.
 *
 * Per-schema worker: started when a transaction that queued work commits.
 * It takes a session advisory lock for its (database, schema), so at most
 * one runs per schema, then runs the schema's jobs in id order, one at a
 * time, each as the role that queued it, and exits when none is left.  It
 * connects as the bootstrap superuser only to reach pgroll's own tables;
 * every job runs with the user id of its role (SECURITY_LOCAL_USERID_CHANGE,
 * so a job cannot SET ROLE its way back).
 *
 * Killed (pg_terminate_backend) or crashed, it exits with status 1 and the
 * postmaster starts it again after PGROLL_WORKER_RESTART_S; the job it was
 * running is still "running" in pgroll.jobs and is resumed: a backfill from
 * its saved cursor, an index build after dropping the invalid index the
 * interrupted build left.
 *
 * Launcher: started with the server (shared_preload_libraries).  After a
 * restart nothing else would resume unfinished work, so it starts, one
 * database at a time, a worker that looks for schemas with unfinished jobs
 * and starts their workers.  Then it sleeps until shutdown.
 *
 * src/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "commands/dbcommands.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "backfill.h"
#include "ddl.h"
#include "faults.h"
#include "locks.h"
#include "slots.h"
#include "toplevel.h"
#include "worker.h"

#define PGROLL_WORKER_RESTART_S		2
#define PGROLL_LAUNCHER_RESTART_S	10
/*
 * A job that a worker was running when it stopped this many times fails
 * instead of running again.
 */
#define MAX_WORKER_STOPS			3

/*
 * A schema worker started this many times in a row without finishing a
 * job or running out of work (the postmaster restarts it after each
 * failure) gives up: its database is gone, or a setting stops it.  More
 * than MAX_WORKER_STOPS, so that a job that kills its worker fails first.
 */
#define MAX_FAILED_STARTS			5

/* The launcher retries deferred launches this often */
#define PGROLL_DEFERRED_RETRY_MS	1000

/* Passed in bgw_extra */
typedef struct WorkerArgs
{
	Oid			dboid;
	char		schema[NAMEDATALEN];	/* empty: look for schemas with work */
	int			crash_restarts; /* slots_crash_restarts() when registered */
} WorkerArgs;

StaticAssertDecl(sizeof(WorkerArgs) <= BGW_EXTRALEN,
				 "WorkerArgs must fit in bgw_extra");

static MemoryContext job_context = NULL;

/* ---------------------------------------------------------------------
 * Launching
 * ---------------------------------------------------------------------
 */

static void
fill_worker(BackgroundWorker *worker, const char *type, const char *function)
{
	memset(worker, 0, sizeof(BackgroundWorker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	strlcpy(worker->bgw_library_name, "pgroll", BGW_MAXLEN);
	strlcpy(worker->bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker->bgw_type, type, BGW_MAXLEN);
}

/*
 * Crash restarts in a row.  A job that kills its worker fails after three
 * stops (claim_next_job), but a worker could also die outside a job, and
 * after each crash the launcher would start it again.  The postmaster
 * counts the crash restarts in a row (slots_crash_restarts).  After
 * PGROLL_MAX_CRASH_RESTARTS the launcher resumes nothing, and a worker the
 * postmaster restarts after such a series exits at once (one registered
 * since, by a pgroll call or CALL pgroll.wait(), runs).
 */
#define PGROLL_MAX_CRASH_RESTARTS	5
#define PGROLL_STABLE_MS			60000

bool
worker_launch(Oid dboid, const char *schema)
{
	BackgroundWorker worker;
	WorkerArgs	args;

	memset(&args, 0, sizeof(args));
	args.dboid = dboid;
	strlcpy(args.schema, schema, NAMEDATALEN);
	args.crash_restarts = slots_crash_restarts();

	fill_worker(&worker, PGROLL_WORKER_TYPE, "pgroll_worker_main");
	if (schema[0] != '\0')
	{
		snprintf(worker.bgw_name, BGW_MAXLEN, "pgroll worker for schema %s", schema);
		worker.bgw_restart_time = PGROLL_WORKER_RESTART_S;
	}
	else
	{
		snprintf(worker.bgw_name, BGW_MAXLEN, "pgroll worker looking for work");
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		worker.bgw_notify_pid = MyProcPid;
	}
	memcpy(worker.bgw_extra, &args, sizeof(args));

	return RegisterDynamicBackgroundWorker(&worker, NULL);
}

WorkerStart
worker_start(Oid dboid, const char *schema)
{
	/* started by hand or by a commit: whatever made it give up may be fixed */
	slots_worker_progressed(dboid, schema);
	if (worker_launch(dboid, schema))
		return WORKER_STARTED;
	if (slots_defer_launch(dboid, schema))
		return WORKER_DEFERRED;
	return WORKER_NOT_STARTED;
}

void
worker_register_launcher(void)
{
	BackgroundWorker worker;

	fill_worker(&worker, "pgroll launcher", "pgroll_launcher_main");
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_restart_time = PGROLL_LAUNCHER_RESTART_S;
	snprintf(worker.bgw_name, BGW_MAXLEN, "pgroll launcher");
	RegisterBackgroundWorker(&worker);
}

/* Must be called in a transaction; probes the worker's lock without waiting */
bool
worker_is_running(const char *schema)
{
	LOCKTAG		tag;

	pgroll_name_locktag(&tag, PGROLL_LOCK_SCHEMA_WORKER, schema);
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		return true;
	LockRelease(&tag, ExclusiveLock, false);
	return false;
}

/*
 * Cancel what the worker with this pid runs, if that process is verifiably
 * a pgroll worker of this database that started at this time: a pid alone
 * may name another process after a restart, or on the server a dump was
 * restored to.  Returns whether it was signalled.
 */
bool
worker_cancel(int pid, TimestampTz started)
{
	bool		verified = false;
	int			n;

	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n && !verified; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be = local ? &local->backendStatus : NULL;
		const char *type;

		if (be == NULL || be->st_procpid != pid || be->st_databaseid != MyDatabaseId ||
			be->st_backendType != B_BG_WORKER || be->st_proc_start_timestamp != started)
			continue;
		type = GetBackgroundWorkerTypeByPid(pid);
		verified = type != NULL && strcmp(type, PGROLL_WORKER_TYPE) == 0;
	}
	if (!verified)
		return false;
#ifdef HAVE_SETSID
	if (kill(-pid, SIGINT) == 0)
		return true;
#endif
	return kill(pid, SIGINT) == 0;
}

/* ---------------------------------------------------------------------
 * Bookkeeping, each in a short transaction of its own
 * ---------------------------------------------------------------------
 */

static void
begin_work(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_work(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Is pgroll installed in this database, with the catalog this library
 * expects?  A catalog not yet updated (the new library is loaded, ALTER
 * EXTENSION pgroll UPDATE not yet run) is said once and the worker exits
 * without a restart; the next pgroll call or CALL pgroll.wait() after the
 * update starts a worker again.
 */
static bool
pgroll_installed(void)
{
	char	   *version = NULL;
	char	   *database;

	begin_work("pgroll: checking for the extension");
	SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgroll' "
				"AND pg_catalog.to_regclass('pgroll.jobs') IS NOT NULL", true, 1);
	if (SPI_processed > 0)
		version = MemoryContextStrdup(job_context,
									  SPI_getvalue(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1));
	database = MemoryContextStrdup(job_context, get_database_name(MyDatabaseId));
	end_work();
	if (version != NULL && strcmp(version, PGROLL_CATALOG_VERSION) != 0)
	{
		ereport(WARNING,
				(errmsg("pgroll %s is installed in database \"%s\", the library expects %s",
						version, database, PGROLL_CATALOG_VERSION),
				 errdetail("Queued work waits until the extension is updated."),
				 errhint("Run ALTER EXTENSION pgroll UPDATE in that database, then CALL pgroll.wait().")));
		return false;
	}
	return version != NULL;
}

/*
 * Claim the schema's next unfinished job; NULL if there is none.
 *
 * A job found still "running" was being run by a worker that stopped
 * without recording an end.  If that worker started under this postmaster
 * (it crashed or was killed while the server stayed up, crash restarts
 * included), the claim counts that stop; a restart of the server (a clean
 * one, or after the postmaster itself went down) is not the job's doing
 * and counts nothing, nor does a claim of pgroll 0.1.0, which recorded no
 * start time.  The claim commits synchronously, so
 * the count survives even a crash that follows at once; it is what stops a
 * job that kills its worker from restarting it forever.
 */
static WorkerJob *
claim_next_job(const char *schema)
{
	Oid			argtypes[2] = {TEXTOID, TIMESTAMPTZOID};
	Datum		values[2];
	WorkerJob  *job = NULL;

	begin_work("pgroll: claiming the next job");
	(void) set_config_option("synchronous_commit", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	values[0] = CStringGetTextDatum(schema);
	values[1] = TimestampTzGetDatum(MyStartTimestamp);
	SPI_execute_with_args("WITH next AS (SELECT id, state = 'running' AS stopped "
						  "              FROM pgroll.jobs WHERE schema = $1::name "
						  "                AND state IN ('queued', 'running') "
						  "              ORDER BY id LIMIT 1 FOR UPDATE) "
						  "UPDATE pgroll.jobs j SET state = 'running', attempts = attempts + 1, "
						  "  worker_stops = worker_stops + coalesce(next.stopped AND j.worker_started_at >= "
						  "                 pg_catalog.pg_postmaster_start_time(), false)::pg_catalog.int4, "
						  "  throttled = NULL, "
						  "  worker_pid = pg_catalog.pg_backend_pid(), worker_started_at = $2, "
						  "  started_at = coalesce(started_at, pg_catalog.clock_timestamp()), "
						  "  updated_at = pg_catalog.now() "
						  "FROM next WHERE j.id = next.id "
						  "RETURNING j.id, j.kind, j.migration, j.description, j.command, "
						  "          j.index_name, j.relid, "
						  "          (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = j.role), "
						  "          j.attempts, j.worker_stops, j.role",
						  2, argtypes, values, NULL, false, 0);
	if (SPI_processed == 1)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(job_context);
		bool		isnull;
		Datum		d;

		job = palloc0(sizeof(WorkerJob));
		job->id = DatumGetInt64(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		job->kind = SPI_getvalue(tuple, tupdesc, 2);
		job->schema = pstrdup(schema);
		job->migration = SPI_getvalue(tuple, tupdesc, 3);
		job->description = SPI_getvalue(tuple, tupdesc, 4);
		job->command = SPI_getvalue(tuple, tupdesc, 5);
		job->index_name = SPI_getvalue(tuple, tupdesc, 6);
		d = SPI_getbinval(tuple, tupdesc, 7, &isnull);
		job->relid = isnull ? InvalidOid : DatumGetObjectId(d);
		d = SPI_getbinval(tuple, tupdesc, 8, &isnull);
		job->roleid = isnull ? InvalidOid : DatumGetObjectId(d);
		job->attempts = DatumGetInt32(SPI_getbinval(tuple, tupdesc, 9, &isnull));
		job->worker_stops = DatumGetInt32(SPI_getbinval(tuple, tupdesc, 10, &isnull));
		job->role = SPI_getvalue(tuple, tupdesc, 11);
		MemoryContextSwitchTo(old);
	}
	end_work();
	return job;
}

/*
 * Record the end of a job.  A failure also cancels the migration's other
 * unfinished jobs of the same phase: the migration cannot complete any
 * more, only be rolled back.  A job that rollback cancelled meanwhile
 * stays cancelled.
 */
static void
finish_job(WorkerJob *job, const char *error)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', error ? ' ' : 'n'};

	begin_work("pgroll: recording a finished job");
	values[0] = Int64GetDatum(job->id);
	values[1] = error ? CStringGetTextDatum(error) : (Datum) 0;
	/* rows locked in id order, as rollback locks them: no deadlock */
	if (error != NULL)
		SPI_execute_with_args("SELECT j.id FROM pgroll.jobs j, pgroll.jobs f "
							  "WHERE f.id = $1 AND (j.id = $1 OR (j.schema = f.schema "
							  "  AND j.migration = f.migration AND j.phase = f.phase "
							  "  AND j.state IN ('queued', 'running'))) "
							  "ORDER BY j.id FOR UPDATE OF j",
							  1, argtypes, values, NULL, false, 0);
	SPI_execute_with_args("UPDATE pgroll.jobs SET "
						  "  state = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END, "
						  "  error = $2, finished_at = pg_catalog.clock_timestamp(), "
						  "  updated_at = pg_catalog.now() "
						  "WHERE id = $1 AND state = 'running'",
						  2, argtypes, values, nulls, false, 0);
	if (error != NULL && SPI_processed > 0)
		SPI_execute_with_args("UPDATE pgroll.jobs j SET state = 'cancelled', "
							  "  error = 'cancelled after job ' || $1 || ' failed', "
							  "  finished_at = pg_catalog.clock_timestamp(), updated_at = pg_catalog.now() "
							  "FROM pgroll.jobs f WHERE f.id = $1 AND j.schema = f.schema "
							  "  AND j.migration = f.migration AND j.phase = f.phase "
							  "  AND j.state IN ('queued', 'running')",
							  1, argtypes, values, NULL, false, 0);
	end_work();
}

/*
 * A job was cancelled (SIGINT): by a rollback, whose transaction cancels
 * the migration's running jobs before it commits, or by someone else.
 * Waits for whoever holds the job's row, then: the job is no longer
 * running (the rollback committed: nothing to record), or it runs again
 * (the rollback failed, or an outside cancel, at most
 * MAX_CANCELLED_ATTEMPTS times), or the cancel is the job's failure.
 */
#define MAX_CANCELLED_ATTEMPTS 3

typedef enum CancelOutcome
{
	CANCEL_BY_ROLLBACK,
	CANCEL_RUN_AGAIN,
	CANCEL_FAILS_JOB
} CancelOutcome;

static CancelOutcome
after_cancel(WorkerJob *job)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(job->id)};
	bool		running;
	bool		again;

	begin_work("pgroll: checking a cancelled job");
	SPI_execute_with_args("SELECT 1 FROM pgroll.jobs WHERE id = $1 AND state = 'running' "
						  "FOR UPDATE", 1, argtypes, values, NULL, false, 1);
	running = SPI_processed == 1;
	again = running && job->attempts < MAX_CANCELLED_ATTEMPTS;
	/* queued again, not left running: the next claim is no worker stop */
	if (again)
		SPI_execute_with_args("UPDATE pgroll.jobs SET state = 'queued', worker_pid = NULL, "
							  "  worker_started_at = NULL, updated_at = pg_catalog.now() "
							  "WHERE id = $1", 1, argtypes, values, NULL, false, 0);
	end_work();
	if (!running)
		return CANCEL_BY_ROLLBACK;
	return again ? CANCEL_RUN_AGAIN : CANCEL_FAILS_JOB;
}

/* ---------------------------------------------------------------------
 * Running jobs
 * ---------------------------------------------------------------------
 */

/*
 * Whether the index a CREATE INDEX CONCURRENTLY job builds is there and
 * valid (skip the build), there and invalid (drop it first: an interrupted
 * build leaves it so), or absent.
 */
static char
index_state(const char *schema, const char *index_name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char		state = 'a';

	begin_work("pgroll: checking an index");
	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(index_name);
	SPI_execute_with_args("SELECT i.indisvalid FROM pg_catalog.pg_index i "
						  "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						  "WHERE n.nspname = $1::name AND c.relname = $2::name",
						  2, argtypes, values, NULL, true, 1);
	if (SPI_processed == 1)
		state = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") == 0 ?
			'v' : 'i';
	end_work();
	return state;
}

/*
 * The index that ALTER TABLE ... ADD CONSTRAINT ... USING INDEX makes a
 * constraint of, or NULL for any other statement.
 */
static char *
constraint_index(const char *sql)
{
	List	   *trees = raw_parser(sql, RAW_PARSE_DEFAULT);
	AlterTableStmt *stmt;
	AlterTableCmd *cmd;

	if (list_length(trees) != 1 || !IsA(linitial_node(RawStmt, trees)->stmt, AlterTableStmt))
		return NULL;
	stmt = (AlterTableStmt *) linitial_node(RawStmt, trees)->stmt;
	if (list_length(stmt->cmds) != 1)
		return NULL;
	cmd = linitial(stmt->cmds);
	if (cmd->subtype != AT_AddConstraint || !IsA(cmd->def, Constraint))
		return NULL;
	return ((Constraint *) cmd->def)->indexname;
}

/*
 * Making a constraint of a built index takes an ACCESS EXCLUSIVE lock for
 * a moment: it runs in a transaction under pgroll's lock discipline (short
 * lock_timeout, retries), once (a worker that died after it is done skips
 * it).
 */
static void
run_index_constraint_job(WorkerJob *job, const char *index)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	begin_work("pgroll: making a constraint of an index");
	values[0] = CStringGetTextDatum(job->schema);
	values[1] = CStringGetTextDatum(index);
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_constraint c "
							  "JOIN pg_catalog.pg_class i ON i.oid = c.conindid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace "
							  "WHERE n.nspname = $1::name AND i.relname = $2::name",
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up index \"%s\"", index);
	if (SPI_processed == 0)
		pgroll_ddl(job->command);
	end_work();
}

static void
run_statement_job(WorkerJob *job)
{
	char	   *index = constraint_index(job->command);

	if (index != NULL)
	{
		run_index_constraint_job(job, index);
		return;
	}
	if (job->index_name != NULL)
	{
		char		state = index_state(job->schema, job->index_name);

		if (state == 'v')
			return;
		if (state == 'i')
			run_toplevel_statement(psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
											quote_qualified_identifier(job->schema,
																	   job->index_name)));
	}
	run_toplevel_statement(job->command);
}

/*
 * Run one job as its role.  An error is recorded as the job's failure and
 * the worker goes on with the next job.
 */
static void
run_job(WorkerJob *job)
{
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext oldcxt = MemoryContextSwitchTo(job_context);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	PG_TRY();
	{
		SetUserIdAndSecContext(job->roleid,
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		if (strcmp(job->kind, "backfill") == 0)
			backfill_run(job);
		else
		{
			/*
			 * Names in the statement were written (deparsed) with the
			 * schema's path at start; it commits inside, so the setting is
			 * the session's for the job's duration.
			 */
			SetConfigOption("search_path", pgroll_schema_search_path(job->schema),
							PGC_USERSET, PGC_S_SESSION);
			run_statement_job(job);
			SetConfigOption("search_path", PGROLL_PINNED_SEARCH_PATH,
							PGC_USERSET, PGC_S_SESSION);
		}
		SetUserIdAndSecContext(save_userid, save_sec_context);
		finish_job(job, NULL);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		CancelOutcome outcome;

		MemoryContextSwitchTo(job_context);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		SetUserIdAndSecContext(save_userid, save_sec_context);
		SetConfigOption("search_path", PGROLL_PINNED_SEARCH_PATH,
						PGC_USERSET, PGC_S_SESSION);
		debug_query_string = NULL;
		pgstat_report_activity(STATE_IDLE, NULL);
		outcome = edata->sqlerrcode == ERRCODE_QUERY_CANCELED ? after_cancel(job) :
			CANCEL_FAILS_JOB;
		if (outcome == CANCEL_RUN_AGAIN)
			elog(LOG, "pgroll job %lld (%s) was cancelled; it runs again",
				 (long long) job->id, job->description);
		else if (outcome == CANCEL_BY_ROLLBACK)
			elog(LOG, "pgroll job %lld (%s) was cancelled: its migration was rolled back",
				 (long long) job->id, job->description);
		else
		{
			ereport(WARNING,
					(errmsg("pgroll job %lld of migration \"%s\" in schema \"%s\" failed: %s: %s",
							(long long) job->id, job->migration, job->schema,
							job->description, edata->message),
					 errhint("pgroll.status(%s) shows it; roll the migration back with "
							 "pgroll.rollback(%s).", quote_literal_cstr(job->schema),
							 quote_literal_cstr(job->schema))));
			finish_job(job, edata->message);
		}
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
}

/* The worker that looks for schemas with unfinished work */
static void
start_schema_workers(void)
{
	List	   *schemas = NIL;
	ListCell   *lc;

	begin_work("pgroll: looking for unfinished work");
	SPI_execute("SELECT DISTINCT schema::text FROM pgroll.jobs "
				"WHERE state IN ('queued', 'running')", true, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(job_context);

		schemas = lappend(schemas, SPI_getvalue(SPI_tuptable->vals[i],
												SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}
	end_work();

	foreach(lc, schemas)
	{
		switch (worker_start(MyDatabaseId, lfirst(lc)))
		{
			case WORKER_STARTED:
				elog(LOG, "pgroll: resuming unfinished work in schema \"%s\"",
					 (char *) lfirst(lc));
				break;
			case WORKER_DEFERRED:
				elog(LOG, "pgroll: unfinished work in schema \"%s\" waits for a free worker slot",
					 (char *) lfirst(lc));
				break;
			case WORKER_NOT_STARTED:
				ereport(WARNING,
						(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
						 errmsg("could not start a pgroll worker for schema \"%s\"",
								(char *) lfirst(lc)),
						 errhint("Raise max_worker_processes.")));
				break;
		}
	}
}

static void
wake_launcher_at_exit(int code, Datum arg)
{
	slots_wake_launcher();
}

void
pgroll_worker_main(Datum main_arg)
{
	WorkerArgs	args;
	LOCKTAG		tag;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));

	/* restarted after a series of crash restarts: do not feed the series */
	if (slots_crash_restarts() >= PGROLL_MAX_CRASH_RESTARTS &&
		slots_crash_restarts() > args.crash_restarts)
	{
		ereport(LOG,
				(errmsg("pgroll worker for schema \"%s\" not started again after repeated crash restarts",
						args.schema),
				 errhint("CALL pgroll.wait() resumes the work by hand.")));
		proc_exit(0);
	}

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* restarted over and over without getting anything done: give up */
	if (args.schema[0] != '\0' &&
		slots_worker_starts(args.dboid, args.schema) > MAX_FAILED_STARTS)
	{
		slots_worker_gives_up(args.dboid, args.schema);
		ereport(WARNING,
				(errmsg("pgroll worker for schema \"%s\" of database %u gives up after %d "
						"failed starts in a row", args.schema, args.dboid, MAX_FAILED_STARTS),
				 errdetail("Each start failed before finishing a job (the server log says "
						   "why): the database was dropped or does not accept connections, "
						   "or something stops the worker's bookkeeping."),
				 errhint("Fix the cause, then CALL pgroll.wait() starts the worker again.")));
		proc_exit(0);
	}
	BackgroundWorkerInitializeConnectionByOid(args.dboid, InvalidOid, 0);
	/* this worker's slot frees up when it exits: a deferred launch may take it */
	before_shmem_exit(wake_launcher_at_exit, (Datum) 0);

	/*
	 * Settings of the database or role (ALTER DATABASE/ROLE ... SET) that
	 * would stop the worker's bookkeeping and its jobs: read-only
	 * transactions, another role, a statement timeout.
	 */
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("role", "none", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("statement_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("application_name", MyBgworkerEntry->bgw_name,
					PGC_USERSET, PGC_S_SESSION);
	/* the bookkeeping runs as superuser: no name may resolve to a user's object */
	SetConfigOption("search_path", PGROLL_PINNED_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION);

	/*
	 * Nothing the worker commits needs its own flush: a backfill batch and
	 * its cursor are lost together in a crash and redone, a lost "done" is
	 * found done again, and whatever a session does next with the result
	 * (complete, say) commits synchronously, which flushes the WAL before
	 * it.  So commits do not wait for the disk, one per batch.
	 */
	SetConfigOption("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION);

	job_context = AllocSetContextCreate(TopMemoryContext, "pgroll job",
										ALLOCSET_DEFAULT_SIZES);
	pgroll_fault_worker_startup();

	if (!pgroll_installed())
		proc_exit(0);

	if (args.schema[0] == '\0')
	{
		start_schema_workers();
		proc_exit(0);
	}

	/* one worker per schema; a second one has nothing to do */
	pgroll_name_locktag(&tag, PGROLL_LOCK_SCHEMA_WORKER, args.schema);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		proc_exit(0);

	for (;;)
	{
		WorkerJob  *job;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		MemoryContextReset(job_context);
		job = claim_next_job(args.schema);
		if (job == NULL)
		{
			slots_worker_progressed(args.dboid, args.schema);
			break;
		}
		if (job->worker_stops >= MAX_WORKER_STOPS)
		{
			char	   *error = psprintf("the worker stopped unexpectedly %d times while running %s",
										 job->worker_stops, job->description);

			ereport(WARNING,
					(errmsg("pgroll job %lld of migration \"%s\" failed: %s",
							(long long) job->id, job->migration, error),
					 errhint("Roll the migration back with pgroll.rollback(%s); "
							 "the server log tells why the worker stopped.",
							 quote_literal_cstr(job->schema))));
			finish_job(job, error);
			slots_worker_progressed(args.dboid, args.schema);
			continue;
		}
		/* a restored database need not have the role that queued the job */
		if (!OidIsValid(job->roleid))
		{
			char	   *error = psprintf("role \"%s\", which queued %s, does not exist",
										 job->role, job->description);

			ereport(WARNING,
					(errmsg("pgroll job %lld of migration \"%s\" failed: %s",
							(long long) job->id, job->migration, error),
					 errhint("Create the role, or roll the migration back with pgroll.rollback(%s).",
							 quote_literal_cstr(job->schema))));
			finish_job(job, error);
			slots_worker_progressed(args.dboid, args.schema);
			continue;
		}
		pgroll_fault_worker_point();
		run_job(job);
		slots_worker_progressed(args.dboid, args.schema);
	}
	proc_exit(0);
}

/* Databases a worker can connect to */
static List *
database_list(void)
{
	List	   *dboids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tuple = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);

		if (db->datallowconn && !db->datistemplate)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			dboids = lappend_oid(dboids, db->oid);
			MemoryContextSwitchTo(old);
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return dboids;
}

void
pgroll_launcher_main(Datum main_arg)
{
	ListCell   *lc;
	int			crash_restarts;
	TimestampTz stable_at;

	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	SetConfigOption("application_name", "pgroll launcher", PGC_USERSET, PGC_S_SESSION);
	pgstat_report_appname("pgroll launcher");
	slots_register_launcher();

	crash_restarts = slots_crash_restarts();
	if (crash_restarts >= PGROLL_MAX_CRASH_RESTARTS)
	{
		ereport(WARNING,
				(errmsg("pgroll launcher: the server restarted %d times in a row within a minute; "
						"unfinished pgroll work is not resumed", crash_restarts),
				 errdetail("A pgroll worker may be what crashes the server; the server log says."),
				 errhint("CALL pgroll.wait() in a database resumes its work by hand.")));
		goto idle;
	}

	/* resume unfinished work, one database at a time */
	foreach(lc, database_list())
	{
		BackgroundWorkerHandle *handle;
		BackgroundWorker worker;
		WorkerArgs	args;
		pid_t		pid;

		memset(&args, 0, sizeof(args));
		args.dboid = lfirst_oid(lc);
		args.crash_restarts = crash_restarts;
		fill_worker(&worker, PGROLL_WORKER_TYPE, "pgroll_worker_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "pgroll worker looking for work");
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		worker.bgw_notify_pid = MyProcPid;
		memcpy(worker.bgw_extra, &args, sizeof(args));

		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			ereport(WARNING,
					(errmsg("pgroll launcher could not start a worker"),
					 errhint("Raise max_worker_processes.")));
			continue;
		}
		if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_STARTED)
			(void) WaitForBackgroundWorkerShutdown(handle);
		HandleMainLoopInterrupts();
	}

idle:
	stable_at = GetCurrentTimestamp() + PGROLL_STABLE_MS * INT64CONST(1000);
	for (;;)
	{
		bool		waiting;
		long		timeout = -1;

		/* launches that found no free slot, retried until one is */
		waiting = slots_retry_deferred();
		if (waiting)
			timeout = PGROLL_DEFERRED_RETRY_MS;
		if (crash_restarts > 0)
		{
			long		until_stable = Max(0, (stable_at - GetCurrentTimestamp()) / 1000);

			timeout = timeout < 0 ? until_stable : Min(timeout, until_stable);
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH |
						 (timeout >= 0 ? WL_TIMEOUT : 0), timeout, PG_WAIT_EXTENSION);

		/* up a minute: the starts were no crash loop */
		if (crash_restarts > 0 && GetCurrentTimestamp() >= stable_at)
		{
			slots_crash_series_over();
			crash_restarts = 0;
		}
		ResetLatch(MyLatch);
		/* reload, shutdown, and the barriers DROP DATABASE waits for */
		HandleMainLoopInterrupts();
	}
}
