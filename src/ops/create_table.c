/*-------------------------------------------------------------------------
 *
 * create_table.c
 *	  create_table: a new table, visible in the new version only.
 *
 * start	CREATE TABLE with every column and table constraint, comments
 * complete	nothing
 * rollback	DROP TABLE
 *
 * src/ops/create_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "ddl.h"
#include "ops/constraint_sql.h"
#include "ops/ops.h"

/* One column definition: name type [generated] [default] [constraints] */
static void
append_column(StringInfo sql, OpContext *ctx, PgrollColumn *col)
{
	appendStringInfo(sql, "%s %s", quote_identifier(col->name), col->type);

	if (col->generated_expression)
		appendStringInfo(sql, " GENERATED ALWAYS AS (%s) STORED",
						 col->generated_expression);
	if (col->identity)
	{
		appendStringInfo(sql, " GENERATED %s AS IDENTITY",
						 col->identity->always ? "ALWAYS" : "BY DEFAULT");
		if (col->identity->sequence_options)
			appendStringInfo(sql, " (%s)", col->identity->sequence_options);
	}
	if (col->default_expr)
		appendStringInfo(sql, " DEFAULT %s", col->default_expr);
	if (!col->nullable && !col->pk && col->identity == NULL)
		appendStringInfoString(sql, " NOT NULL");
	if (col->unique)
		appendStringInfoString(sql, " UNIQUE");
	if (col->check)
		appendStringInfo(sql, " CONSTRAINT %s CHECK (%s)%s",
						 quote_identifier(col->check->name), col->check->constraint,
						 col->check->no_inherit ? " NO INHERIT" : "");
	if (col->references)
	{
		appendStringInfo(sql, " CONSTRAINT %s ",
						 quote_identifier(col->references->name));
		append_references(sql, ctx, col->references, NULL);
	}
}

/* A table-level constraint */
static void
append_table_constraint(StringInfo sql, OpContext *ctx, PgrollConstraint *con)
{
	appendStringInfo(sql, "CONSTRAINT %s ", quote_identifier(con->name));
	switch (con->type)
	{
		case PGROLL_CONSTRAINT_UNIQUE:
			appendStringInfo(sql, "UNIQUE%s (%s)",
							 con->nulls_not_distinct ? " NULLS NOT DISTINCT" : "",
							 quoted_column_list(con->columns));
			append_index_parameters(sql, con->index_parameters);
			break;
		case PGROLL_CONSTRAINT_PRIMARY_KEY:
			appendStringInfo(sql, "PRIMARY KEY (%s)", quoted_column_list(con->columns));
			append_index_parameters(sql, con->index_parameters);
			break;
		case PGROLL_CONSTRAINT_CHECK:
			appendStringInfo(sql, "CHECK (%s)%s", con->check,
							 con->no_inherit ? " NO INHERIT" : "");
			break;
		case PGROLL_CONSTRAINT_FOREIGN_KEY:
			appendStringInfo(sql, "FOREIGN KEY (%s) ", quoted_column_list(con->columns));
			append_references(sql, ctx, con->references, NULL);
			break;
		case PGROLL_CONSTRAINT_EXCLUDE:
			appendStringInfo(sql, "EXCLUDE USING %s (%s)",
							 quote_identifier(con->exclude->index_method ?
											  con->exclude->index_method : "btree"),
							 con->exclude->elements);
			append_index_parameters(sql, con->index_parameters);
			if (con->exclude->predicate)
				appendStringInfo(sql, " WHERE (%s)", con->exclude->predicate);
			break;
	}
	if (con->deferrable)
		appendStringInfoString(sql, " DEFERRABLE");
	if (con->initially_deferred)
		appendStringInfoString(sql, " INITIALLY DEFERRED");
}

