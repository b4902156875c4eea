/*-------------------------------------------------------------------------
 *
 * rename_table.c
 *	  rename_table: the new version sees the table under its new name.
 *
 * start	nothing (the new version's view carries the new name)
 * complete	ALTER TABLE .. RENAME TO
 * rollback	nothing
 *
 * src/ops/rename_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

static void
rename_table_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollRenameTable *rt = &op->u.rename_table;
	ModelTable *table = model_get_table(ctx->model, rt->from, op_path(ctx, "from"));

	model_check_not_reserved(rt->to, op_path(ctx, "to"));
	model_check_table_absent(ctx->model, rt->to, op_path(ctx, "to"));
	/* complete renames the table: no relation of the schema may have the name */
	if (OidIsValid(get_relname_relid(rt->to, ctx->nspid)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
						op_path(ctx, "to"), rt->to, ctx->schema)));
	table->name = pstrdup(rt->to);
	if (ctx->execute)
		ctx->state->relid = op_table_relid(ctx, table);
}

static void
rename_table_complete(PgrollOperation *op, OpContext *ctx)
{
	pgroll_ddlf("ALTER TABLE %s RENAME TO %s",
				pgroll_relation_name(ctx->state->relid),
				quote_identifier(op->u.rename_table.to));
}

static void
rename_table_rollback(PgrollOperation *op, OpContext *ctx)
{
}

const OpMethods rename_table_methods = {
	.start = rename_table_start,
	.complete = rename_table_complete,
	.rollback = rename_table_rollback,
};
