/*-------------------------------------------------------------------------
 *
 * create_index.c
 *	  create_index: built with CREATE INDEX CONCURRENTLY by the worker.
 *
 * start	check the index, queue the concurrent build (after the table's
 *			backfill, if it has one, so the build sees the final values)
 * complete	nothing (complete waits until the build is done)
 * rollback	queue DROP INDEX CONCURRENTLY (also removes an invalid index a
 *			failed or interrupted build left behind)
 *
 * Columns and the predicate use the new version's names; a column added by
 * the same migration is indexed under its _pgroll_new_ name.
 *
 * src/ops/create_index.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "lib/stringinfo.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "expr.h"
#include "jobs.h"
#include "ops/ops.h"

/* A possibly schema-qualified name (an operator class, a collation) */
static char *
quoted_name_chain(const char *name)
{
	StringInfoData buf;
	char	   *copy = pstrdup(name);
	char	   *part;
	char	   *save;
	bool		first = true;

	initStringInfo(&buf);
	for (part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save))
	{
		appendStringInfo(&buf, "%s%s", first ? "" : ".", quote_identifier(part));
		first = false;
	}
	return buf.data;
}

static char *
index_statement(PgrollCreateIndex *ci, OpContext *ctx, ModelTable *table)
{
	StringInfoData sql;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE %sINDEX CONCURRENTLY %s ON %s",
					 ci->unique ? "UNIQUE " : "", quote_identifier(ci->name),
					 pgroll_relation_name(table->relid));
	if (ci->method)
		appendStringInfo(&sql, " USING %s", quote_identifier(ci->method));
	appendStringInfoString(&sql, " (");
	foreach(lc, ci->columns)
	{
		PgrollIndexField *f = lfirst(lc);
		ModelColumn *col = model_get_column(table, f->column, op_path(ctx, "columns"));

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&sql, ", ");
		appendStringInfoString(&sql, quote_identifier(col->physical));
		if (f->collate)
			appendStringInfo(&sql, " COLLATE %s", quoted_name_chain(f->collate));
		if (f->opclass_name)
		{
			appendStringInfo(&sql, " %s", quoted_name_chain(f->opclass_name));
			if (f->opclass_params != NIL)
			{
				ListCell   *lp;

				appendStringInfoString(&sql, " (");
				foreach(lp, f->opclass_params)
					appendStringInfo(&sql, "%s%s", foreach_current_index(lp) ? ", " : "",
									 (char *) lfirst(lp));
				appendStringInfoChar(&sql, ')');
			}
		}
		if (f->sort)
			appendStringInfo(&sql, " %s", f->sort);
		if (f->nulls)
			appendStringInfo(&sql, " NULLS %s", f->nulls);
	}
	appendStringInfoChar(&sql, ')');
	if (ci->storage_parameters)
		appendStringInfo(&sql, " WITH (%s)", ci->storage_parameters);
	if (ci->predicate)
		appendStringInfo(&sql, " WHERE %s",
						 expr_to_table_sql(ci->predicate, table->relid,
										   op_table_scope(ctx, table),
										   op_path(ctx, "predicate")));
	return sql.data;
}

static void
create_index_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollCreateIndex *ci = &op->u.create_index;
	ModelTable *table = model_get_table(ctx->model, ci->table, op_path(ctx, "table"));
	ListCell   *lc;
	char	   *sql;
	List	   *parsed;

	model_check_not_reserved(ci->name, op_path(ctx, "name"));
	if (model_has_index(ctx->model, ci->name) ||
		OidIsValid(get_relname_relid(ci->name, ctx->nspid)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
						op_path(ctx, "name"), ci->name, ctx->schema)));
	foreach(lc, ci->columns)
		(void) model_get_column(table, ((PgrollIndexField *) lfirst(lc))->column,
								psprintf("%s.columns[%d].column", ctx->path,
										 foreach_current_index(lc)));
	table->indexes = lappend(table->indexes, ci->name);

	if (!OidIsValid(op_table_relid(ctx, table)))
		return;

	/* the worker runs it later: every fragment must be right now */
	sql = index_statement(ci, ctx, table);
	parsed = pg_parse_query(sql);
	if (list_length(parsed) != 1 || !IsA(linitial_node(RawStmt, parsed)->stmt, IndexStmt))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s: a SQL fragment of the index definition ends the statement",
						ctx->path),
				 errdetail("Generated statement: %s", sql)));
	if (!ctx->execute)
		return;

	sync_add_job(sync_table(ctx->sync, table->relid),
				 psprintf("create index %s", ci->name), sql, ci->name);
	ctx->state->relid = table->relid;
	ctx->state->saved = pstrdup(ci->name);
}

static void
create_index_complete(PgrollOperation *op, OpContext *ctx)
{
}

static void
create_index_rollback(PgrollOperation *op, OpContext *ctx)
{
	jobs_enqueue_statement(ctx->schema, ctx->migration, "rollback",
						   psprintf("drop index %s", op->u.create_index.name),
						   psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
									pgroll_qualified(ctx->schema, op->u.create_index.name)),
						   NULL);
}

const OpMethods create_index_methods = {
	.start = create_index_start,
	.complete = create_index_complete,
	.rollback = create_index_rollback,
};
