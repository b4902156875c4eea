/*-------------------------------------------------------------------------
 *
 * constraint_sql.c
 *	  SQL text for constraint clauses shared by several operations.
 *
 * References name tables and columns by their logical names in the new
 * version; the generated SQL uses the physical names the model maps them
 * to.
 *
 * src/ops/constraint_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"

#include "ddl.h"
#include "ops/constraint_sql.h"

char *
quoted_column_list(List *columns)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, columns)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 quote_identifier(lfirst(lc)));
	return buf.data;
}

static List *
referenced_columns(PgrollForeignKey *fk)
{
	return fk->column ? list_make1(fk->column) : fk->columns;
}

static ModelTable *
referenced_table(OpContext *ctx, PgrollForeignKey *fk, ModelTable *self,
				 const char *path)
{
	if (self != NULL && strcmp(fk->table, self->name) == 0)
		return self;
	return model_find_referenced_table(ctx->model, fk->table, psprintf("%s.table", path));
}

void
check_references(OpContext *ctx, PgrollForeignKey *fk, ModelTable *self,
				 const char *path)
{
	ModelTable *target = referenced_table(ctx, fk, self, path);
	ListCell   *lc;

	foreach(lc, referenced_columns(fk))
		(void) model_get_column(target, lfirst(lc),
								psprintf("%s.%s", path, fk->column ? "column" : "columns"));
}

void
append_references(StringInfo sql, OpContext *ctx, PgrollForeignKey *fk,
				  ModelTable *referencing)
{
	ModelTable *target = referenced_table(ctx, fk, NULL, "references");
	List	   *physical = NIL;
	ListCell   *lc;

	foreach(lc, referenced_columns(fk))
		physical = lappend(physical,
						   model_get_column(target, lfirst(lc), "references")->physical);

	appendStringInfo(sql, "REFERENCES %s (%s) MATCH %s ON DELETE %s",
					 pgroll_qualified(ctx->schema, target->physical),
					 quoted_column_list(physical), fk->match_type, fk->on_delete);
	if (fk->on_delete_set_columns != NIL)
	{
		List	   *set_columns = NIL;

		/* the referencing table's own columns: their physical names */
		foreach(lc, fk->on_delete_set_columns)
			set_columns = lappend(set_columns, referencing ?
								  model_get_column(referencing, lfirst(lc),
												   "references.on_delete_set_columns")->physical :
								  lfirst(lc));
		appendStringInfo(sql, " (%s)", quoted_column_list(set_columns));
	}
	appendStringInfo(sql, " ON UPDATE %s", fk->on_update);
	if (fk->deferrable)
		appendStringInfoString(sql, " DEFERRABLE");
	if (fk->initially_deferred)
		appendStringInfoString(sql, " INITIALLY DEFERRED");
}

void
append_index_parameters(StringInfo sql, PgrollIndexParameters *params)
{
	if (params == NULL)
		return;
	if (params->include_columns != NIL)
		appendStringInfo(sql, " INCLUDE (%s)", quoted_column_list(params->include_columns));
	if (params->storage_parameters)
		appendStringInfo(sql, " WITH (%s)", params->storage_parameters);
	if (params->tablespace)
		appendStringInfo(sql, " USING INDEX TABLESPACE %s",
						 quote_identifier(params->tablespace));
}
