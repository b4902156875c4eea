/*-------------------------------------------------------------------------
 *
 * rename_constraint.c
 *	  rename_constraint: renamed at complete.
 *
 * start	nothing (constraints are not visible through views)
 * complete	ALTER TABLE .. RENAME CONSTRAINT
 * rollback	nothing
 *
 * src/ops/rename_constraint.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_constraint.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/ops.h"

static void
rename_constraint_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollRenameConstraint *rc = &op->u.rename_constraint;
	ModelTable *table = model_get_table(ctx->model, rc->table, op_path(ctx, "table"));
	ListCell   *lc;

	if (!model_has_constraint(table, rc->from))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: constraint \"%s\" does not exist on table \"%s\"",
						op_path(ctx, "from"), rc->from, table->name)));
	if (model_has_constraint(table, rc->to))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: constraint \"%s\" already exists on table \"%s\"",
						op_path(ctx, "to"), rc->to, table->name)));
	model_check_not_reserved(rc->to, op_path(ctx, "to"));

	if (OidIsValid(op_table_relid(ctx, table)))
	{
		Oid			conoid = get_relation_constraint_oid(table->relid, rc->from, true);

		/* renaming a unique, primary key or exclusion constraint renames its index */
		if (OidIsValid(conoid) && OidIsValid(get_constraint_index(conoid)) &&
			OidIsValid(get_relname_relid(rc->to, ctx->nspid)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
							op_path(ctx, "to"), rc->to, ctx->schema),
					 errdetail("Renaming constraint \"%s\" renames its index too.",
							   rc->from)));
		if (ctx->execute)
		{
			ctx->state->relid = table->relid;
			ctx->state->objid = get_relation_constraint_oid(table->relid, rc->from, false);
			ctx->state->objkind = OPERATION_OBJECT_CONSTRAINT;
		}
	}

	foreach(lc, table->constraints)
	{
		if (strcmp(lfirst(lc), rc->from) == 0)
			lfirst(lc) = pstrdup(rc->to);
	}
}

static void
rename_constraint_complete(PgrollOperation *op, OpContext *ctx)
{
	char	   *current = get_constraint_name(ctx->state->objid);

	if (current == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("constraint \"%s\" no longer exists",
						op->u.rename_constraint.from),
				 errhint("It was dropped outside of pgroll while the migration was active.")));
	pgroll_ddlf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
				pgroll_relation_name(ctx->state->relid),
				quote_identifier(current),
				quote_identifier(op->u.rename_constraint.to));
}

static void
rename_constraint_rollback(PgrollOperation *op, OpContext *ctx)
{
}

const OpMethods rename_constraint_methods = {
	.start = rename_constraint_start,
	.complete = rename_constraint_complete,
	.rollback = rename_constraint_rollback,
};
