/*-------------------------------------------------------------------------
 *
 * drop_constraints.c
 *	  drop_constraint (one column) and drop_multicolumn_constraint: the new
 *	  version stops enforcing a constraint; the old version still does.
 *
 * start	copy the constraint's columns without it (ops/copies.c), with
 *			"up" (default: the value as it is) and "down" (repairing what
 *			new writers write so that the old version's constraint holds)
 * complete	the copies take the columns' places; the constraint goes with
 *			the old columns (lifecycle: copies)
 * rollback	the copies are dropped (lifecycle: copies)
 *
 * src/ops/drop_constraints.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "expr.h"
#include "ops/copies.h"
#include "ops/ops.h"

static const char *
map_expression(List *map, const char *column)
{
	ListCell   *lc;

	foreach(lc, map)
	{
		PgrollColumnExpr *ce = lfirst(lc);

		if (strcmp(ce->column, column) == 0)
			return ce->expr;
	}
	return NULL;
}

/* The model columns of a constraint, in conkey order */
static List *
constraint_columns(OpContext *ctx, ModelTable *table, Oid conoid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(conoid)};
	List	   *physical = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	SPI_execute_with_args("SELECT a.attname FROM pg_catalog.pg_constraint c "
						  "CROSS JOIN LATERAL pg_catalog.unnest(c.conkey) WITH ORDINALITY k(attnum, n) "
						  "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid "
						  "  AND a.attnum = k.attnum "
						  "WHERE c.oid = $1 ORDER BY k.n", 1, argtypes, values, NULL, false, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
		physical = lappend(physical, SPI_getvalue(SPI_tuptable->vals[i],
												  SPI_tuptable->tupdesc, 1));
	foreach(lc, physical)
	{
		ListCell   *lm;
		ModelColumn *found = NULL;

		foreach(lm, table->columns)
		{
			ModelColumn *col = lfirst(lm);
			const char *phys = col->source ? col->source : col->physical;

			if (!col->hidden && strcmp(phys, lfirst(lc)) == 0)
				found = col;
		}
		if (found == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("%s: a column of the constraint is not in the new version",
							op_path(ctx, "name"))));
		result = lappend(result, found);
	}
	return result;
}

/*
 * Common to both operations: copy the columns without the constraint,
 * with up (default identity) and down for each.
 */
static void
drop_constraint_columns(OpContext *ctx, ModelTable *table, const char *name,
						List *up, List *down, const char *single_up,
						const char *single_down, bool single)
{
	Oid			conoid;
	List	   *columns;
	List	   *scope_old;
	List	   *scope_new = NIL;
	List	   *copies = NIL;
	ListCell   *lc;
	ListCell   *lcopy;
	TableSync  *sync = NULL;

	if (!model_has_constraint(table, name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: constraint \"%s\" does not exist on table \"%s\"",
						op_path(ctx, "name"), name, table->name)));
	foreach(lc, table->constraints)
	{
		if (strcmp(lfirst(lc), name) == 0)
			table->constraints = foreach_delete_current(table->constraints, lc);
	}
	if (!OidIsValid(op_table_relid(ctx, table)))
		return;

	conoid = get_relation_constraint_oid(table->relid, name, false);
	columns = constraint_columns(ctx, table, conoid);
	if (single && list_length(columns) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: constraint \"%s\" has %d columns", op_path(ctx, "name"),
						name, list_length(columns)),
				 errhint("Use drop_multicolumn_constraint.")));

	/* up and down name exactly the constraint's columns */
	if (!single)
	{
		foreach(lc, columns)
		{
			ModelColumn *col = lfirst(lc);

			if (map_expression(down, col->name) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s.down: missing expression for column \"%s\"",
								ctx->path, col->name)));
		}
		for (int m = 0; m < 2; m++)
		{
			foreach(lc, m == 0 ? up : down)
			{
				PgrollColumnExpr *ce = lfirst(lc);
				ListCell   *lm;
				bool		found = false;

				foreach(lm, columns)
					found |= strcmp(((ModelColumn *) lfirst(lm))->name, ce->column) == 0;
				if (!found)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s.%s: column \"%s\" is not a column of constraint \"%s\"",
									ctx->path, m == 0 ? "up" : "down", ce->column, name)));
			}
		}
	}

	scope_old = op_table_scope_old(ctx, table);
	foreach(lc, columns)
	{
		CopyOptions opts = {0};

		opts.without_constraint = conoid;
		copies = lappend(copies, column_copy(ctx, table, lfirst(lc), &opts));
	}
	if (ctx->execute)
		scope_new = op_table_scope(ctx, table);

	if (ctx->execute)
		sync = sync_table(ctx->sync, table->relid);
	forboth(lc, columns, lcopy, copies)
	{
		ModelColumn *col = lfirst(lc);
		ColumnCopy *copy = lfirst(lcopy);
		const char *up_expr = single ? single_up : map_expression(up, col->name);
		const char *down_expr = single ? single_down : map_expression(down, col->name);

		if (up_expr == NULL)
			up_expr = quote_identifier(col->name);
		expr_check(up_expr, scope_old, col->type, col->typmod,
				   single ? op_path(ctx, "up") : psprintf("%s.up.%s", ctx->path, col->name));
		expr_check(down_expr, ctx->execute ? scope_new : scope_old, col->type, col->typmod,
				   single ? op_path(ctx, "down") : psprintf("%s.down.%s", ctx->path, col->name));
		if (!ctx->execute)
			continue;
		sync_add_stage(sync, true, copy->physical, col->name, up_expr, col->type, col->typmod,
					   scope_old, false);
		sync_add_stage(sync, false, col->source, col->name, down_expr, col->type, col->typmod,
					   scope_new, true);
	}
}

static void
drop_constraint_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollDropConstraint *dc = &op->u.drop_constraint;
	ModelTable *table = model_get_table(ctx->model, dc->table, op_path(ctx, "table"));

	drop_constraint_columns(ctx, table, dc->name, NIL, NIL, dc->up, dc->down, true);
}

static void
drop_multicolumn_constraint_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollDropMulticolumnConstraint *dc = &op->u.drop_multicolumn_constraint;
	ModelTable *table = model_get_table(ctx->model, dc->table, op_path(ctx, "table"));

	drop_constraint_columns(ctx, table, dc->name, dc->up, dc->down, NULL, NULL, false);
}

static void
drop_constraint_finish(PgrollOperation *op, OpContext *ctx)
{
	/* the copies are swapped in, or dropped, by the lifecycle */
}

const OpMethods drop_constraint_methods = {
	.start = drop_constraint_start,
	.complete = drop_constraint_finish,
	.rollback = drop_constraint_finish,
};

const OpMethods drop_multicolumn_constraint_methods = {
	.start = drop_multicolumn_constraint_start,
	.complete = drop_constraint_finish,
	.rollback = drop_constraint_finish,
};
