/*-------------------------------------------------------------------------
 *
 * history.c
 *	  pgroll.migrations (the history, with pgroll's columns) and
 *	  pgroll.operation_state (what start resolved for each operation).
 *
 * Users may read the history but not write it: every statement here runs
 * as the extension's owner, after the lifecycle function has checked that
 * the calling role may migrate the schema at all.
 *
 * src/history.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "history.h"
#include "roles.h"


static char *
result_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

void
history_lock_schema(Oid nspid)
{
	/* self-conflicting, but not with the AccessShareLock DDL takes */
	LockDatabaseObject(NamespaceRelationId, nspid, 0, ShareUpdateExclusiveLock);
}

ActiveMigration *
history_active(const char *schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(schema)};
	ActiveMigration *active;
	bool		isnull;

	run_as_owner("SELECT name, $1 || '_' || coalesce(migration ->> 'version_schema', name), "
				 "migration FROM pgroll.migrations WHERE schema = $1::name AND NOT done",
				 1, argtypes, values, NULL);
	if (SPI_processed == 0)
		return NULL;

	active = palloc0(sizeof(ActiveMigration));
	active->name = result_text(0, 1);
	active->version_schema = result_text(0, 2);
	active->document = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc,
														3, &isnull));
	return active;
}

char *
history_latest(const char *schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(schema)};

	run_as_owner("SELECT pgroll.latest_migration($1::name)",
				 1, argtypes, values, NULL);
	return result_text(0, 1);
}

char *
history_latest_version_schema(const char *schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(schema)};

	run_as_owner("SELECT pgroll.find_version_schema($1::name, 0)",
				 1, argtypes, values, NULL);
	return result_text(0, 1);
}

bool
history_exists(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(name)};

	run_as_owner("SELECT 1 FROM pgroll.migrations WHERE schema = $1::name AND name = $2",
				 2, argtypes, values, NULL);
	return SPI_processed > 0;
}

void
history_insert(const char *schema, const char *name, Jsonb *document,
			   const char *parent)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, JSONBOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', parent ? ' ' : 'n'};

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = JsonbPGetDatum(document);
	values[3] = parent ? CStringGetTextDatum(parent) : (Datum) 0;

	/* pgroll stores the document without its name, which has a column */
	run_as_owner("INSERT INTO pgroll.migrations (schema, name, migration, parent) "
				 "VALUES ($1::name, $2, $3 - 'name', $4)",
				 4, argtypes, values, nulls);
}

void
history_mark_done(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(name)};

	run_as_owner("UPDATE pgroll.migrations SET done = true, "
				 "updated_at = pg_catalog.now(), "
				 "resulting_schema = pgroll.read_schema($1) "
				 "WHERE schema = $1::name AND name = $2",
				 2, argtypes, values, NULL);
	run_as_owner("DELETE FROM pgroll.operation_state "
				 "WHERE schema = $1::name AND migration = $2",
				 2, argtypes, values, NULL);
}

void
history_delete(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(name)};

	run_as_owner("DELETE FROM pgroll.migrations WHERE schema = $1::name AND name = $2",
				 2, argtypes, values, NULL);
}

List *
history_stale_version_schemas(const char *schema, const char *keep)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(keep)};
	List	   *result = NIL;

	run_as_owner("SELECT n.nspname FROM pg_catalog.pg_namespace n "
				 "WHERE n.nspname::text <> $2 AND n.nspname::text IN "
				 "  (SELECT $1 || '_' || coalesce(migration ->> 'version_schema', name) "
				 "   FROM pgroll.migrations WHERE schema = $1::name) "
				 "ORDER BY 1",
				 2, argtypes, values, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result, result_text(i, 1));
	return result;
}

char *
history_parent_version_schema(const char *schema, const char *name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(name)};

	run_as_owner("SELECT $1 || '_' || coalesce(p.migration ->> 'version_schema', p.name) "
				 "FROM pgroll.migrations m "
				 "JOIN pgroll.migrations p ON p.schema = m.schema AND p.name = m.parent "
				 "WHERE m.schema = $1::name AND m.name = $2",
				 2, argtypes, values, NULL);
	return SPI_processed == 1 ? result_text(0, 1) : NULL;
}

void
history_save_state(const char *schema, const char *name, OperationState *state)
{
	Oid			argtypes[8] = {TEXTOID, TEXTOID, INT4OID, TEXTOID,
	OIDOID, INT2OID, OIDOID, TEXTOID};
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ',
		OidIsValid(state->relid) ? ' ' : 'n',
		state->attnum != InvalidAttrNumber ? ' ' : 'n',
		OidIsValid(state->objid) ? ' ' : 'n',
	state->saved ? ' ' : 'n'};

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = Int32GetDatum(state->position);
	values[3] = CStringGetTextDatum(state->operation);
	values[4] = ObjectIdGetDatum(state->relid);
	values[5] = Int16GetDatum(state->attnum);
	values[6] = ObjectIdGetDatum(state->objid);
	values[7] = state->saved ? CStringGetTextDatum(state->saved) : (Datum) 0;

	run_as_owner("INSERT INTO pgroll.operation_state "
				 "(schema, migration, position, operation, relid, attnum, objid, saved) "
				 "VALUES ($1::name, $2, $3, $4, $5, $6, $7, $8)",
				 8, argtypes, values, nulls);
}

OperationState *
history_load_state(const char *schema, const char *name, int position)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum		values[3];
	OperationState *state = palloc0(sizeof(OperationState));
	bool		isnull;
	Datum		d;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = Int32GetDatum(position);

	run_as_owner("SELECT operation, relid, attnum, objid, saved "
				 "FROM pgroll.operation_state "
				 "WHERE schema = $1::name AND migration = $2 AND position = $3",
				 3, argtypes, values, NULL);
	state->position = position;
	if (SPI_processed == 0)
		return state;

	state->operation = result_text(0, 1);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	state->relid = isnull ? InvalidOid : DatumGetObjectId(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	state->attnum = isnull ? InvalidAttrNumber : DatumGetInt16(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
	state->objid = isnull ? InvalidOid : DatumGetObjectId(d);
	state->saved = result_text(0, 5);
	return state;
}

void
history_record_skipped(const char *schema, const char *migration, const char *object,
					   const char *reason)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(migration);
	values[2] = CStringGetTextDatum(object);
	values[3] = CStringGetTextDatum(reason);
	run_as_owner("INSERT INTO pgroll.skipped_objects (schema, migration, object, reason) "
				 "VALUES ($1::name, $2, $3, $4)", 4, argtypes, values, NULL);
}
