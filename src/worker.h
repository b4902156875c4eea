/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The background workers: a launcher started with the server, and one
 *	  worker per schema with queued work.
 *
 * src/worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_WORKER_H
#define PGROLL_WORKER_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* A job as the worker runs it (pgroll.jobs) */
typedef struct WorkerJob
{
	int64		id;
	char	   *kind;			/* "statement" or "backfill" */
	char	   *schema;
	char	   *migration;
	char	   *description;
	char	   *command;
	char	   *index_name;
	Oid			relid;
	Oid			roleid;			/* InvalidOid if the role does not exist */
	char	   *role;			/* the role's name, as pgroll.jobs keeps it */
	int			attempts;		/* this one included */
	int			worker_stops;	/* workers that stopped while running it */
} WorkerJob;

/*
 * Start the worker of (database, schema); an empty schema starts a worker
 * that looks for schemas with unfinished jobs and starts theirs.  Returns
 * false if no worker slot is free.
 */
extern bool worker_launch(Oid dboid, const char *schema);

/* What worker_start did */
typedef enum WorkerStart
{
	WORKER_STARTED,
	WORKER_DEFERRED,			/* no free slot: the launcher starts it when one is */
	WORKER_NOT_STARTED			/* no free slot, and it could not be deferred */
} WorkerStart;

/* Start the schema's worker, or have the launcher start it when a slot is free */
extern WorkerStart worker_start(Oid dboid, const char *schema);

/* bgw_type of the per-schema workers, as pg_stat_activity.backend_type shows it */
#define PGROLL_WORKER_TYPE "pgroll worker"

/*
 * Cancel the running job of the worker with this pid, if that process is
 * verifiably a pgroll worker of this database started at that time.
 */
extern bool worker_cancel(int pid, TimestampTz started);

/* Is a worker running for the schema (of this database)? */
extern bool worker_is_running(const char *schema);

/* Register the launcher; from _PG_init while preloading */
extern void worker_register_launcher(void);

PGDLLEXPORT void pgroll_worker_main(Datum main_arg);
PGDLLEXPORT void pgroll_launcher_main(Datum main_arg);

#endif							/* PGROLL_WORKER_H */
