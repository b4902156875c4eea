/*-------------------------------------------------------------------------
 *
 * alter_column.c
 *	  alter_column: change a live column (type, nullability, default,
 *	  comment, check, unique, references, any several at once).
 *
 * start	work on the column's copy (ops/copies.c): the new type, the
 *			changes, "up" for old writers and the backfill, "down" for new
 *			writers; new constraints NOT VALID (validated after the
 *			backfill), a new unique index built concurrently
 * complete	the copy takes the column's place (lifecycle: copies)
 * rollback	the copy is dropped (lifecycle: copies)
 *
 * Several operations on one column compose: each one's "up" sees the value
 * the previous one produced, the "down"s apply in reverse.
 *
 * src/ops/alter_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "fragments.h"
#include "expr.h"
#include "ops/constraint_sql.h"
#include "ops/copies.h"
#include "ops/ops.h"

static void
require(const char *value, OpContext *ctx, const char *field, const char *when)
{
	if (value == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: required when %s", op_path(ctx, field), when)));
}

/* A scope in which "name" has the given type (what the stage sees) */
static List *
scope_with_type(List *scope, const char *name, Oid type, int32 typmod)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, scope)
	{
		ExprColumn *col = lfirst(lc);

		if (strcmp(col->name, name) == 0)
		{
			ExprColumn *c = palloc(sizeof(ExprColumn));

			*c = *col;
			c->type = type;
			c->typmod = typmod;
			c->collation = get_typcollation(type);
			col = c;
		}
		result = lappend(result, col);
	}
	return result;
}

static void
check_constraint_name_free(OpContext *ctx, ModelTable *table, const char *name,
						   const char *field)
{
	model_check_not_reserved(name, op_path(ctx, field));
	if (model_has_constraint(table, name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: constraint \"%s\" already exists on table \"%s\"",
						op_path(ctx, field), name, table->name)));
}

