/*-------------------------------------------------------------------------
 *
 * slots.h
 *	  Shared memory of the workers: launches waiting for a free background
 *	  worker slot, the starts of workers that get nothing done, and the
 *	  server's crash restarts in a row.
 *
 * Only when pgroll is preloaded (shared_preload_libraries); without it
 * every function here reports that it has nothing (false, 0).
 *
 * src/slots.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_SLOTS_H
#define PGROLL_SLOTS_H

#include "postgres.h"

/* Install the shared memory hooks; from _PG_init while preloading */
extern void slots_init(void);

/*
 * Remember a worker launch that found no free slot, for the launcher to
 * retry, and wake it.  false if it cannot be remembered (not preloaded,
 * or the table is full).
 */
extern bool slots_defer_launch(Oid dboid, const char *schema);

/* Is a launch of the schema's worker waiting for a slot? */
extern bool slots_launch_deferred(Oid dboid, const char *schema);

/*
 * Launcher: try every deferred launch once (worker_launch); a launch for a
 * database that no longer exists is forgotten.  Returns whether launches
 * are still waiting.
 */
extern bool slots_retry_deferred(void);

/* Launcher: be the process slots_wake_launcher() wakes */
extern void slots_register_launcher(void);

/* Wake the launcher if launches wait (a worker exits: a slot frees up) */
extern void slots_wake_launcher(void);

/*
 * A schema worker starts: count it and return how many starts there were
 * in a row without progress, this one included (0 when not preloaded).
 */
extern int	slots_worker_starts(Oid dboid, const char *schema);

/*
 * A worker of the schema finished a job or ran out of work; or someone
 * starts it by hand: the count starts again from zero.
 */
extern void slots_worker_progressed(Oid dboid, const char *schema);

/* The worker gives up after too many starts without progress */
extern void slots_worker_gives_up(Oid dboid, const char *schema);

/* Did the schema's worker give up (and nobody started it since)? */
extern bool slots_worker_gave_up(Oid dboid, const char *schema);

/*
 * Crash restarts of the server in a row, each within a minute of the
 * previous one (0 after a server start, and when not preloaded).
 */
extern int	slots_crash_restarts(void);

/* Launcher: the server was up long enough; the series is over */
extern void slots_crash_series_over(void);

#endif							/* PGROLL_SLOTS_H */
