/*-------------------------------------------------------------------------
 *
 * locks.h
 *	  pgroll's own heavyweight locks on names, in a key space of their own.
 *
 * pg_advisory_lock(bigint) and pg_advisory_lock(int, int) tag their locks
 * with field4 = 1 and 2; pgroll's use another value, which no SQL function
 * can produce, so an application's advisory locks never collide with them.
 *
 * src/locks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_LOCKS_H
#define PGROLL_LOCKS_H

#include "postgres.h"

#include "storage/lock.h"

/* What a pgroll lock is about */
typedef enum PgrollLockKind
{
	PGROLL_LOCK_SCHEMA_WORKER = 1,	/* the worker of a schema */
	PGROLL_LOCK_VERSION_SCHEMA = 2	/* a version schema's name */
} PgrollLockKind;

/* The tag of pgroll's lock of this kind on a name in this database */
extern void pgroll_name_locktag(LOCKTAG *tag, PgrollLockKind kind, const char *name);

/* Take the lock on a name until the end of the transaction */
extern void pgroll_lock_name_xact(PgrollLockKind kind, const char *name);

#endif							/* PGROLL_LOCKS_H */
