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

/* Name of the column marking rows that still need the backfill */
#define PGROLL_BACKFILL_MARKER "_pgroll_needs_backfill"

/*
 * Run a backfill job to its end (in the worker, outside any transaction,
 * with the job's role as the current user).  Resumes from the job's saved
 * cursor.
 */
extern void backfill_run(WorkerJob *job);

#endif							/* PGROLL_BACKFILL_H */
