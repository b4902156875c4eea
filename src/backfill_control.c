/*-------------------------------------------------------------------------
 *
 * backfill_control.c
 *	  pgroll.pause(), pgroll.resume() and pgroll.tune_backfill(): an
 *	  operator's hand on a schema's running backfills.
 *
 * Each changes the unfinished backfill jobs' rows in pgroll.jobs, which
 * the worker reads before every batch (governor.c): a pause takes effect
 * at the end of the batch in progress, a resume or a new setting within a
 * fraction of a second.  Only a role that can act as the role a job runs
 * as may touch it.
 *
 * src/backfill_control.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "jobs.h"
#include "roles.h"

PG_FUNCTION_INFO_V1(pgroll_pause);
PG_FUNCTION_INFO_V1(pgroll_resume);
PG_FUNCTION_INFO_V1(pgroll_tune_backfill);

static char *
schema_argument(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema must not be null")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/* The unfinished backfills of a schema, locked */
typedef struct Backfills
{
	int			count;
	int64	   *ids;
	char	   *migration;		/* of the first one */
} Backfills;

/*
 * Lock the schema's unfinished backfill jobs (those paused only, if
 * paused_only) in id order, as rollback and the worker lock them, and
 * check that the caller may act as the role each runs as.  SPI connected.
 */
static Backfills
lock_backfills(const char *schema, bool paused_only, const char *action)
{
	Oid			argtypes[2] = {TEXTOID, BOOLOID};
	Datum		values[2] = {CStringGetTextDatum(schema), BoolGetDatum(paused_only)};
	Backfills	backfills = {0};

	if (!OidIsValid(get_namespace_oid(schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));

	run_as_owner("SELECT j.id, j.migration, j.role, "
				 "       (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = j.role) "
				 "FROM pgroll.jobs j "
				 "WHERE j.schema = $1::name AND j.kind = 'backfill' "
				 "  AND j.state IN ('queued', 'running') "
				 "  AND (NOT $2 OR j.paused_at IS NOT NULL) "
				 "ORDER BY j.id FOR UPDATE",
				 2, argtypes, values, NULL);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no %sbackfill in schema \"%s\" to %s",
						paused_only ? "paused " : "", schema, action),
				 errhint("pgroll.status(%s) and pgroll.backfill_progress show the schema's work.",
						 quote_literal_cstr(schema))));

	backfills.count = (int) SPI_processed;
	backfills.ids = palloc(sizeof(int64) * backfills.count);
	backfills.migration = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	for (int i = 0; i < backfills.count; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		roleid = SPI_getbinval(tuple, tupdesc, 4, &isnull);

		backfills.ids[i] = DatumGetInt64(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		if (!superuser() && (roleid == (Datum) 0 ||
							 !has_privs_of_role(GetUserId(), DatumGetObjectId(roleid))))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to %s the backfill of migration \"%s\"",
							action, SPI_getvalue(tuple, tupdesc, 2)),
					 errdetail("It runs as role \"%s\".", SPI_getvalue(tuple, tupdesc, 3)),
					 errhint("Call it as that role, a member of it, or a superuser.")));
	}
	return backfills;
}