static void
alter_column_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollAlterColumn *ac = &op->u.alter_column;
	ModelTable *table = model_get_table(ctx->model, ac->table, op_path(ctx, "table"));
	ModelColumn *column = model_get_column(table, ac->column, op_path(ctx, "column"));
	Oid			old_type = column->type;
	int32		old_typmod = column->typmod;
	CopyOptions opts = {0};
	ColumnCopy *copy;
	const char *self = quote_identifier(column->name);
	const char *up;
	const char *down;
	List	   *scope_old = NIL;
	List	   *scope_new = NIL;
	char	   *rel = NULL;
	TableSync  *sync = NULL;

	/* as in pgroll: what each change needs */
	if (ac->type)
	{
		require(ac->up, ctx, "up", "changing the type");
		require(ac->down, ctx, "down", "changing the type");
	}
	if (ac->check)
	{
		require(ac->up, ctx, "up", "adding a check");
		require(ac->down, ctx, "down", "adding a check");
		check_constraint_name_free(ctx, table, ac->check->name, "check.name");
	}
	if (ac->references)
	{
		require(ac->up, ctx, "up", "adding a foreign key");
		require(ac->down, ctx, "down", "adding a foreign key");
		check_constraint_name_free(ctx, table, ac->references->name, "references.name");
		check_references(ctx, ac->references, NULL, op_path(ctx, "references"));
		check_not_partitioned(op_table_relid(ctx, table), op_path(ctx, "references"),
							  "a foreign key");
	}
	/* as in pgroll: a nullability change that changes nothing is refused */
	if (ac->nullable.present && ac->nullable.value != column->not_null)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: column \"%s\" of table \"%s\" is already %s",
						op_path(ctx, "nullable"), column->name, table->name,
						column->not_null ? "NOT NULL" : "nullable"),
				 errhint("Leave \"nullable\" out of the operation.")));
	if (ac->nullable.present && !ac->nullable.value)
		require(ac->up, ctx, "up", "setting NOT NULL");
	if (ac->nullable.present && ac->nullable.value)
		require(ac->down, ctx, "down", "dropping NOT NULL");
	if (ac->unique_name)
	{
		check_constraint_name_free(ctx, table, ac->unique_name, "unique.name");
		if (model_has_index(ctx->model, ac->unique_name) ||
			OidIsValid(get_relname_relid(ac->unique_name, ctx->nspid)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
							op_path(ctx, "unique.name"), ac->unique_name, ctx->schema)));
	}
	up = ac->up ? ac->up : self;
	down = ac->down ? ac->down : self;

	if (ac->type)
	{
		bool		serial;

		op_resolve_type(ac->type, &opts.type, &opts.typmod, &serial, op_path(ctx, "type"));
	}
	opts.drop_not_null = ac->nullable.present && ac->nullable.value;
	opts.replaces_default = ac->default_expr.present;

	op_table_relid(ctx, table);
	if (OidIsValid(table->relid))
		scope_old = op_table_scope_old(ctx, table);
	copy = column_copy(ctx, table, column, &opts);
	if (OidIsValid(table->relid) && ctx->execute)
		scope_new = op_table_scope(ctx, table);

	/* the expressions compile against the columns they will see */
	if (OidIsValid(table->relid))
	{
		List	   *check_scope = ctx->execute ? op_table_scope(ctx, table) : scope_old;

		expr_check(up, scope_with_type(scope_old, column->name, old_type, old_typmod),
				   column->type, column->typmod, op_path(ctx, "up"));
		expr_check(down, scope_with_type(check_scope, column->name, column->type, column->typmod),
				   old_type, old_typmod, op_path(ctx, "down"));
		if (ac->check)
			expr_check(ac->check->constraint,
					   scope_with_type(check_scope, column->name, column->type, column->typmod),
					   BOOLOID, -1, op_path(ctx, "check.constraint"));
	}
	if (ac->default_expr.present && !ac->default_expr.is_null)
		(void) expr_check_default(ac->default_expr.value, column->type, column->typmod,
								  op_path(ctx, "default"));

	/* the model: what the new version shows */
	if (ac->nullable.present)
		column->not_null = !ac->nullable.value;
	if (ac->default_expr.present)
		column->view_default = ac->default_expr.is_null ? NULL : ac->default_expr.value;
	if (ac->check)
		table->constraints = lappend(table->constraints, ac->check->name);
	if (ac->references)
		table->constraints = lappend(table->constraints, ac->references->name);
	if (ac->unique_name)
	{
		table->constraints = lappend(table->constraints, ac->unique_name);
		table->indexes = lappend(table->indexes, ac->unique_name);
	}

	if (!ctx->execute)
		return;

	rel = pgroll_relation_name(table->relid);
	sync = sync_table(ctx->sync, table->relid);
	sync_add_stage(sync, true, copy->physical, column->name, up,
				   column->type, column->typmod, scope_old, false);
	sync_add_stage(sync, false, column->source, column->name, down,
				   old_type, old_typmod, scope_new, true);

	if (ac->nullable.present)
		column_copy_set_not_null(ctx, copy, !ac->nullable.value);

	if (ac->default_expr.present)
	{
		if (ac->default_expr.is_null)
			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", rel,
						quote_identifier(copy->physical));
		else
			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", rel,
						quote_identifier(copy->physical),
						fragment_expression_sql(ac->default_expr.value));
	}

	if (ac->comment.present)
		pgroll_ddlf("COMMENT ON COLUMN %s.%s IS %s", rel, quote_identifier(copy->physical),
					ac->comment.is_null ? "NULL" : pgroll_literal(ac->comment.value));

	if (ac->check)
	{
		char	   *expr = expr_to_table_sql(ac->check->constraint, table->relid, scope_new,
											 op_path(ctx, "check.constraint"));

		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)%s NOT VALID", rel,
					quote_identifier(ac->check->name), expr,
					ac->check->no_inherit ? " NO INHERIT" : "");
		sync_add_job(sync, psprintf("validate check %s", ac->check->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(ac->check->name)), NULL);
	}

	if (ac->references)
	{
		StringInfoData fk;

		initStringInfo(&fk);
		appendStringInfo(&fk, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) ", rel,
						 quote_identifier(ac->references->name),
						 quote_identifier(copy->physical));
		append_references(&fk, ctx, ac->references, NULL);
		appendStringInfoString(&fk, " NOT VALID");
		pgroll_ddl(fk.data);
		sync_add_job(sync, psprintf("validate foreign key %s", ac->references->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(ac->references->name)), NULL);
	}

	if (ac->unique_name)
	{
		sync_add_job(sync, psprintf("unique index %s", ac->unique_name),
					 psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
							  quote_identifier(ac->unique_name), rel,
							  quote_identifier(copy->physical)),
					 ac->unique_name);
		column_copy_add_object(copy, "unique", table->relid, ac->unique_name,
							   ac->unique_name, InvalidOid, NULL);
	}
}

static void
alter_column_finish(PgrollOperation *op, OpContext *ctx)
{
	/* the column's copy is swapped in, or dropped, by the lifecycle */
}

const OpMethods alter_column_methods = {
	.start = alter_column_start,
	.complete = alter_column_finish,
	.rollback = alter_column_finish,
};
