/*-------------------------------------------------------------------------
 *
 * governor.c
 *	  How fast a backfill goes, decided by the worker between batches.
 *
 * Batches are sized by time: each batch's row count is the previous one's
 * scaled by pgroll.backfill_batch_time over the time it took (at most
 * halved or doubled at a step, within MIN_BATCH_ROWS..MAX_BATCH_ROWS), so a
 * batch holds its row locks about that long whatever the rows cost.  With
 * the time setting 0 every batch has pgroll.backfill_batch_size rows.
 *
 * Before every batch the worker reads the job's settings again (so
 * pgroll.tune_backfill() reaches a running backfill) and waits, between
 * transactions, holding no lock, while the job is paused (pgroll.pause())
 * or a connected physical standby has more WAL left to replay than
 * pgroll.backfill_max_replica_lag.  Every signal is a local read: the
 * job's row and pg_stat_replication.  pgroll.jobs.throttled says why it
 * waits, written when a wait starts and cleared when it ends (not at every
 * poll: writing would itself make WAL for the standby to replay).
 *
 * A backfill written in waves (backfill.c) writes most rows HOT; where it
 * cannot be, every row moves and leaves a dead version and an index entry
 * behind.  So there, every VACUUM_EVERY_FRACTION of the table the worker
 * runs a plain VACUUM of it (backfill.c): that space is free again for the
 * batches that follow.
 *
 * src/governor.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "governor.h"

#define MIN_BATCH_ROWS			10
#define MAX_BATCH_ROWS			100000
#define THROTTLE_POLL_MS		200
/* VACUUM after this share of the table's rows, and not more often than
 * every MIN_VACUUM_ROWS rows */
#define VACUUM_EVERY_FRACTION	0.25
#define MIN_VACUUM_ROWS			20000

/* What the job's row says before a batch */
typedef struct JobSignals
{
	bool		running;		/* still the worker's: not cancelled or failed */
	char	   *wait_reason;	/* why not to run a batch now; NULL: go */
} JobSignals;

/*
 * A short transaction of the worker's own, as its session user: the job's
 * role may not read pgroll.jobs' updates or pg_stat_replication's
 * positions, nor write pgroll.jobs.
 */
typedef struct SessionWork
{
	MemoryContext caller;
	Oid			save_userid;
	int			save_sec;
} SessionWork;

static void
session_work_begin(SessionWork *work)
{
	work->caller = CurrentMemoryContext;
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	GetUserIdAndSecContext(&work->save_userid, &work->save_sec);
	SetUserIdAndSecContext(GetSessionUserId(), work->save_sec);
}

static void
session_work_end(SessionWork *work)
{
	SetUserIdAndSecContext(work->save_userid, work->save_sec);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(work->caller);
}

