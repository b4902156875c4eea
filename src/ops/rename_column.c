/*-------------------------------------------------------------------------
 *
 * rename_column.c
 *	  rename_column: the new version sees the column under its new name.
 *
 * start	nothing (the new version's view aliases the column)
 * complete	ALTER TABLE .. RENAME COLUMN
 * rollback	nothing
 *
 * src/ops/rename_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

static void
rename_column_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollRenameColumn *rc = &op->u.rename_column;
	ModelTable *table = model_get_table(ctx->model, rc->table, op_path(ctx, "table"));
	ModelColumn *column = model_get_column(table, rc->from, op_path(ctx, "from"));

	model_check_not_reserved(rc->to, op_path(ctx, "to"));
	model_check_column_absent(table, rc->to, op_path(ctx, "to"));
	check_no_inheritance_children(op_table_relid(ctx, table), op_path(ctx, "table"));
	if (OidIsValid(op_table_relid(ctx, table)))
		check_not_inherited(table->relid, get_attnum(table->relid, column->physical),
							psprintf("column \"%s\"", rc->from), op_path(ctx, "from"));
	column->name = pstrdup(rc->to);

	if (ctx->execute)
	{
		ctx->state->relid = op_table_relid(ctx, table);
		ctx->state->attnum = get_attnum(table->relid, column->physical);
	}
}

static void
rename_column_complete(PgrollOperation *op, OpContext *ctx)
{
	pgroll_ddlf("ALTER TABLE %s RENAME COLUMN %s TO %s",
				pgroll_relation_name(ctx->state->relid),
				pgroll_column_name(ctx->state->relid, ctx->state->attnum),
				quote_identifier(op->u.rename_column.to));
}

static void
rename_column_rollback(PgrollOperation *op, OpContext *ctx)
{
}

const OpMethods rename_column_methods = {
	.start = rename_column_start,
	.complete = rename_column_complete,
	.rollback = rename_column_rollback,
};
