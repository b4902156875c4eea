/*-------------------------------------------------------------------------
 *
 * drop_table.c
 *	  drop_table: the table leaves the new version; the old version keeps
 *	  it until complete.
 *
 * start	rename the table to _pgroll_del_<name> (old views bind by OID);
 *			in a schema's first migration, whose old clients use the
 *			table by name, it keeps its name
 * complete	DROP TABLE
 * rollback	rename it back
 *
 * src/ops/drop_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

static void
drop_table_start(PgrollOperation *op, OpContext *ctx)
{
	ModelTable *table = model_get_table(ctx->model, op->u.drop_table.name,
										op_path(ctx, "name"));
	char	   *deleted;

	if (OidIsValid(op_table_relid(ctx, table)))
		check_no_dependents(ctx, table->relid, 0,
							psprintf("table \"%s\"", table->name), op_path(ctx, "name"), false);
	table->hidden = true;
	if (!ctx->execute)
		return;

	ctx->state->relid = table->relid;
	ctx->state->saved = table->physical;

	/*
	 * Old clients of the first migration use the base schema's tables by
	 * name: the table keeps its name until complete (and the name stays
	 * taken in this migration).
	 */
	if (ctx->old_on_base)
		return;
	deleted = op_internal_name(PGROLL_PREFIX "del_", table->name);
	pgroll_ddlf("ALTER TABLE %s RENAME TO %s",
				pgroll_relation_name(table->relid), quote_identifier(deleted));
	table->physical = deleted;
}

static void
drop_table_complete(PgrollOperation *op, OpContext *ctx)
{
	pgroll_ddlf("DROP TABLE %s", pgroll_relation_name(ctx->state->relid));
}

static void
drop_table_rollback(PgrollOperation *op, OpContext *ctx)
{
	char	   *current = get_rel_name(ctx->state->relid);

	if (current != NULL && strcmp(current, ctx->state->saved) == 0)
		return;					/* never renamed */
	pgroll_ddlf("ALTER TABLE %s RENAME TO %s",
				pgroll_relation_name(ctx->state->relid),
				quote_identifier(ctx->state->saved));
}

const OpMethods drop_table_methods = {
	.start = drop_table_start,
	.complete = drop_table_complete,
	.rollback = drop_table_rollback,
};