/* Read the job's settings into pace and whether to wait */
static JobSignals
read_job_signals(WorkerJob *job, BackfillPace *pace, MemoryContext into)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(job->id)};
	JobSignals	signals = {false, NULL};
	SessionWork work;
	bool		isnull;
	HeapTuple	tuple;
	TupleDesc	tupdesc;
	Datum		d;

	session_work_begin(&work);

	if (SPI_execute_with_args("SELECT j.batch_size, j.batch_time, j.batch_delay, "
							  "       j.max_replica_lag, j.state = 'running', "
							  "       CASE WHEN j.paused_at IS NOT NULL "
							  "            THEN 'paused by pgroll.pause() at ' || j.paused_at "
							  "       ELSE (SELECT pg_catalog.format("
							  "                'standby %s has %s of WAL left to replay "
							  "(pgroll.backfill_max_replica_lag: %s)', "
							  "                coalesce(pg_catalog.quote_ident(nullif(r.application_name, '')), "
							  "                         'with pid ' || r.pid), "
							  "                pg_catalog.pg_size_pretty(r.lag), "
							  "                pg_catalog.pg_size_pretty(j.max_replica_lag * 1024::pg_catalog.int8)) "
							  "             FROM (SELECT r.pid, r.application_name, "
							  "                          pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), "
							  "                                                     r.replay_lsn) AS lag "
							  "                   FROM pg_catalog.pg_stat_replication r "
							  "                   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots s "
							  "                                     WHERE s.active_pid = r.pid "
							  "                                       AND s.slot_type = 'logical')) r "
							  "             WHERE j.max_replica_lag >= 0 "
							  "               AND r.lag > j.max_replica_lag * 1024::pg_catalog.numeric "
							  "             ORDER BY r.lag DESC LIMIT 1) "
							  "       END "
							  "FROM pgroll.jobs j WHERE j.id = $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "backfill job %lld not found", (long long) job->id);

	tuple = SPI_tuptable->vals[0];
	tupdesc = SPI_tuptable->tupdesc;
	d = SPI_getbinval(tuple, tupdesc, 1, &isnull);
	pace->batch_size = isnull ? pgroll_backfill_batch_size : DatumGetInt32(d);
	d = SPI_getbinval(tuple, tupdesc, 2, &isnull);
	pace->batch_time_ms = isnull ? 0 : DatumGetInt32(d);
	d = SPI_getbinval(tuple, tupdesc, 3, &isnull);
	pace->batch_delay_ms = isnull ? 0 : DatumGetInt32(d);
	d = SPI_getbinval(tuple, tupdesc, 4, &isnull);
	pace->max_replica_lag_kb = isnull ? -1 : DatumGetInt32(d);
	d = SPI_getbinval(tuple, tupdesc, 5, &isnull);
	signals.running = !isnull && DatumGetBool(d);
	d = SPI_getbinval(tuple, tupdesc, 6, &isnull);
	if (!isnull)
		signals.wait_reason = MemoryContextStrdup(into, TextDatumGetCString(d));

	session_work_end(&work);
	return signals;
}

/* pgroll.jobs.throttled := reason (NULL: the wait is over) */
static void
record_wait(WorkerJob *job, const char *reason)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(job->id), reason ? CStringGetTextDatum(reason) : (Datum) 0};
	char		nulls[2] = {' ', reason ? ' ' : 'n'};
	SessionWork work;

	session_work_begin(&work);
	if (SPI_execute_with_args("UPDATE pgroll.jobs SET throttled = $2, updated_at = pg_catalog.now() "
							  "WHERE id = $1", 2, argtypes, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record why backfill job %lld waits", (long long) job->id);
	session_work_end(&work);
	pgstat_report_activity(STATE_IDLE, NULL);
}

static int
clamp_rows(double rows)
{
	if (rows < MIN_BATCH_ROWS)
		return MIN_BATCH_ROWS;
	if (rows > MAX_BATCH_ROWS)
		return MAX_BATCH_ROWS;
	return (int) rows;
}

void
governor_init(WorkerJob *job, BackfillPace *pace, int64 rows_total)
{
	memset(pace, 0, sizeof(BackfillPace));
	pace->rows_total = rows_total;
	(void) read_job_signals(job, pace, CurrentMemoryContext);
	pace->batch_rows = clamp_rows(pace->batch_size);
	if (pace->batch_time_ms == 0)
		pace->batch_rows = pace->batch_size;
}

void
governor_before_batch(WorkerJob *job, BackfillPace *pace)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "pgroll backfill wait",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	bool		waited = false;
	char		recorded_kind = '\0';

	for (;;)
	{
		JobSignals	signals = read_job_signals(job, pace, cxt);

		/* cancelled without the signal reaching us (or failed meanwhile) */
		if (!signals.running)
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("backfill job %lld is no longer running", (long long) job->id)));
		if (signals.wait_reason == NULL)
			break;
		/* written when a wait starts, and when its reason changes kind */
		if (signals.wait_reason[0] != recorded_kind)
		{
			record_wait(job, signals.wait_reason);
			elog(LOG, "pgroll %s waits: %s", job->description, signals.wait_reason);
			recorded_kind = signals.wait_reason[0];
			waited = true;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 THROTTLE_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(cxt);
	}
	if (waited)
	{
		record_wait(job, NULL);
		elog(LOG, "pgroll %s goes on", job->description);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	/* a retuned job: a fixed size applies at once, a time from the next measure */
	if (pace->batch_time_ms == 0)
		pace->batch_rows = pace->batch_size;
	if (pace->max_replica_lag_kb < 0)
		pace->wal_cap_rows = 0;
	if (pace->wal_cap_rows > 0)
		pace->batch_rows = Min(pace->batch_rows, pace->wal_cap_rows);
	INSTR_TIME_SET_CURRENT(pace->batch_started);
	pace->wal_at_start = GetXLogInsertRecPtr();
}

