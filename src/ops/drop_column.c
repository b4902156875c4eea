/*-------------------------------------------------------------------------
 *
 * drop_column.c
 *	  drop_column: the column leaves the new version; the old version keeps
 *	  it until complete.
 *
 * start	nothing (the new version's view leaves the column out)
 * complete	ALTER TABLE .. DROP COLUMN
 * rollback	nothing
 *
 * With "down", new-version writers must fill the column for old readers:
 * that needs the sync triggers, not yet supported.
 *
 * src/ops/drop_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

/*
 * Complete drops the column without CASCADE.  Indexes and constraints of
 * the table that involve it go with it, as DROP COLUMN does; anything else
 * that depends on it (a generated column, another table's foreign key, a
 * user's view) would make complete fail, so refuse now.  The views of
 * pgroll's version schemas are dropped before complete drops the column.
 */
static void
check_no_dependents(OpContext *ctx, Oid relid, AttrNumber attnum, const char *column)
{
	Oid			argtypes[3] = {OIDOID, INT4OID, TEXTOID};
	Datum		values[3];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = Int32GetDatum(attnum);
	values[2] = CStringGetTextDatum(ctx->schema);

	SPI_execute_with_args("SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
						  "FROM pg_catalog.pg_depend d "
						  "WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
						  "  AND d.refobjid = $1 AND d.refobjsubid = $2 AND d.deptype = 'n' "
						  "  AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
						  "           AND d.objid IN (SELECT indexrelid FROM pg_catalog.pg_index "
						  "                           WHERE indrelid = $1)) "
						  "  AND NOT (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass "
						  "           AND d.objid IN (SELECT oid FROM pg_catalog.pg_constraint "
						  "                           WHERE conrelid = $1)) "
						  "  AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
						  "           AND d.objid IN (SELECT r.oid FROM pg_catalog.pg_rewrite r "
						  "             JOIN pg_catalog.pg_class v ON v.oid = r.ev_class "
						  "             JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace "
						  "             JOIN pgroll.migrations m ON m.schema = $3::name "
						  "              AND n.nspname::text = $3 || '_' || "
						  "                  coalesce(m.migration ->> 'version_schema', m.name))) "
						  "ORDER BY 1 LIMIT 1",
						  3, argtypes, values, NULL, false, 1);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("%s: cannot drop column \"%s\" because other objects depend on it",
						op_path(ctx, "column"), column),
				 errdetail("%s depends on it.",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errhint("Drop or change the dependent object first.")));
}

static void
drop_column_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollDropColumn *dc = &op->u.drop_column;
	ModelTable *table = model_get_table(ctx->model, dc->table, op_path(ctx, "table"));
	ModelColumn *column = model_get_column(table, dc->column, op_path(ctx, "column"));

	if (dc->down != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: drop_column with \"down\" is not supported yet",
						op_path(ctx, "down")),
				 errhint("Leave out \"down\"; old-version readers then see NULL in "
						 "rows the new version inserts.")));

	column->hidden = true;
	if (ctx->execute)
	{
		ctx->state->relid = op_table_relid(ctx, table);
		ctx->state->attnum = get_attnum(table->relid, column->physical);
		check_no_dependents(ctx, table->relid, ctx->state->attnum, dc->column);
	}
}

static void
drop_column_complete(PgrollOperation *op, OpContext *ctx)
{
	pgroll_ddlf("ALTER TABLE %s DROP COLUMN %s",
				pgroll_relation_name(ctx->state->relid),
				pgroll_column_name(ctx->state->relid, ctx->state->attnum));
}

static void
drop_column_rollback(PgrollOperation *op, OpContext *ctx)
{
}

const OpMethods drop_column_methods = {
	.start = drop_column_start,
	.complete = drop_column_complete,
	.rollback = drop_column_rollback,
};
