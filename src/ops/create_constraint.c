/*-------------------------------------------------------------------------
 *
 * create_constraint.c
 *	  create_constraint: a unique, check, foreign key or primary key
 *	  constraint over one or more live columns.
 *
 * start	copy each column (ops/copies.c) with its "up" and "down"; the
 *			constraint is made on the copies: unique and primary key as a
 *			unique index built concurrently, check and foreign key NOT
 *			VALID, validated after the backfill.  The new version enforces
 *			it; old writers' rows are repaired by "up".
 * complete	the copies take the columns' places; a unique index becomes
 *			the constraint (lifecycle: copies)
 * rollback	the copies are dropped (lifecycle: copies)
 *
 * src/ops/create_constraint.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "expr.h"
#include "ops/constraint_sql.h"
#include "ops/copies.h"
#include "ops/ops.h"

static const char *
column_expression(List *map, const char *column)
{
	ListCell   *lc;

	foreach(lc, map)
	{
		PgrollColumnExpr *ce = lfirst(lc);

		if (strcmp(ce->column, column) == 0)
			return ce->expr;
	}
	return quote_identifier(column);
}

static bool
table_has_primary_key(Oid relid)
{
	Relation	rel;
	bool		has;

	rel = RelationIdGetRelation(relid);
	if (!RelationIsValid(rel))
		elog(ERROR, "could not open relation %u", relid);
	has = OidIsValid(RelationGetPrimaryKeyIndex(rel));
	RelationClose(rel);
	return has;
}

static void
create_constraint_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollCreateConstraint *cc = &op->u.create_constraint;
	ModelTable *table = model_get_table(ctx->model, cc->table, op_path(ctx, "table"));
	List	   *columns = NIL;
	List	   *copies = NIL;
	List	   *physical = NIL;
	List	   *scope_old = NIL;
	List	   *scope_new = NIL;
	ListCell   *lc;
	ListCell   *lcopy;
	bool		with_index = cc->type == PGROLL_CONSTRAINT_UNIQUE ||
		cc->type == PGROLL_CONSTRAINT_PRIMARY_KEY;
	char	   *rel;
	TableSync  *sync;

	model_check_not_reserved(cc->name, op_path(ctx, "name"));
	if (model_has_constraint(table, cc->name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: constraint \"%s\" already exists on table \"%s\"",
						op_path(ctx, "name"), cc->name, table->name)));
	if (with_index && (model_has_index(ctx->model, cc->name) ||
					   OidIsValid(get_relname_relid(cc->name, ctx->nspid))))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
						op_path(ctx, "name"), cc->name, ctx->schema)));
	foreach(lc, cc->columns)
		columns = lappend(columns, model_get_column(table, lfirst(lc),
													psprintf("%s.columns[%d]", ctx->path,
															 foreach_current_index(lc))));
	if (cc->references)
		check_references(ctx, cc->references, NULL, op_path(ctx, "references"));
	if (cc->references || with_index)
		check_not_partitioned(op_table_relid(ctx, table), op_path(ctx, "type"),
							  cc->references ? "a foreign key" :
							  cc->type == PGROLL_CONSTRAINT_UNIQUE ? "a unique constraint" :
							  "a primary key");
	if (OidIsValid(op_table_relid(ctx, table)) &&
		cc->type == PGROLL_CONSTRAINT_PRIMARY_KEY && table_has_primary_key(table->relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("%s: table \"%s\" already has a primary key",
						op_path(ctx, "type"), table->name)));

	if (OidIsValid(table->relid))
		scope_old = op_table_scope_old(ctx, table);
	foreach(lc, columns)
	{
		CopyOptions opts = {0};

		copies = lappend(copies, column_copy(ctx, table, lfirst(lc), &opts));
	}
	if (OidIsValid(table->relid) && ctx->execute)
		scope_new = op_table_scope(ctx, table);

	/* "up" sees the old values, "down" and the check the new ones */
	if (OidIsValid(table->relid))
	{
		List	   *check_scope = ctx->execute ? scope_new : scope_old;

		foreach(lc, columns)
		{
			ModelColumn *col = lfirst(lc);

			expr_check(column_expression(cc->up, col->name), scope_old, col->type, col->typmod,
					   psprintf("%s.up.%s", ctx->path, col->name));
			expr_check(column_expression(cc->down, col->name), check_scope, col->type,
					   col->typmod, psprintf("%s.down.%s", ctx->path, col->name));
		}
		if (cc->type == PGROLL_CONSTRAINT_CHECK)
			expr_check(cc->check, check_scope, BOOLOID, -1, op_path(ctx, "check"));
	}
	table->constraints = lappend(table->constraints, cc->name);
	if (with_index)
		table->indexes = lappend(table->indexes, cc->name);
	if (!ctx->execute)
		return;

	rel = pgroll_relation_name(table->relid);
	sync = sync_table(ctx->sync, table->relid);
	forboth(lc, columns, lcopy, copies)
	{
		ModelColumn *col = lfirst(lc);
		ColumnCopy *copy = lfirst(lcopy);

		sync_add_stage(sync, true, copy->physical, col->name,
					   column_expression(cc->up, col->name), col->type, col->typmod,
					   scope_old, false);
		sync_add_stage(sync, false, col->source, col->name,
					   column_expression(cc->down, col->name), col->type, col->typmod,
					   scope_new, true);
		physical = lappend(physical, copy->physical);
		if (cc->type == PGROLL_CONSTRAINT_PRIMARY_KEY)
			column_copy_set_not_null(ctx, copy, true);
	}

	if (with_index)
	{
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfo(&sql, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
						 quote_identifier(cc->name), rel, quoted_column_list(physical));
		if (cc->index_parameters && cc->index_parameters->include_columns != NIL)
		{
			List	   *include = NIL;

			foreach(lc, cc->index_parameters->include_columns)
				include = lappend(include,
								  model_get_column(table, lfirst(lc),
												   op_path(ctx, "index_parameters.include_columns"))->physical);
			appendStringInfo(&sql, " INCLUDE (%s)", quoted_column_list(include));
		}
		if (cc->nulls_not_distinct)
			appendStringInfoString(&sql, " NULLS NOT DISTINCT");
		if (cc->index_parameters && cc->index_parameters->storage_parameters)
			appendStringInfo(&sql, " WITH (%s)", cc->index_parameters->storage_parameters);
		if (cc->index_parameters && cc->index_parameters->tablespace)
			appendStringInfo(&sql, " TABLESPACE %s",
							 quote_identifier(cc->index_parameters->tablespace));
		sync_add_job(sync, psprintf("unique index %s", cc->name), sql.data, cc->name);
		column_copy_add_object(linitial(copies),
							   cc->type == PGROLL_CONSTRAINT_PRIMARY_KEY ? "primary_key" : "unique",
							   table->relid, cc->name, cc->name, InvalidOid,
							   cc->initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" :
							   cc->deferrable ? " DEFERRABLE" : NULL);
	}
	else if (cc->type == PGROLL_CONSTRAINT_CHECK)
	{
		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)%s NOT VALID", rel,
					quote_identifier(cc->name),
					expr_to_table_sql(cc->check, table->relid, scope_new, op_path(ctx, "check")),
					cc->no_inherit ? " NO INHERIT" : "");
		sync_add_job(sync, psprintf("validate check %s", cc->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(cc->name)), NULL);
	}
	else
	{
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfo(&sql, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) ", rel,
						 quote_identifier(cc->name), quoted_column_list(physical));
		append_references(&sql, ctx, cc->references, table);
		if (cc->deferrable)
			appendStringInfoString(&sql, " DEFERRABLE");
		if (cc->initially_deferred)
			appendStringInfoString(&sql, " INITIALLY DEFERRED");
		appendStringInfoString(&sql, " NOT VALID");
		pgroll_ddl(sql.data);
		sync_add_job(sync, psprintf("validate foreign key %s", cc->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(cc->name)), NULL);
	}
}

static void
create_constraint_finish(PgrollOperation *op, OpContext *ctx)
{
	/* the copies are swapped in, or dropped, by the lifecycle */
}

const OpMethods create_constraint_methods = {
	.start = create_constraint_start,
	.complete = create_constraint_finish,
	.rollback = create_constraint_finish,
};
