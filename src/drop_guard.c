/*-------------------------------------------------------------------------
 *
 * drop_guard.c
 *	  DROP EXTENSION pgroll (or DROP SCHEMA pgroll) while a migration is
 *	  active is refused.
 *
 * Dropping the extension drops the sync trigger's function, and with it,
 * CASCADE, the triggers; but the tables would keep what start added for
 * the migration: a NOT VALID check that stands for NOT NULL on a column
 * copy, a backfill marker column with DEFAULT true, the copies themselves.
 * Plain writes by the old application would then fail on the checks, and
 * nothing would be left to complete or roll the migration back.  So an
 * event trigger of the extension refuses the drop, naming the migrations
 * to finish first.
 *
 * src/drop_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pgroll_drop_guard);

/* Does the DROP name pgroll's extension or its schema? */
static bool
drops_pgroll(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_EXTENSION && stmt->removeType != OBJECT_SCHEMA)
		return false;
	foreach(lc, stmt->objects)
	{
		Node	   *object = lfirst(lc);

		if (IsA(object, String) && strcmp(strVal(object), "pgroll") == 0)
			return true;
	}
	return false;
}

/*
 * pgroll.drop_guard() returns event_trigger, on ddl_command_start for
 * DROP EXTENSION and DROP SCHEMA
 */
Datum
pgroll_drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	char	   *active = NULL;
	char	   *first_schema = NULL;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgroll.drop_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, DropStmt) ||
		!drops_pgroll((DropStmt *) trigdata->parsetree))
		PG_RETURN_VOID();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_execute("SELECT pg_catalog.string_agg(pg_catalog.format('%I (migration %s)', schema, name), "
				"  ', ' ORDER BY schema), pg_catalog.min(schema::pg_catalog.text) "
				"FROM pgroll.migrations WHERE NOT done", true, 1);
	if (SPI_processed == 1)
	{
		active = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		first_schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}
	if (active != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("cannot drop pgroll while migrations are active"),
				 errdetail("Active migrations: %s.  Their tables hold what the migrations added "
						   "(column copies, NOT VALID checks, backfill markers), which only "
						   "pgroll can complete or roll back.", active),
				 errhint("Complete or roll back each active migration first, e.g. "
						 "SELECT pgroll.rollback(%s);", quote_literal_cstr(first_schema))));
	SPI_finish();
	PG_RETURN_VOID();
}
