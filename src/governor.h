/*-------------------------------------------------------------------------
 *
 * governor.h
 *	  How fast a backfill goes: batches sized by time, waits while the job
 *	  is paused or a standby lags, and the VACUUM that keeps the table from
 *	  doubling.  Decided by the worker between batches.
 *
 * src/governor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_GOVERNOR_H
#define PGROLL_GOVERNOR_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "portability/instr_time.h"

#include "worker.h"

/* The pace of one backfill job */
typedef struct BackfillPace
{
	/* the job's settings (pgroll.jobs), read again before every batch */
	int			batch_size;		/* rows: the first batch's; every batch's
								 * when batch_time_ms is 0 */
	int			batch_time_ms;	/* what a batch should take; 0: fixed size */
	int			batch_delay_ms; /* pause after every batch */
	int			max_replica_lag_kb; /* -1: no limit */

	/* measured by the worker */
	int			batch_rows;		/* rows of the next batch */
	double		rate;			/* rows per second of the latest batches; 0:
								 * none measured yet */
	int64		rows_total;		/* estimate of the table's rows */
	int64		rows_done;		/* by this worker */
	int64		rows_since_vacuum;
	instr_time	batch_started;
	XLogRecPtr	wal_at_start;	/* WAL insert position when the batch began */
	int			wal_cap_rows;	/* most rows a batch may have for the lag
								 * limit; 0: none */
} BackfillPace;

/* Read the job's settings and size the first batch.  Outside any transaction. */
extern void governor_init(WorkerJob *job, BackfillPace *pace, int64 rows_total);

/*
 * Before a batch, outside any transaction: read the job's settings again,
 * and wait (holding no lock and no snapshot) while the job is paused or a
 * standby lags more than allowed; pgroll.jobs.throttled says why while it
 * waits.  Interruptible: a rollback cancels the wait.
 */
extern void governor_before_batch(WorkerJob *job, BackfillPace *pace);

/*
 * After a batch that asked for rows_asked rows (a whole one, not the walk's
 * last): size the next one from the time it took.
 */
extern void governor_after_batch(BackfillPace *pace, int rows_asked, uint64 rows_written,
								 bool whole_batch);

/*
 * Is a VACUUM of the table due: every so many rows rewritten, and once at
 * the end (last) of a backfill that rewrote many?
 */
extern bool governor_vacuum_due(BackfillPace *pace, bool last);

/*
 * Sleep the job's batch delay after a batch, reading its settings every
 * poll: a shorter delay, a pause or a cancel ends the sleep.
 */
extern void governor_delay(WorkerJob *job, BackfillPace *pace);

#endif							/* PGROLL_GOVERNOR_H */
