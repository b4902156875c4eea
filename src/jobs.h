/*-------------------------------------------------------------------------
 *
 * jobs.h
 *	  pgroll.jobs: work queued by start, complete and rollback for the
 *	  background worker, which runs it after the caller commits.
 *
 * src/jobs.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_JOBS_H
#define PGROLL_JOBS_H

#include "postgres.h"

/*
 * Queue a statement to run at top level (CREATE/DROP INDEX CONCURRENTLY,
 * VALIDATE CONSTRAINT).  With index_name set (CREATE INDEX CONCURRENTLY),
 * a retry first drops an invalid leftover of that index and skips the
 * build if a valid index is already there.
 */
extern void jobs_enqueue_statement(const char *schema, const char *migration,
								   const char *phase, const char *description,
								   const char *command, const char *index_name);

/* Queue a batched backfill of a table */
extern void jobs_enqueue_backfill(const char *schema, const char *migration,
								  const char *description, Oid relid);

/*
 * Cancel the migration's unfinished jobs (rollback) and interrupt a worker
 * that is running one of them.
 */
extern void jobs_cancel(const char *schema, const char *migration);

/*
 * The first unfinished or failed job of the migration's start phase, as a
 * message for complete's refusal (*failed, *paused: what stops it); NULL
 * when all is done.
 */
extern char *jobs_blocking_complete(const char *schema, const char *migration,
									bool *failed, bool *paused);

/* Start a worker for the schema when the current transaction commits */
extern void jobs_launch_at_commit(const char *schema);

/* Register the transaction callback (from _PG_init) */
extern void jobs_init(void);

#endif							/* PGROLL_JOBS_H */
