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
 * to finish first; also while work is queued (a rollback's DROP INDEX
 * CONCURRENTLY would be lost with the queue).  A migrated schema dropped
 * mid-migration would leave a migration nobody can finish.  The trigger
 * is ENABLE ALWAYS: replica mode (session_replication_role) does not
 * skip it.
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
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pgroll_drop_guard);

/* Does the DROP name pgroll (the extension or its schema)? */
static bool
names_pgroll(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Node	   *object = lfirst(lc);

		if (IsA(object, String) && strcmp(strVal(object), "pgroll") == 0)
			return true;
	}
	return false;
}

/* The names a DROP EXTENSION / DROP SCHEMA names, as a text[] datum */
static Datum
dropped_names(DropStmt *stmt)
{
	List	   *names = NIL;
	ListCell   *lc;
	Datum	   *elems;
	int			i = 0;

	foreach(lc, stmt->objects)
	{
		Node	   *object = lfirst(lc);

		if (IsA(object, String))
			names = lappend(names, strVal(object));
	}
	elems = palloc(sizeof(Datum) * Max(list_length(names), 1));
	foreach(lc, names)
		elems[i++] = CStringGetTextDatum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * pgroll.drop_guard() returns event_trigger, on ddl_command_start for
 * DROP EXTENSION and DROP SCHEMA
 */
Datum
pgroll_drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	DropStmt   *stmt;
	Oid			argtypes[2] = {TEXTARRAYOID, BOOLOID};
	Datum		values[2];
	char	   *active = NULL;
	char	   *first_schema = NULL;
	char	   *queued = NULL;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgroll.drop_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, DropStmt))
		PG_RETURN_VOID();
	stmt = (DropStmt *) trigdata->parsetree;
	if (stmt->removeType != OBJECT_EXTENSION && stmt->removeType != OBJECT_SCHEMA)
		PG_RETURN_VOID();

	values[0] = dropped_names(stmt);
	values[1] = BoolGetDatum(stmt->removeType == OBJECT_EXTENSION);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Dropping pgroll (the extension or its schema): no migration may be
	 * active and no work queued (a rollback's DROP INDEX, say).  Dropping a
	 * migrated schema: no migration of it may be active.
	 */
	SPI_execute_with_args("WITH drops_pgroll AS ("
						  "  SELECT 'pgroll' = ANY ($1) AS yes) "
						  "SELECT (SELECT pg_catalog.string_agg(pg_catalog.format('%I (migration %s)', "
						  "                                       m.schema, m.name), ', ' ORDER BY m.schema) "
						  "        FROM pgroll.migrations m WHERE NOT m.done "
						  "          AND (d.yes OR (NOT $2 AND m.schema = ANY ($1)))), "
						  "       (SELECT pg_catalog.min(m.schema::pg_catalog.text) "
						  "        FROM pgroll.migrations m WHERE NOT m.done "
						  "          AND (d.yes OR (NOT $2 AND m.schema = ANY ($1)))), "
						  "       (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.format('%I', j.schema), ', ') "
						  "        FROM pgroll.jobs j WHERE d.yes AND j.state IN ('queued', 'running')) "
						  "FROM drops_pgroll d",
						  2, argtypes, values, NULL, true, 1);
	if (SPI_processed == 1)
	{
		active = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		first_schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		queued = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	}
	if (active != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 stmt->removeType == OBJECT_EXTENSION || names_pgroll(stmt) ?
				 errmsg("cannot drop pgroll while migrations are active") :
				 errmsg("cannot drop a schema with an active migration"),
				 errdetail("Active migrations: %s.  Their tables hold what the migrations added "
						   "(column copies, NOT VALID checks, backfill markers), which only "
						   "pgroll can complete or roll back.", active),
				 errhint("Complete or roll back each active migration first, e.g. "
						 "SELECT pgroll.rollback(%s);", quote_literal_cstr(first_schema))));
	if (queued != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("cannot drop pgroll while its work is queued"),
				 errdetail("Schemas with queued or running work: %s.", queued),
				 errhint("Let it finish first, e.g. CALL pgroll.wait(%s);",
						 quote_literal_cstr(queued))));
	SPI_finish();
	PG_RETURN_VOID();
}
