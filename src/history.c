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
#include "utils/lsyscache.h"

#include "ddl.h"
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

/*
 * The object an operation keeps in objid, by name: an index qualified (a
 * relation name survives dump and restore, its OID does not), a constraint
 * by its name on the operation's table.
 */
static char *
state_object_name(OperationState *state)
{
	if (!OidIsValid(state->objid))
		return NULL;
	if (state->objkind == OPERATION_OBJECT_INDEX)
		return pgroll_relation_name(state->objid);
	return get_constraint_name(state->objid);
}

void
history_save_state(const char *schema, const char *name, OperationState *state)
{
	Oid			argtypes[9] = {TEXTOID, TEXTOID, INT4OID, TEXTOID,
	OIDOID, INT2OID, CHAROID, TEXTOID, TEXTOID};
	Datum		values[9];
	char	   *objname = state_object_name(state);
	char		nulls[9] = {' ', ' ', ' ', ' ',
		OidIsValid(state->relid) ? ' ' : 'n',
		state->attnum != InvalidAttrNumber ? ' ' : 'n',
		objname ? ' ' : 'n', objname ? ' ' : 'n',
	state->saved ? ' ' : 'n'};

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = Int32GetDatum(state->position);
	values[3] = CStringGetTextDatum(state->operation);
	values[4] = ObjectIdGetDatum(state->relid);
	values[5] = Int16GetDatum(state->attnum);
	values[6] = CharGetDatum(state->objkind);
	values[7] = objname ? CStringGetTextDatum(objname) : (Datum) 0;
	values[8] = state->saved ? CStringGetTextDatum(state->saved) : (Datum) 0;

	/* names, not numbers: what a restored database has is the same names */
	run_as_owner("INSERT INTO pgroll.operation_state "
				 "(schema, migration, position, operation, relid, attname, objkind, objname, saved) "
				 "VALUES ($1::name, $2, $3, $4, $5, "
				 "  (SELECT a.attname FROM pg_catalog.pg_attribute a "
				 "   WHERE a.attrelid = $5 AND a.attnum = $6), $7, $8, $9)",
				 9, argtypes, values, nulls);
}

OperationState *
history_load_state(const char *schema, const char *name, int position,
				   bool require_column)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum		values[3];
	OperationState *state = palloc0(sizeof(OperationState));
	bool		isnull;
	Datum		d;
	char	   *attname;

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(name);
	values[2] = Int32GetDatum(position);

	run_as_owner("SELECT s.operation, s.relid::pg_catalog.oid, "
				 "  (SELECT a.attnum FROM pg_catalog.pg_attribute a "
				 "   WHERE a.attrelid = s.relid AND a.attname = s.attname AND NOT a.attisdropped), "
				 "  CASE s.objkind "
				 "    WHEN 'i' "
				 "      THEN pg_catalog.to_regclass(s.objname)::pg_catalog.oid "
				 "    WHEN 'c' "
				 "      THEN (SELECT c.oid FROM pg_catalog.pg_constraint c "
				 "            WHERE c.conrelid = s.relid AND c.conname = s.objname) END, "
				 "  s.saved, s.attname, s.objkind "
				 "FROM pgroll.operation_state s "
				 "WHERE s.schema = $1::name AND s.migration = $2 AND s.position = $3",
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
	attname = result_text(0, 6);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 7, &isnull);
	state->objkind = isnull ? '\0' : DatumGetChar(d);

	/* a column the operation changes must still be there, by its name */
	if (require_column && attname != NULL && state->attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of table %s, which migration \"%s\" changes, no longer exists",
						attname, pgroll_relation_name(state->relid), name),
				 errhint("It was dropped or renamed outside of pgroll while the migration was active.")));
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