/* Check the definition against itself and the model; add it to the model */
static ModelTable *
plan_table(PgrollCreateTable *ct, OpContext *ctx)
{
	ModelTable *table = palloc0(sizeof(ModelTable));
	bool		has_pk_column = false;
	ListCell   *lc;
	int			i = 0;

	model_check_not_reserved(ct->name, op_path(ctx, "name"));
	model_check_table_absent(ctx->model, ct->name, op_path(ctx, "name"));

	table->name = pstrdup(ct->name);
	table->physical = pstrdup(ct->name);

	foreach(lc, ct->columns)
	{
		PgrollColumn *col = lfirst(lc);
		char	   *path = psprintf("%s.columns[%d]", ctx->path, i++);
		ModelColumn *mc;

		model_check_not_reserved(col->name, psprintf("%s.name", path));
		model_check_column_absent(table, col->name, psprintf("%s.name", path));
		if (col->references)
			check_references(ctx, col->references, table, psprintf("%s.references", path));
		if (col->check)
			model_check_not_reserved(col->check->name, psprintf("%s.check.name", path));
		if (col->references)
			model_check_not_reserved(col->references->name,
									 psprintf("%s.references.name", path));
		has_pk_column |= col->pk;

		mc = palloc0(sizeof(ModelColumn));
		mc->name = pstrdup(col->name);
		mc->physical = pstrdup(col->name);
		mc->view_default = col->default_expr;
		if (!ctx->execute)
		{
			bool		serial;

			op_resolve_type(col->type, &mc->type, &mc->typmod, &serial,
							psprintf("%s.type", path));
		}
		table->columns = lappend(table->columns, mc);
		if (col->check)
			table->constraints = lappend(table->constraints, col->check->name);
		if (col->references)
			table->constraints = lappend(table->constraints, col->references->name);
	}

	i = 0;
	foreach(lc, ct->constraints)
	{
		PgrollConstraint *con = lfirst(lc);
		char	   *path = psprintf("%s.constraints[%d]", ctx->path, i++);
		ListCell   *lcol;

		model_check_not_reserved(con->name, psprintf("%s.name", path));
		if (model_has_constraint(table, con->name))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("%s.name: constraint \"%s\" is defined twice",
							path, con->name)));
		if (con->type == PGROLL_CONSTRAINT_PRIMARY_KEY && has_pk_column)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("%s: a primary_key constraint cannot be combined with \"pk\": true columns",
							path)));
		foreach(lcol, con->columns)
			(void) model_get_column(table, lfirst(lcol), psprintf("%s.columns", path));
		if (con->index_parameters)
		{
			foreach(lcol, con->index_parameters->include_columns)
				(void) model_get_column(table, lfirst(lcol),
										psprintf("%s.index_parameters.include_columns", path));
		}
		if (con->references)
			check_references(ctx, con->references, table, psprintf("%s.references", path));
		table->constraints = lappend(table->constraints, con->name);
	}

	ctx->model->tables = lappend(ctx->model->tables, table);
	return table;
}

static void
create_table_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollCreateTable *ct = &op->u.create_table;
	ModelTable *planned = plan_table(ct, ctx);
	StringInfoData sql;
	List	   *pk = NIL;
	ListCell   *lc;
	char	   *qualified = pgroll_qualified(ctx->schema, ct->name);
	ModelTable *created;

	if (!ctx->execute)
		return;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (", qualified);
	foreach(lc, ct->columns)
	{
		PgrollColumn *col = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&sql, ", ");
		append_column(&sql, ctx, col);
		if (col->pk)
			pk = lappend(pk, col->name);
	}
	if (pk != NIL)
		appendStringInfo(&sql, ", PRIMARY KEY (%s)", quoted_column_list(pk));
	foreach(lc, ct->constraints)
	{
		appendStringInfoString(&sql, ", ");
		append_table_constraint(&sql, ctx, lfirst(lc));
	}
	appendStringInfoChar(&sql, ')');
	pgroll_ddl(sql.data);

	if (ct->comment)
		pgroll_ddlf("COMMENT ON TABLE %s IS %s", qualified, pgroll_literal(ct->comment));
	foreach(lc, ct->columns)
	{
		PgrollColumn *col = lfirst(lc);

		if (col->comment)
			pgroll_ddlf("COMMENT ON COLUMN %s.%s IS %s", qualified,
						quote_identifier(col->name), pgroll_literal(col->comment));
	}

	/* the catalog knows the real defaults (serial) and generated names */
	created = model_read_table(op_table_relid(ctx, planned));
	planned->relid = created->relid;
	planned->columns = created->columns;
	planned->constraints = created->constraints;
	planned->indexes = created->indexes;
	ctx->state->relid = created->relid;
}

static void
create_table_complete(PgrollOperation *op, OpContext *ctx)
{
}

static void
create_table_rollback(PgrollOperation *op, OpContext *ctx)
{
	pgroll_ddlf("DROP TABLE %s", pgroll_relation_name(ctx->state->relid));
}

const OpMethods create_table_methods = {
	.start = create_table_start,
	.complete = create_table_complete,
	.rollback = create_table_rollback,
};
