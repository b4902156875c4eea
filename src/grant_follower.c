/*-------------------------------------------------------------------------
 *
 * grant_follower.c
 *	  GRANT and REVOKE on a table while a migration is active reach the
 *	  versions' views and the copies of its columns; on a schema, its
 *	  version schemas.
 *
 * start gives each version's view the table's grants and each column's
 * copy the column's.  A grant made afterwards (a new application role, a
 * column grant) would reach the table only: an event trigger of the
 * extension (ddl_command_end, ENABLE ALWAYS) takes it on to them, as start
 * would have.  A revoke needs no help to count (the views are
 * security_invoker), but the views and copies drop it too.
 *
 * src/grant_follower.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "privileges.h"

PG_FUNCTION_INFO_V1(pgroll_follow_grants);

/* set while the trigger's own grants run: they need no following */
static bool following = false;

/* The tables of the statement (GRANT ... ON [ALL TABLES IN SCHEMA] ...) */
static pg_noinline List *
granted_tables(GrantStmt *stmt)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		if (stmt->targtype == ACL_TARGET_OBJECT)
		{
			Oid			relid = RangeVarGetRelid(lfirst(lc), NoLock, true);

			if (OidIsValid(relid))
				relids = lappend_oid(relids, relid);
		}
		else if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
		{
			Oid			argtypes[1] = {TEXTOID};
			Datum		values[1] = {CStringGetTextDatum(strVal(lfirst(lc)))};
			int			nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);

			if (SPI_execute_with_args("SELECT c.oid FROM pg_catalog.pg_class c "
									  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
									  "WHERE n.nspname = $1::name AND c.relkind IN ('r', 'p')",
									  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not list the tables of schema \"%s\"", strVal(lfirst(lc)));
			AtEOXact_GUC(true, nestlevel);
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				bool		isnull;

				relids = lappend_oid(relids,
									 DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	SPI_tuptable->tupdesc,
																	1, &isnull)));
			}
		}
	}
	return relids;
}

/* The schemas of the statement (GRANT ... ON SCHEMA ...) */
static pg_noinline List *
granted_schemas(GrantStmt *stmt)
{
	List	   *nspids = NIL;
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Oid			nspid = get_namespace_oid(strVal(lfirst(lc)), true);

		if (OidIsValid(nspid))
			nspids = lappend_oid(nspids, nspid);
	}
	return nspids;
}

/*
 * pgroll.follow_grants() returns event_trigger, on ddl_command_end for
 * GRANT and REVOKE
 */
Datum
pgroll_follow_grants(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	GrantStmt  *stmt;
	List	   *relids;
	List	   *schemas;
	int			nestlevel;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgroll.follow_grants() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (following || !IsA(trigdata->parsetree, GrantStmt))
		PG_RETURN_VOID();
	stmt = (GrantStmt *) trigdata->parsetree;
	if (stmt->objtype != OBJECT_TABLE && stmt->objtype != OBJECT_SCHEMA)
		PG_RETURN_VOID();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the statement's names resolve on the session's path, pgroll's work on its own */
	relids = stmt->objtype == OBJECT_TABLE ? granted_tables(stmt) : NIL;
	schemas = stmt->objtype == OBJECT_SCHEMA ? granted_schemas(stmt) : NIL;
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	following = true;
	PG_TRY();
	{
		foreach(lc, relids)
			privileges_refresh(lfirst_oid(lc));
		foreach(lc, schemas)
			privileges_refresh_schema(lfirst_oid(lc));
	}
	PG_FINALLY();
	{
		following = false;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	SPI_finish();
	PG_RETURN_VOID();
}
