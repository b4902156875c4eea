/*-------------------------------------------------------------------------
 *
 * create_table.c
 *	  create_table: a new table, visible in the new version only.
 *
 * start	CREATE TABLE with every column and table constraint, comments
 * complete	nothing
 * rollback	DROP TABLE
 *
 * validate creates the table too, so that PostgreSQL checks the types,
 * defaults, generated columns, checks, exclusion constraints and index
 * parameters as at start, and the later operations see the table;
 * pgroll.validate rolls it back.  Foreign keys to existing tables are left
 * out: trying them would lock those tables against their writers.
 *
 * src/ops/create_table.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "ddl.h"
#include "fragments.h"
#include "ops/constraint_sql.h"
#include "ops/ops.h"

/*
 * validate: whether a foreign key of table can be tried, the table being
 * tried under trial_name.  Only one to a table this transaction created
 * (an earlier operation's trial, or the table itself): locking an existing
 * table for it could hold up the application's writers.
 */
static bool
foreign_key_tryable(OpContext *ctx, PgrollForeignKey *fk, const char *table,
					const char *trial_name)
{
	ModelTable *target;
	char	   *relname;
	HeapTuple	tuple;
	bool		ours;
	ListCell   *lc;

	if (strcmp(fk->table, table) == 0)
		return strcmp(trial_name, table) == 0;

	target = model_find_table(ctx->model, fk->table);
	if (target == NULL || !OidIsValid(target->relid))
		return false;
	relname = get_rel_name(target->relid);
	if (relname == NULL || strcmp(relname, target->physical) != 0)
		return false;			/* tried under a name of its own */
	foreach(lc, fk->column ? list_make1(fk->column) : fk->columns)
	{
		ModelColumn *col = model_find_column(target, lfirst(lc));

		if (col == NULL || get_attnum(target->relid, col->physical) == InvalidAttrNumber)
			return false;		/* a column another operation adds */
	}

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(target->relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	ours = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
	ReleaseSysCache(tuple);
	return ours;
}

/*
 * One column definition: name type [generated] [default] [constraints];
 * trial_name: see table_statement.
 */
static void
append_column(StringInfo sql, OpContext *ctx, PgrollCreateTable *ct,
			  PgrollColumn *col, int position, const char *trial_name)
{
	appendStringInfo(sql, "%s %s", quote_identifier(col->name),
					 op_type_sql(col->type, psprintf("%s.columns[%d].type", ctx->path, position)));

	if (col->generated_expression)
		appendStringInfo(sql, " GENERATED ALWAYS AS (%s) STORED",
						 fragment_expression_sql(col->generated_expression));
	if (col->identity)
	{
		appendStringInfo(sql, " GENERATED %s AS IDENTITY",
						 col->identity->always ? "ALWAYS" : "BY DEFAULT");
		if (col->identity->sequence_options)
			appendStringInfo(sql, " (%s)", col->identity->sequence_options);
	}
	if (col->default_expr)
		appendStringInfo(sql, " DEFAULT %s", fragment_expression_sql(col->default_expr));
	if (!col->nullable && !col->pk && col->identity == NULL)
		appendStringInfoString(sql, " NOT NULL");
	if (col->unique)
		appendStringInfoString(sql, " UNIQUE");
	if (col->check)
		appendStringInfo(sql, " CONSTRAINT %s CHECK %s%s",
						 quote_identifier(col->check->name),
						 fragment_expression_sql(col->check->constraint),
						 col->check->no_inherit ? " NO INHERIT" : "");
	if (col->references &&
		(trial_name == NULL ||
		 foreign_key_tryable(ctx, col->references, ct->name, trial_name)))
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
			appendStringInfo(sql, "CHECK %s%s", fragment_expression_sql(con->check),
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
				appendStringInfo(sql, " WHERE %s",
								 fragment_expression_sql(con->exclude->predicate));
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
	if (ctx->old_on_base)
	{
		foreach(lc, ctx->model->tables)
		{
			ModelTable *t = lfirst(lc);

			if (t->hidden && OidIsValid(t->relid) && strcmp(t->physical, ct->name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_TABLE),
						 errmsg("%s: table \"%s\" is dropped by this migration but keeps its "
								"name until complete", op_path(ctx, "name"), ct->name),
						 errdetail("This is the schema's first migration: old clients use the "
								   "base schema's tables by name until it completes."),
						 errhint("Create the new table under another name, and rename it in a "
								 "later migration.")));
		}
	}

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
		mc->not_null = !col->nullable || col->pk;
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

/*
 * CREATE TABLE for ct.  trial_name: NULL at start; in validate, the name
 * the table is tried under, and the foreign keys that cannot be tried are
 * left out.
 */
static char *
table_statement(PgrollCreateTable *ct, OpContext *ctx, const char *trial_name)
{
	StringInfoData sql;
	List	   *pk = NIL;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (",
					 pgroll_qualified(ctx->schema, trial_name ? trial_name : ct->name));
	foreach(lc, ct->columns)
	{
		PgrollColumn *col = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&sql, ", ");
		append_column(&sql, ctx, ct, col, foreach_current_index(lc), trial_name);
		if (col->pk)
			pk = lappend(pk, col->name);
	}
	if (pk != NIL)
		appendStringInfo(&sql, ", PRIMARY KEY (%s)", quoted_column_list(pk));
	foreach(lc, ct->constraints)
	{
		PgrollConstraint *con = lfirst(lc);

		if (con->type == PGROLL_CONSTRAINT_FOREIGN_KEY && trial_name != NULL &&
			!foreign_key_tryable(ctx, con->references, ct->name, trial_name))
			continue;
		appendStringInfoString(&sql, ", ");
		append_table_constraint(&sql, ctx, con);
	}
	appendStringInfoChar(&sql, ')');
	return sql.data;
}

/*
 * validate: create the table for PostgreSQL to check, and for the
 * operations after this one to see; the caller rolls it back.  When its
 * name is taken by a table this migration drops (which start renames
 * first), it is tried under a name of its own.  Returns false if there is
 * no free name to try it under.
 */
static bool
try_table(PgrollCreateTable *ct, OpContext *ctx, ModelTable *planned)
{
	const char *name = ct->name;
	ListCell   *lc;
	Oid			relid;
	ModelTable *created;

	foreach(lc, ctx->model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (t->hidden && strcmp(t->physical, ct->name) == 0)
		{
			/* not _pgroll_: the model does not read pgroll's own tables */
			name = psprintf("pgroll_trial_%d_%d", MyProcPid,
							list_length(ctx->model->tables));
			if (OidIsValid(get_relname_relid(name, ctx->nspid)))
				return false;
			break;
		}
	}

	pgroll_ddl(table_statement(ct, ctx, name));
	relid = get_relname_relid(name, ctx->nspid);
	created = model_read_table(relid);
	planned->relid = relid;
	planned->columns = created->columns;
	planned->indexes = created->indexes;

	/* and the foreign keys that were left out */
	planned->constraints = created->constraints;
	foreach(lc, ct->columns)
	{
		PgrollColumn *col = lfirst(lc);

		if (col->references && !model_has_constraint(planned, col->references->name))
			planned->constraints = lappend(planned->constraints, col->references->name);
	}
	foreach(lc, ct->constraints)
	{
		PgrollConstraint *con = lfirst(lc);

		if (con->type == PGROLL_CONSTRAINT_FOREIGN_KEY &&
			!model_has_constraint(planned, con->name))
			planned->constraints = lappend(planned->constraints, con->name);
	}
	return true;
}

/* validate without trying: the column's type, which must name one */
static void
resolve_column_type(const char *type, ModelColumn *mc, const char *path)
{
	bool		serial;

	op_resolve_type(type, &mc->type, &mc->typmod, &serial, path);
}

static void
create_table_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollCreateTable *ct = &op->u.create_table;
	ModelTable *planned = plan_table(ct, ctx);
	ListCell   *lc;
	char	   *qualified = pgroll_qualified(ctx->schema, ct->name);
	ModelTable *created;

	if (!ctx->execute)
	{
		ListCell   *lm;

		if (ctx->try_ddl && try_table(ct, ctx, planned))
			return;

		/* validate without trying: the types, at least, must exist */
		forboth(lc, ct->columns, lm, planned->columns)
		{
			ModelColumn *mc = lfirst(lm);

			resolve_column_type(((PgrollColumn *) lfirst(lc))->type, mc,
								psprintf("%s.columns[%d].type", ctx->path,
										 foreach_current_index(lc)));
		}
		return;
	}

	pgroll_ddl(table_statement(ct, ctx, NULL));

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
