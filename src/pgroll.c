/*-------------------------------------------------------------------------
 *
 * pgroll.c
 *	  Module entry: settings (pgroll.*), the launcher's registration and
 *	  shared helpers.
 *
 * src/pgroll.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "jobs.h"
#include "worker.h"

PG_MODULE_MAGIC;

int			pgroll_lock_timeout_ms = 500;
int			pgroll_lock_retry_max_ms = 60000;
int			pgroll_backfill_batch_size = 1000;
int			pgroll_backfill_batch_delay_ms = 0;
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
							NULL,
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

	DefineCustomStringVariable("pgroll.version",
							   "Schema version this session writes as.",
							   "A version schema name (e.g. public_02_add_rating). "
							   "When empty, the first version schema on search_path "
							   "decides.",
							   &pgroll_version_setting,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("pgroll");

	jobs_init();

	/* resuming work after a restart needs the launcher, so preloading */
	if (process_shared_preload_libraries_in_progress)
		worker_register_launcher();
}

bool
pgroll_is_internal_name(const char *name)
{
	return strncmp(name, PGROLL_PREFIX, strlen(PGROLL_PREFIX)) == 0;
}

void
pgroll_check_identifier(const char *name, const char *what)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" is too long", what, name),
				 errdetail("Identifiers are limited to %d bytes.",
						   NAMEDATALEN - 1)));
}

int
pgroll_push_search_path(const char *search_path)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", search_path, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

char *
pgroll_schema_search_path(const char *schema)
{
	/* pg_temp last: a temporary object must not shadow the schema's */
	return psprintf("%s, pg_temp", quote_identifier(schema));
}
