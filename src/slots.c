/*-------------------------------------------------------------------------
 *
 * slots.c
 *	  Shared memory of the workers: launches waiting for a free background
 *	  worker slot, the starts of workers that get nothing done, and the
 *	  server's crash restarts in a row.
 *
 * A session that queued work starts the schema's worker when it commits;
 * with every background worker slot taken (max_worker_processes) that
 * start fails.  The launch is then kept here, and the launcher retries it
 * every second and whenever a pgroll worker exits, until a slot is free,
 * so the work starts without anyone calling pgroll.wait().
 *
 * A schema worker that fails is started again by the postmaster.  If it
 * fails before it gets anything done, every restart would fail the same
 * way, forever: its database was dropped (DROP DATABASE ... WITH (FORCE)
 * terminates it, and no restart can connect), or a setting of the database
 * or role stops its bookkeeping.  So each start of a schema's worker is
 * counted here, the count goes back to zero when a worker of the schema
 * finishes a job or runs out of work, and after a few starts in a row
 * without that the worker gives up for good (the caller says so).
 * Whoever starts the worker by hand (CALL pgroll.wait(), complete) starts
 * the count afresh.
 *
 * The crash restarts of the server in a row are counted here too.  The
 * postmaster initializes shared memory again after each crash, before it
 * starts any process, so it counts them there (in its own memory, which a
 * crash restart keeps): no worker can start before the count of its cycle
 * is known.  A restart more than a minute after the previous one starts
 * the count afresh, as does a server start.
 *
 * src/slots.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "slots.h"
#include "worker.h"

#define MAX_ENTRIES		64

typedef struct SlotEntry
{
	Oid			dboid;			/* InvalidOid: the entry is free */
	char		schema[NAMEDATALEN];
	bool		deferred;		/* a launch waits for a slot */
	int			failed_starts;	/* starts in a row without progress */
	bool		gave_up;		/* a worker gave up after too many */
} SlotEntry;

typedef struct SlotsShared
{
	slock_t		mutex;
	int			launcher_procno;	/* -1: no launcher */
	int			ndeferred;
	int			crash_restarts; /* in a row, each within a minute */
	SlotEntry	entries[MAX_ENTRIES];
} SlotsShared;

#define CRASH_SERIES_GAP_MS		60000

static SlotsShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
slots_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(SlotsShared)));
}

/*
 * In the postmaster, at each initialization of shared memory: the crash
 * restarts in a row so far.  Its statics outlive the crash restarts.
 */
static int
count_crash_restarts(void)
{
	static bool initialized_before = false;
	static TimestampTz last_init = 0;
	static int	restarts = 0;
	TimestampTz now = GetCurrentTimestamp();

	if (!initialized_before ||
		TimestampDifferenceExceeds(last_init, now, CRASH_SERIES_GAP_MS))
		restarts = 0;
	else
		restarts++;
	initialized_before = true;
	last_init = now;
	return restarts;
}

static void
slots_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pgroll worker slots", sizeof(SlotsShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(SlotsShared));
		SpinLockInit(&shared->mutex);
		shared->launcher_procno = -1;
		if (!IsUnderPostmaster)
			shared->crash_restarts = count_crash_restarts();
	}
	LWLockRelease(AddinShmemInitLock);
}

void
slots_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = slots_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = slots_shmem_startup;
}

/* The entry of (dboid, schema), made if create; NULL if none.  Under mutex. */
static SlotEntry *
find_entry(Oid dboid, const char *schema, bool create)
{
	SlotEntry  *free_entry = NULL;

	for (int i = 0; i < MAX_ENTRIES; i++)
	{
		SlotEntry  *e = &shared->entries[i];

		if (e->dboid == dboid && strcmp(e->schema, schema) == 0)
			return e;
		if (e->dboid == InvalidOid && free_entry == NULL)
			free_entry = e;
	}
	if (!create || free_entry == NULL)
		return NULL;
	free_entry->dboid = dboid;
	strlcpy(free_entry->schema, schema, NAMEDATALEN);
	free_entry->deferred = false;
	free_entry->failed_starts = 0;
	free_entry->gave_up = false;
	return free_entry;
}

/* Free an entry that holds nothing any more.  Under mutex. */
static void
release_if_unused(SlotEntry *e)
{
	if (!e->deferred && e->failed_starts == 0 && !e->gave_up)
		e->dboid = InvalidOid;
}

static void
wake_launcher_locked(void)
{
	if (shared->launcher_procno >= 0)
		SetLatch(&ProcGlobal->allProcs[shared->launcher_procno].procLatch);
}

