/*-------------------------------------------------------------------------
 *
 * drop_column.c
 *	  drop_column: the column leaves the new version; the old version keeps
 *	  it until complete.
 *
 * start	nothing (the new version's view leaves the column out); with
 *			"down", the sync trigger computes the column on new-version
 *			writes, so old-version readers see a value
 * complete	ALTER TABLE .. DROP COLUMN
 * rollback	nothing
 *
 * src/ops/drop_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "expr.h"
#include "ops/ops.h"

static void
drop_column_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollDropColumn *dc = &op->u.drop_column;
	ModelTable *table = model_get_table(ctx->model, dc->table, op_path(ctx, "table"));
	ModelColumn *column = model_get_column(table, dc->column, op_path(ctx, "column"));

	check_no_inheritance_children(op_table_relid(ctx, table), op_path(ctx, "table"));

	if (OidIsValid(op_table_relid(ctx, table)))
		check_no_dependents(ctx, table->relid, get_attnum(table->relid, column->physical),
							psprintf("column \"%s\"", dc->column), op_path(ctx, "column"), false);
	column->hidden = true;

	/* new-version writes compute the dropped column for old readers */
	if (dc->down != NULL && OidIsValid(table->relid))
	{
		List	   *scope = op_table_scope(ctx, table);
		AttrNumber	attnum = get_attnum(table->relid, column->physical);
		Oid			typid;
		int32		typmod;
		Oid			collation;

		get_atttypetypmodcoll(table->relid, attnum, &typid, &typmod, &collation);
		expr_check(dc->down, scope, typid, typmod, op_path(ctx, "down"));
		if (ctx->execute)
			sync_add_rule(sync_table(ctx->sync, table->relid), false,
						  column->physical, dc->down, scope);
	}

	if (ctx->execute)
	{
		ctx->state->relid = table->relid;
		ctx->state->attnum = get_attnum(table->relid, column->physical);
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
