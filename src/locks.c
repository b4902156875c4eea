/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  pgroll's own heavyweight locks on names.
 *
 * src/locks.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lmgr.h"

#include "locks.h"

/* field4 of every pgroll lock tag: "pr"; SQL's advisory locks use 1 and 2 */
#define PGROLL_LOCKTAG_SPACE	0x7072

void
pgroll_name_locktag(LOCKTAG *tag, PgrollLockKind kind, const char *name)
{
	uint32		hash = DatumGetUInt32(hash_any((const unsigned char *) name,
											   strlen(name)));

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) kind, hash, PGROLL_LOCKTAG_SPACE);
}

void
pgroll_lock_name_xact(PgrollLockKind kind, const char *name)
{
	LOCKTAG		tag;

	pgroll_name_locktag(&tag, kind, name);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}
