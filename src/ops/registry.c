/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Which functions implement which operation, and helpers they share.
 *
 * src/ops/registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/lsyscache.h"

#include "ops/ops.h"

static const OpMethods *const methods_by_kind[PGROLL_NUM_OP_KINDS] = {
	[PGROLL_OP_CREATE_TABLE] = &create_table_methods,
	[PGROLL_OP_DROP_TABLE] = &drop_table_methods,
	[PGROLL_OP_RENAME_TABLE] = &rename_table_methods,
	[PGROLL_OP_RENAME_COLUMN] = &rename_column_methods,
	[PGROLL_OP_DROP_COLUMN] = &drop_column_methods,
	[PGROLL_OP_RENAME_CONSTRAINT] = &rename_constraint_methods,
	[PGROLL_OP_SET_REPLICA_IDENTITY] = &set_replica_identity_methods,
	[PGROLL_OP_SQL] = &raw_sql_methods,
};

const OpMethods *
pgroll_op_methods(PgrollOpKind kind)
{
	Assert(kind >= 0 && kind < PGROLL_NUM_OP_KINDS);
	return methods_by_kind[kind];
}

char *
op_path(OpContext *ctx, const char *field)
{
	return psprintf("%s.%s", ctx->path, field);
}

Oid
op_table_relid(OpContext *ctx, ModelTable *table)
{
	if (!OidIsValid(table->relid) && ctx->execute)
		table->relid = get_relname_relid(table->physical, ctx->nspid);
	return table->relid;
}
