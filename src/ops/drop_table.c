/*-------------------------------------------------------------------------
 *
 * drop_table.c
 *	  drop_table: the table leaves the new version; the old version keeps
 *	  it until complete.
 *
 * start	rename the table to _pgroll_del_<name> (old views bind by OID)
 * complete	DROP TABLE
 * rollback	rename it back
 *
 * src/ops/drop_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "executor/spi.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "ddl.h"
#include "ops/ops.h"

/*
 * Refuse when a table that stays in the new version has a foreign key to
 * this one: complete could not drop it.
 */
static void
check_not_referenced(OpContext *ctx, ModelTable *table)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(table->relid)};

	SPI_execute_with_args("SELECT c.conname, c.conrelid FROM pg_catalog.pg_constraint c "
						  "WHERE c.contype = 'f' AND c.confrelid = $1 AND c.conrelid <> $1",
						  1, argtypes, values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			referencing = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc,
																 2, &isnull));
		ListCell   *lc;

		foreach(lc, ctx->model->tables)
		{
			ModelTable *other = lfirst(lc);

			if (other->relid == referencing && !other->hidden)
				ereport(ERROR,
						(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
						 errmsg("%s: table \"%s\" is referenced by foreign key \"%s\" of table \"%s\"",
								op_path(ctx, "name"), table->name,
								SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
								other->name),
						 errhint("Drop the foreign key or the referencing table first.")));
		}
	}
}

static void
drop_table_start(PgrollOperation *op, OpContext *ctx)
{
	ModelTable *table = model_get_table(ctx->model, op->u.drop_table.name,
										op_path(ctx, "name"));
	char	   *deleted;

	table->hidden = true;
	if (!ctx->execute)
		return;

	op_table_relid(ctx, table);
	check_not_referenced(ctx, table);

	deleted = psprintf(PGROLL_PREFIX "del_%s", table->name);
	deleted[pg_mbcliplen(deleted, strlen(deleted), NAMEDATALEN - 1)] = '\0';

	ctx->state->relid = table->relid;
	ctx->state->saved = table->physical;
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
	pgroll_ddlf("ALTER TABLE %s RENAME TO %s",
				pgroll_relation_name(ctx->state->relid),
				quote_identifier(ctx->state->saved));
}

const OpMethods drop_table_methods = {
	.start = drop_table_start,
	.complete = drop_table_complete,
	.rollback = drop_table_rollback,
};