static Datum
ids_array(Backfills *backfills)
{
	Datum	   *elems = palloc(sizeof(Datum) * backfills->count);

	for (int i = 0; i < backfills->count; i++)
		elems[i] = Int64GetDatum(backfills->ids[i]);
	return PointerGetDatum(construct_array(elems, backfills->count, INT8OID, 8,
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* Run sql over the locked jobs ($1: their ids, then args) and return the migration */
static Datum
update_backfills(Backfills *backfills, const char *sql, int nargs, Oid *argtypes,
				 Datum *values, const char *nulls, MemoryContext caller)
{
	Oid			types[8] = {INT8ARRAYOID};
	Datum		args[8] = {ids_array(backfills)};
	char		argnulls[9] = " ";
	MemoryContext old;
	text	   *result;

	Assert(nargs < 8);
	for (int i = 0; i < nargs; i++)
	{
		types[i + 1] = argtypes[i];
		args[i + 1] = values[i];
		argnulls[i + 1] = nulls ? nulls[i] : ' ';
	}
	argnulls[nargs + 1] = '\0';
	if (run_as_owner(sql, nargs + 1, types, args, argnulls) != SPI_OK_UPDATE)
		elog(ERROR, "could not update the backfill jobs");
	old = MemoryContextSwitchTo(caller);
	result = cstring_to_text(backfills->migration);
	MemoryContextSwitchTo(old);
	return PointerGetDatum(result);
}

/*
 * pgroll.pause(schema text) returns text
 *
 * Stop the schema's unfinished backfills at the end of their current
 * batch; the migration's name.  Pausing a paused backfill is no error.
 */
Datum
pgroll_pause(PG_FUNCTION_ARGS)
{
	char	   *schema = schema_argument(fcinfo);
	MemoryContext caller = CurrentMemoryContext;
	Backfills	backfills;
	Datum		result;

	pgroll_require_writable("pgroll.pause()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	backfills = lock_backfills(schema, false, "pause");
	result = update_backfills(&backfills,
							  "UPDATE pgroll.jobs SET paused_at = pg_catalog.now(), "
							  "  updated_at = pg_catalog.now() "
							  "WHERE id = ANY ($1) AND paused_at IS NULL",
							  0, NULL, NULL, NULL, caller);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * pgroll.resume(schema text) returns text
 *
 * Go on with the schema's paused backfills from their saved cursors; the
 * migration's name.  A worker is started when the transaction commits, in
 * case none runs (one that is running goes on by itself).
 */
Datum
pgroll_resume(PG_FUNCTION_ARGS)
{
	char	   *schema = schema_argument(fcinfo);
	MemoryContext caller = CurrentMemoryContext;
	Backfills	backfills;
	Datum		result;

	pgroll_require_writable("pgroll.resume()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	backfills = lock_backfills(schema, true, "resume");
	result = update_backfills(&backfills,
							  "UPDATE pgroll.jobs SET paused_at = NULL, "
							  "  updated_at = pg_catalog.now() WHERE id = ANY ($1)",
							  0, NULL, NULL, NULL, caller);
	jobs_launch_at_commit(schema);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * An interval argument as milliseconds, checked against [0, max_ms] and
 * rounded as the settings round a duration.
 */
static int32
interval_ms(Interval *interval, const char *argument, int64 max_ms)
{
	double		usecs = (double) interval->time +
		((double) interval->month * DAYS_PER_MONTH + interval->day) * USECS_PER_DAY;
	double		ms = rint(usecs / 1000.0);

	if (ms < 0 || ms > max_ms)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and %lld ms", argument, (long long) max_ms)));
	return (int32) ms;
}

/*
 * pgroll.tune_backfill(schema text, batch_time interval, batch_size
 * integer, batch_delay interval, max_replica_lag text) returns text
 *
 * Change the settings of the schema's unfinished backfills; NULL leaves a
 * setting as it is.  max_replica_lag is a size ('64MB') or 'off'.  The
 * worker applies them before its next batch.  Returns the migration.
 */
Datum
pgroll_tune_backfill(PG_FUNCTION_ARGS)
{
	char	   *schema;
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[4] = {INT4OID, INT4OID, INT4OID, INT4OID};
	Datum		values[4] = {0};
	char		nulls[4] = {'n', 'n', 'n', 'n'};
	Backfills	backfills;
	Datum		result;

	schema = schema_argument(fcinfo);
	if (PG_ARGISNULL(1) && PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pgroll.tune_backfill() needs a setting to change"),
				 errhint("Pass batch_time, batch_size, batch_delay or max_replica_lag.")));

	if (!PG_ARGISNULL(1))
	{
		values[0] = Int32GetDatum(interval_ms(PG_GETARG_INTERVAL_P(1), "batch_time",
											  3600 * 1000));
		nulls[0] = ' ';
	}
	if (!PG_ARGISNULL(2))
	{
		if (PG_GETARG_INT32(2) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("batch_size must be at least 1")));
		values[1] = PG_GETARG_DATUM(2);
		nulls[1] = ' ';
	}
	if (!PG_ARGISNULL(3))
	{
		values[2] = Int32GetDatum(interval_ms(PG_GETARG_INTERVAL_P(3), "batch_delay", PG_INT32_MAX));
		nulls[2] = ' ';
	}
	if (!PG_ARGISNULL(4))
	{
		/* as SET pgroll.backfill_max_replica_lag reads it (a bare number is kB) */
		char	   *lag = text_to_cstring(PG_GETARG_TEXT_PP(4));
		const char *hint = NULL;
		int			kb;

		if (pg_strcasecmp(lag, "off") == 0)
			kb = -1;
		else if (!parse_int(lag, &kb, GUC_UNIT_KB, &hint) || kb < -1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid max_replica_lag \"%s\"", lag),
					 hint ? errhint("%s", _(hint)) :
					 errhint("A size of WAL such as '64MB' (a bare number is kB), -1 or 'off'.")));
		values[3] = Int32GetDatum(kb);
		nulls[3] = ' ';
	}

	pgroll_require_writable("pgroll.tune_backfill()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	backfills = lock_backfills(schema, false, "tune");
	result = update_backfills(&backfills,
							  "UPDATE pgroll.jobs SET batch_time = coalesce($2, batch_time), "
							  "  batch_size = coalesce($3, batch_size), "
							  "  batch_delay = coalesce($4, batch_delay), "
							  "  max_replica_lag = coalesce($5, max_replica_lag), "
							  "  updated_at = pg_catalog.now() WHERE id = ANY ($1)",
							  4, argtypes, values, nulls, caller);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
