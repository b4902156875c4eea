/*-------------------------------------------------------------------------
 *
 * slots.h
 *	  Shared memory of the workers: launches waiting for a free background
 *	  worker slot, and the connection attempts of restarted workers.
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
 * A schema worker is about to connect to its database: count the attempt
 * and return how many there were in a row without a connection (the
 * postmaster restarts a worker that fails to connect, e.g. because its
 * database was dropped).  0 when not preloaded.
 */
extern int	slots_connect_attempt(Oid dboid, const char *schema);

/* The worker connected, or gives up: its attempts start again from zero */
extern void slots_reset_attempts(Oid dboid, const char *schema);

#endif							/* PGROLL_SLOTS_H */
