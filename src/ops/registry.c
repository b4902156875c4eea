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

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "parser/parse_type.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "expr.h"
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
	[PGROLL_OP_ADD_COLUMN] = &add_column_methods,
	[PGROLL_OP_CREATE_INDEX] = &create_index_methods,
	[PGROLL_OP_DROP_INDEX] = &drop_index_methods,
	[PGROLL_OP_ALTER_COLUMN] = &alter_column_methods,
	[PGROLL_OP_CREATE_CONSTRAINT] = &create_constraint_methods,
	[PGROLL_OP_DROP_CONSTRAINT] = &drop_constraint_methods,
	[PGROLL_OP_DROP_MULTICOLUMN_CONSTRAINT] = &drop_multicolumn_constraint_methods,
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

char *
op_internal_name(const char *prefix, const char *name)
{
	char	   *result = psprintf("%s%s", prefix, name);

	result[pg_mbcliplen(result, strlen(result), NAMEDATALEN - 1)] = '\0';
	return result;
}

void
op_resolve_type(const char *type, Oid *typid, int32 *typmod, bool *serial,
				const char *path)
{
	static const struct
	{
		const char *name;
		Oid			typid;
	}			serials[] = {
		{"serial", INT4OID}, {"serial4", INT4OID},
		{"bigserial", INT8OID}, {"serial8", INT8OID},
		{"smallserial", INT2OID}, {"serial2", INT2OID},
	};

	*serial = false;
	for (int i = 0; i < lengthof(serials); i++)
	{
		if (pg_strcasecmp(type, serials[i].name) == 0)
		{
			*typid = serials[i].typid;
			*typmod = -1;
			*serial = true;
			return;
		}
	}
	parseTypeString(type, typid, typmod, true);
	if (!OidIsValid(*typid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: type \"%s\" does not exist", path, type)));
}

List *
op_table_scope(OpContext *ctx, ModelTable *table)
{
	List	   *scope = NIL;
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ModelColumn *col = lfirst(lc);

		if (col->hidden)
			continue;
		/* validate adds no columns: _pgroll_new_<c> is only planned */
		if (!ctx->execute &&
			get_attnum(table->relid, col->physical) == InvalidAttrNumber)
			scope = expr_scope_add_planned(scope, col->name, col->type, col->typmod);
		else
			scope = expr_scope_add(scope, table->relid, col->physical, col->name);
	}
	return scope;
}

void
op_try(const char *path, void (*fn) (void *arg), void *arg)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("%s: %s", path, edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0,
				 edata->hint ? errhint("%s", edata->hint) : 0));
	}
	PG_END_TRY();

	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcontext);
	CurrentResourceOwner = oldowner;
}