void
governor_after_batch(BackfillPace *pace, int rows_asked, uint64 rows_written, bool whole_batch)
{
	instr_time	elapsed;
	double		elapsed_ms;

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, pace->batch_started);
	elapsed_ms = Max(INSTR_TIME_GET_MILLISEC(elapsed), 0.01);

	pace->rows_since_vacuum += rows_written;
	pace->rows_done += rows_written;
	if (rows_written > 0)
	{
		/* the delay after the batch is part of the pace a user waits on */
		double		rate = rows_written * 1000.0 / (elapsed_ms + pace->batch_delay_ms);

		pace->rate = pace->rate == 0 ? rate : 0.7 * pace->rate + 0.3 * rate;
	}

	if (pace->batch_time_ms == 0)
		pace->batch_rows = pace->batch_size;
	else if (whole_batch)
	{
		double		ideal = rows_asked * (pace->batch_time_ms / elapsed_ms);

		ideal = Max(ideal, rows_asked / 2.0);
		ideal = Min(ideal, rows_asked * 2.0);
		pace->batch_rows = clamp_rows(ideal);
	}

	/*
	 * The lag is read between batches: a batch writes at most a quarter of
	 * the limit in WAL (as the latest batch wrote per row), so a standby
	 * never falls much further behind than the limit.
	 */
	if (pace->max_replica_lag_kb >= 0 && rows_written > 0)
	{
		double		wal_per_row = (double) (GetXLogInsertRecPtr() - pace->wal_at_start) /
			rows_written;
		double		rows_in_quarter = pace->max_replica_lag_kb * 1024.0 / 4 / Max(wal_per_row, 1);

		pace->wal_cap_rows = clamp_rows(rows_in_quarter);
	}
	else if (pace->max_replica_lag_kb < 0)
		pace->wal_cap_rows = 0;
	if (pace->wal_cap_rows > 0)
		pace->batch_rows = Min(pace->batch_rows, pace->wal_cap_rows);
}

bool
governor_vacuum_due(BackfillPace *pace, bool last)
{
	double		every = Max(MIN_VACUUM_ROWS, pace->rows_total * VACUUM_EVERY_FRACTION);

	/* the last one too, unless the table is too small to matter */
	if (last ? (pace->rows_since_vacuum == 0 || pace->rows_done < MIN_VACUUM_ROWS)
		: pace->rows_since_vacuum < every)
		return false;
	pace->rows_since_vacuum = 0;
	return true;
}

void
governor_delay(WorkerJob *job, BackfillPace *pace)
{
	instr_time	start;

	INSTR_TIME_SET_CURRENT(start);
	for (;;)
	{
		instr_time	now;
		double		waited_ms;
		JobSignals	signals;

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		waited_ms = INSTR_TIME_GET_MILLISEC(now);
		if (waited_ms >= pace->batch_delay_ms)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(THROTTLE_POLL_MS, pace->batch_delay_ms - (long) waited_ms),
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();

		/*
		 * A long delay is no trap: a new delay, a pause or a cancel is
		 * seen within a poll (a pause waits in governor_before_batch).
		 */
		signals = read_job_signals(job, pace, CurrentMemoryContext);
		if (!signals.running || signals.wait_reason != NULL)
			break;
	}
	CHECK_FOR_INTERRUPTS();
}
