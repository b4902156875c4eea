/*-------------------------------------------------------------------------
 *
 * backfill.h
 *	  The batched backfill: existing rows get their new columns computed.
 *
 * src/backfill.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_BACKFILL_H
#define PGROLL_BACKFILL_H

#include "worker.h"

/*
 * Run a backfill job to its end (in the worker, outside any transaction,
 * with the job's role as the current user).  Resumes from the job's saved
 * cursor.
 */
extern void backfill_run(WorkerJob *job);

/*
 * At start, as the role that will run the job: build and prepare the
 * batch statement the worker will run on the table, so that a statement
 * the worker could not run is start's error, not the worker's.
 */
extern void backfill_check(Oid relid, const char *schema);

/*
 * The first table of the schema (quoted, qualified) with a row still
 * marked for the backfill, whatever row-level security says; NULL if none.
 */
extern char *backfill_unfinished_table(Oid nspid);

#endif							/* PGROLL_BACKFILL_H */
