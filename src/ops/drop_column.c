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

#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

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
