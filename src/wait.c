/*-------------------------------------------------------------------------
 *
 * wait.c
 *	  CALL pgroll.wait(schema, timeout): return when the schema's queued
 *	  work is done.
 *
 * A concurrent index build waits for every transaction holding an older
 * snapshot, so a session that waited for the worker inside one transaction
 * would wait for itself.  pgroll.wait is therefore a procedure that commits
 * after every poll (it must be CALLed outside a transaction block).
 *
 * src/wait.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xlog.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "slots.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(pgroll_wait);

#define POLL_MS 100

typedef struct WorkState
{
	int64		pending;		/* queued or running jobs */
	bool		paused;			/* a backfill of them is paused (pgroll.pause) */
	char	   *failure;		/* a failed step that is the schema's business */
} WorkState;

/* Read the schema's queue; strings are copied into "into" to outlive SPI_commit */
static WorkState
read_work_state(const char *schema, MemoryContext into)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(schema)};
	WorkState	ws = {0};
	bool		isnull;
	char	   *state;

	/*
	 * A failure counts while it is the schema's current business: a step of
	 * the active migration, or a complete/rollback step queued after the
	 * last migration started.
	 */
	SPI_execute_with_args("SELECT (SELECT count(*) FROM pgroll.jobs "
						  "        WHERE schema = $1::name AND state IN ('queued', 'running')), "
						  "       EXISTS (SELECT 1 FROM pgroll.jobs WHERE schema = $1::name "
						  "               AND state IN ('queued', 'running') AND paused_at IS NOT NULL), "
						  "       f.state, f.description || ': ' || coalesce(f.error, '') "
						  "FROM (SELECT 1) d LEFT JOIN LATERAL "
						  "  (SELECT j.state, j.description, j.error FROM pgroll.jobs j "
						  "   WHERE j.schema = $1::name AND j.state = 'failed' "
						  "     AND ((j.migration, true) = (SELECT m.name, j.created_at >= m.created_at "
						  "                                 FROM pgroll.migrations m "
						  "                                 WHERE m.schema = $1::name AND NOT m.done) "
						  "          OR (j.phase <> 'start' AND j.created_at >= "
						  "              coalesce((SELECT max(m.created_at) FROM pgroll.migrations m "
						  "                        WHERE m.schema = $1::name), '-infinity'))) "
						  "   ORDER BY j.id DESC LIMIT 1) f ON true",
						  1, argtypes, values, NULL, false, 1);
	ws.pending = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
	ws.paused = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2, &isnull));
	state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	if (state != NULL && strcmp(state, "failed") == 0)
		ws.failure = MemoryContextStrdup(into,
										 SPI_getvalue(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 4));
	return ws;
}

Datum
pgroll_wait(PG_FUNCTION_ARGS)
{
	char	   *schema;
	Interval   *timeout;
	TimestampTz deadline;
	bool		nonatomic;
	MemoryContext outer;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot wait for pgroll work on a standby"),
				 errdetail("The work runs on the primary; its progress reaches the standby "
						   "with the WAL."),
				 errhint("Call pgroll.wait() on the primary, or read pgroll.status() here.")));
	nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("pgroll.wait() must be called with CALL outside a transaction block"),
				 errdetail("It commits while it waits, so that it never holds the "
						   "snapshot a concurrent index build waits for.")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema and timeout must not be null")));

	schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	timeout = PG_GETARG_INTERVAL_P(1);
	deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													   TimestampTzGetDatum(GetCurrentTimestamp()),
													   IntervalPGetDatum(timeout)));

	outer = CurrentMemoryContext;
	SPI_connect_ext(SPI_OPT_NONATOMIC);
	for (;;)
	{
		WorkState	ws = read_work_state(schema, outer);
		bool		stalled = ws.pending > 0 && !worker_is_running(schema);

		SPI_commit();

		if (ws.pending == 0)
		{
			if (ws.failure != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("pgroll work in schema \"%s\" failed", schema),
						 errdetail("%s", ws.failure),
						 errhint("Fix the cause and roll the migration back with pgroll.rollback().")));
			break;
		}
		/* nobody else will resume it: waiting would only time out */
		if (ws.paused)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the backfill in schema \"%s\" is paused", schema),
					 errhint("SELECT pgroll.resume(%s) goes on.", quote_literal_cstr(schema))));

		/* a worker that could not be started at commit, or was lost */
		if (stalled)
			(void) worker_start(MyDatabaseId, schema);

		if (GetCurrentTimestamp() >= deadline)
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("timed out waiting for pgroll work in schema \"%s\"", schema),
					 errdetail("%lld job(s) still unfinished.", (long long) ws.pending),
					 errhint("See pgroll.status() and pgroll.jobs.")));

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(pgroll_worker_problem);

/*
 * pgroll.worker_problem(schema text) returns text: why the schema's queued
 * work does not run, as far as pgroll knows, or NULL.
 */
Datum
pgroll_worker_problem(PG_FUNCTION_ARGS)
{
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (slots_launch_deferred(MyDatabaseId, schema))
		PG_RETURN_TEXT_P(cstring_to_text("waiting for a free background worker slot "
										 "(max_worker_processes)"));
	if (slots_worker_gave_up(MyDatabaseId, schema))
		PG_RETURN_TEXT_P(cstring_to_text("the worker gave up after repeated failed starts "
										 "(the server log says why); CALL pgroll.wait() "
										 "starts it again"));
	PG_RETURN_NULL();
}