bool
slots_defer_launch(Oid dboid, const char *schema)
{
	SlotEntry  *e;

	if (shared == NULL)
		return false;
	SpinLockAcquire(&shared->mutex);
	e = find_entry(dboid, schema, true);
	if (e != NULL && !e->deferred)
	{
		e->deferred = true;
		shared->ndeferred++;
	}
	if (e != NULL)
		wake_launcher_locked();
	SpinLockRelease(&shared->mutex);
	return e != NULL;
}

bool
slots_launch_deferred(Oid dboid, const char *schema)
{
	SlotEntry  *e;
	bool		deferred;

	if (shared == NULL)
		return false;
	SpinLockAcquire(&shared->mutex);
	e = find_entry(dboid, schema, false);
	deferred = e != NULL && e->deferred;
	SpinLockRelease(&shared->mutex);
	return deferred;
}

/* Does the database still exist?  (The launcher has no database.) */
static bool
database_exists(Oid dboid)
{
	bool		exists;

	StartTransactionCommand();
	exists = SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(dboid));
	CommitTransactionCommand();
	return exists;
}

bool
slots_retry_deferred(void)
{
	SlotEntry	pending[MAX_ENTRIES];
	int			n = 0;
	bool		waiting = false;

	if (shared == NULL)
		return false;

	/* copied out: launching takes far longer than a spinlock may be held */
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < MAX_ENTRIES; i++)
	{
		if (shared->entries[i].dboid != InvalidOid && shared->entries[i].deferred)
			pending[n++] = shared->entries[i];
	}
	SpinLockRelease(&shared->mutex);

	for (int i = 0; i < n; i++)
	{
		bool		gone = !database_exists(pending[i].dboid);
		bool		started = !gone && worker_launch(pending[i].dboid, pending[i].schema);
		SlotEntry  *e;

		if (started)
			elog(LOG, "pgroll launcher: started the deferred worker for schema \"%s\"",
				 pending[i].schema);
		SpinLockAcquire(&shared->mutex);
		e = find_entry(pending[i].dboid, pending[i].schema, false);
		if (e != NULL && e->deferred && (started || gone))
		{
			e->deferred = false;
			shared->ndeferred--;
			release_if_unused(e);
		}
		waiting |= e != NULL && e->deferred;
		SpinLockRelease(&shared->mutex);
	}
	return waiting;
}

static void
launcher_gone(int code, Datum arg)
{
	SpinLockAcquire(&shared->mutex);
	if (shared->launcher_procno == MyProc->pgprocno)
		shared->launcher_procno = -1;
	SpinLockRelease(&shared->mutex);
}

void
slots_register_launcher(void)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->launcher_procno = MyProc->pgprocno;
	SpinLockRelease(&shared->mutex);
	on_shmem_exit(launcher_gone, (Datum) 0);
}

void
slots_wake_launcher(void)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	if (shared->ndeferred > 0)
		wake_launcher_locked();
	SpinLockRelease(&shared->mutex);
}

int
slots_worker_starts(Oid dboid, const char *schema)
{
	SlotEntry  *e;
	int			starts = 0;

	if (shared == NULL)
		return 0;
	SpinLockAcquire(&shared->mutex);
	e = find_entry(dboid, schema, true);
	if (e != NULL)
		starts = ++e->failed_starts;
	SpinLockRelease(&shared->mutex);
	return starts;
}

/* Set the schema's count, and whether its worker gave up */
static void
set_failed_starts(Oid dboid, const char *schema, int failed_starts, bool gave_up)
{
	SlotEntry  *e;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	e = find_entry(dboid, schema, gave_up);
	if (e != NULL)
	{
		e->failed_starts = failed_starts;
		e->gave_up = gave_up;
		release_if_unused(e);
	}
	SpinLockRelease(&shared->mutex);
}

void
slots_worker_progressed(Oid dboid, const char *schema)
{
	set_failed_starts(dboid, schema, 0, false);
}

void
slots_worker_gives_up(Oid dboid, const char *schema)
{
	set_failed_starts(dboid, schema, 0, true);
}

bool
slots_worker_gave_up(Oid dboid, const char *schema)
{
	SlotEntry  *e;
	bool		gave_up;

	if (shared == NULL)
		return false;
	SpinLockAcquire(&shared->mutex);
	e = find_entry(dboid, schema, false);
	gave_up = e != NULL && e->gave_up;
	SpinLockRelease(&shared->mutex);
	return gave_up;
}

int
slots_crash_restarts(void)
{
	int			n;

	if (shared == NULL)
		return 0;
	SpinLockAcquire(&shared->mutex);
	n = shared->crash_restarts;
	SpinLockRelease(&shared->mutex);
	return n;
}

void
slots_crash_series_over(void)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->crash_restarts = 0;
	SpinLockRelease(&shared->mutex);
}
