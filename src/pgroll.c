/*-------------------------------------------------------------------------
 *
 * pgroll.c
 *	  Module entry: settings (pgroll.*), hooks and the launcher's
 *	  registration.
 *
 * src/pgroll.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "faults.h"
#include "jobs.h"
#include "retired.h"
#include "slots.h"
#include "worker.h"
#include "writer.h"

PG_MODULE_MAGIC;

int			pgroll_lock_timeout_ms = 500;
int			pgroll_lock_retry_max_ms = 60000;
int			pgroll_backfill_batch_size = 1000;
int			pgroll_backfill_batch_delay_ms = 0;
int			pgroll_backfill_batch_time_ms = PGROLL_DEFAULT_BATCH_TIME_MS;
int			pgroll_backfill_max_replica_lag_kb = PGROLL_DEFAULT_MAX_REPLICA_LAG_KB;
char	   *pgroll_version_setting = NULL;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("pgroll.lock_timeout",
							"Lock timeout for each DDL statement a migration runs.",
							"A statement that cannot get its lock in this time is "
							"rolled back and retried with backoff, so a migration "
							"never queues in front of the application's queries.",
							&pgroll_lock_timeout_ms,
							500, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pgroll.lock_retry_timeout",
							"Total time a DDL statement keeps retrying for its lock.",
							"After this, the statement fails with lock_not_available.",
							&pgroll_lock_retry_max_ms,
							60000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pgroll.backfill_batch_size",
							"Rows per backfill batch (one transaction each).",
							"The size of the first batch; every batch's when "
							"pgroll.backfill_batch_time is 0.",
							&pgroll_backfill_batch_size,
							1000, 1, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pgroll.backfill_batch_delay",
							"Pause between backfill batches.",
							NULL,
							&pgroll_backfill_batch_delay_ms,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pgroll.backfill_batch_time",
							"Time one backfill batch should take; 0 keeps pgroll.backfill_batch_size.",
							"The worker sizes each batch from the previous ones so "
							"that it takes about this long.  It bounds how long an "
							"application write can wait for a row a batch locked.",
							&pgroll_backfill_batch_time_ms,
							PGROLL_DEFAULT_BATCH_TIME_MS, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("pgroll.backfill_max_replica_lag",
							"WAL a streaming standby may have left to replay before the backfill waits; -1: no limit.",
							"Measured from the current WAL position to each connected "
							"physical standby's replay position.",
							&pgroll_backfill_max_replica_lag_kb,
							PGROLL_DEFAULT_MAX_REPLICA_LAG_KB, -1, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomStringVariable("pgroll.version",
							   "Schema version this session writes as.",
							   "A version schema name (e.g. public_02_add_rating) or a "
							   "version name; it must be a live version of the table's "
							   "schema.  A write through a version's view is that "
							   "version's whatever this says; when empty, the first "
							   "schema on search_path that is the base schema or one "
							   "of its versions decides.",
							   &pgroll_version_setting,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	faults_define_setting();

	MarkGUCPrefixReserved("pgroll");

	jobs_init();
	writer_init();
	retired_init();

	/* resuming work after a restart needs the launcher, so preloading */
	if (process_shared_preload_libraries_in_progress)
	{
		slots_init();
		worker_register_launcher();
	}
}
