/*-------------------------------------------------------------------------
 *
 * add_column.c
 *	  add_column: a new column, visible in the new version only.
 *
 * start	ALTER TABLE .. ADD COLUMN _pgroll_new_<name>.  A constant default
 *			takes the fast path (PostgreSQL stores it without rewriting the
 *			table, no backfill).  Otherwise old rows and old writers get
 *			"up" through the sync trigger and the backfill, and a volatile
 *			default is set after the column is added (adding it with one
 *			would rewrite the table).  NOT NULL without the fast path is a
 *			NOT VALID check while the migration is active; a unique column
 *			gets a concurrent unique index; check and foreign key
 *			constraints are added NOT VALID; all are validated / built by
 *			the worker after the backfill.
 * complete	rename the column to its name; NOT NULL for real (the validated
 *			check spares the scan), unique index becomes a constraint
 * rollback	DROP COLUMN (its constraints, indexes and sequence go with it)
 *
 * src/ops/add_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_class.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "fragments.h"
#include "expr.h"
#include "ops/constraint_sql.h"
#include "ops/ops.h"
#include "privileges.h"

#define NEW_COLUMN_PREFIX	PGROLL_PREFIX "new_"
#define NOT_NULL_PREFIX		PGROLL_PREFIX "check_not_null_"
#define UNIQUE_PREFIX		PGROLL_PREFIX "uniq_"

/* What complete has to do, kept in operation_state.saved */
#define STEP_NOT_NULL	'n'
#define STEP_UNIQUE		'u'

typedef struct AddColumnPlan
{
	Oid			typid;
	int32		typmod;
	bool		serial;
	bool		volatile_default;
	bool		fast_path;		/* constant default, no up: nothing to fill */
	char	   *up;				/* the document's, or the default for serial */
	char	   *physical;
} AddColumnPlan;

static void
plan_column(PgrollOperation *op, OpContext *ctx, ModelTable *table, AddColumnPlan *plan)
{
	PgrollAddColumn *ac = &op->u.add_column;
	PgrollColumn *col = ac->column;
	bool		generated = col->generated_expression || col->identity;

	model_check_not_reserved(col->name, op_path(ctx, "column.name"));
	model_check_column_absent(table, col->name, op_path(ctx, "column.name"));
	if (col->pk)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: a column added by add_column cannot be a primary key column",
						op_path(ctx, "column.pk")),
				 errhint("Add the column, then use create_constraint with type primary_key.")));
	op_resolve_type(col->type, &plan->typid, &plan->typmod, &plan->serial,
					op_path(ctx, "column.type"));
	if (!col->nullable && col->default_expr == NULL && ac->up == NULL &&
		!plan->serial && !generated)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: required for a NOT NULL column without a default",
						op_path(ctx, "up")),
				 errhint("Existing rows need a value: give \"up\" or a \"default\".")));
	if (generated && (ac->up != NULL || col->default_expr != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: a generated column cannot have \"up\" or a default",
						op_path(ctx, "column.generated"))));

	if (col->default_expr != NULL)
		plan->volatile_default = expr_check_default(col->default_expr, plan->typid,
													plan->typmod,
													op_path(ctx, "column.default"));
	plan->up = ac->up;
	if (plan->up == NULL && plan->volatile_default)
		plan->up = col->default_expr;	/* each old row gets its own value */
	plan->fast_path = plan->up == NULL && !plan->serial && !generated;
	plan->physical = op_internal_name(NEW_COLUMN_PREFIX, col->name);

	if (OidIsValid(table->relid))
	{
		List	   *scope = op_table_scope(ctx, table);
		ExprColumn *self = palloc0(sizeof(ExprColumn));

		if (ac->up != NULL)
			expr_check(ac->up, scope, plan->typid, plan->typmod, op_path(ctx, "up"));

		/* a check may use the new column, under its name */
		self->name = col->name;
		self->type = plan->typid;
		self->typmod = plan->typmod;
		self->collation = get_typcollation(plan->typid);
		if (col->check)
			expr_check(col->check->constraint, lappend(list_copy(scope), self),
					   BOOLOID, -1, op_path(ctx, "column.check.constraint"));
	}
	if (col->references)
	{
		check_references(ctx, col->references, NULL, op_path(ctx, "column.references"));
		check_not_partitioned(op_table_relid(ctx, table), op_path(ctx, "column.references"),
							  "a foreign key");
	}
	if (col->unique)
		check_not_partitioned(op_table_relid(ctx, table), op_path(ctx, "column.unique"),
							  "a unique column");
	if (col->check)
		model_check_not_reserved(col->check->name, op_path(ctx, "column.check.name"));
	if (col->references)
		model_check_not_reserved(col->references->name,
								 op_path(ctx, "column.references.name"));
	if (col->check && model_has_constraint(table, col->check->name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: constraint \"%s\" already exists on table \"%s\"",
						op_path(ctx, "column.check.name"), col->check->name, table->name)));
	if (col->references && model_has_constraint(table, col->references->name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s: constraint \"%s\" already exists on table \"%s\"",
						op_path(ctx, "column.references.name"), col->references->name,
						table->name)));
}

/* ADD COLUMN _pgroll_new_<c> with what can go into it at once */
static void
add_physical_column(PgrollColumn *col, OpContext *ctx, ModelTable *table,
					AddColumnPlan *plan, const char *rel)
{
	StringInfoData sql;
	const char *qcol = quote_identifier(plan->physical);

	if (plan->serial)
	{
		char	   *seq = pgroll_qualified(ctx->schema,
										   op_internal_name("", psprintf("%s_%s_seq",
																		 table->name,
																		 col->name)));

		pgroll_ddlf("CREATE SEQUENCE %s AS %s", seq, format_type_be(plan->typid));
		plan->up = psprintf("pg_catalog.nextval(%s::pg_catalog.regclass)",
							pgroll_literal(seq));
		pgroll_ddlf("ALTER TABLE %s ADD COLUMN %s %s", rel, qcol,
					format_type_be(plan->typid));
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", rel, qcol, plan->up);
		pgroll_ddlf("ALTER SEQUENCE %s OWNED BY %s.%s", seq, rel, qcol);
		/* whoever may insert into the table may draw its numbers */
		privileges_sequence_for_inserters(table->relid, seq);
		return;
	}

	initStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s ADD COLUMN %s %s", rel, qcol,
					 op_type_sql(col->type, op_path(ctx, "column.type")));
	if (col->generated_expression)
		appendStringInfo(&sql, " GENERATED ALWAYS AS (%s) STORED",
						 fragment_expression_sql(col->generated_expression));
	if (col->identity)
	{
		appendStringInfo(&sql, " GENERATED %s AS IDENTITY",
						 col->identity->always ? "ALWAYS" : "BY DEFAULT");
		if (col->identity->sequence_options)
			appendStringInfo(&sql, " (%s)", col->identity->sequence_options);
	}
	if (col->default_expr && !plan->volatile_default)
		appendStringInfo(&sql, " DEFAULT %s", fragment_expression_sql(col->default_expr));
	if (!col->nullable && plan->fast_path)
		appendStringInfoString(&sql, " NOT NULL");
	pgroll_ddl(sql.data);

	if (plan->volatile_default)
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", rel, qcol,
					fragment_expression_sql(col->default_expr));
}

static void
add_column_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollAddColumn *ac = &op->u.add_column;
	PgrollColumn *col = ac->column;
	ModelTable *table = model_get_table(ctx->model, ac->table, op_path(ctx, "table"));
	AddColumnPlan plan = {0};
	ModelColumn *mc;
	char	   *rel;
	List	   *scope;
	TableSync  *sync;
	StringInfoData steps;
	bool		needs_fill;

	check_no_inheritance_children(op_table_relid(ctx, table), op_path(ctx, "table"));

	op_table_relid(ctx, table);
	plan_column(op, ctx, table, &plan);
	scope = OidIsValid(table->relid) ? op_table_scope(ctx, table) : NIL;

	mc = palloc0(sizeof(ModelColumn));
	mc->name = pstrdup(col->name);
	mc->physical = plan.physical;
	mc->view_default = col->default_expr;
	mc->type = plan.typid;
	mc->typmod = plan.typmod;
	mc->not_null = !col->nullable || col->pk;
	table->columns = lappend(table->columns, mc);
	if (col->check)
		table->constraints = lappend(table->constraints, col->check->name);
	if (col->references)
		table->constraints = lappend(table->constraints, col->references->name);

	if (!ctx->execute)
		return;

	rel = pgroll_relation_name(table->relid);
	sync = sync_table(ctx->sync, table->relid);
	initStringInfo(&steps);
	add_physical_column(col, ctx, table, &plan, rel);
	needs_fill = plan.up != NULL;

	if (col->comment)
		pgroll_ddlf("COMMENT ON COLUMN %s.%s IS %s", rel,
					quote_identifier(plan.physical), pgroll_literal(col->comment));

	if (needs_fill && plan.serial)
	{
		/*
		 * The column's default has drawn the insert's number already: the
		 * rule draws one only for a row without (an existing row, in the
		 * backfill), so an insert draws one number, not two.
		 */
		sync_add_rule(sync, true, plan.physical,
					  psprintf("COALESCE(%s, %s)",
							   quote_identifier(plan.physical), plan.up),
					  expr_scope_add(list_copy(scope), table->relid, plan.physical,
									 plan.physical));
		sync->backfill = true;
	}
	else if (needs_fill)
	{
		sync_add_rule(sync, true, plan.physical, plan.up, scope);
		sync->backfill = true;
	}

	if (!col->nullable && !plan.fast_path && !col->identity)
	{
		char	   *check = op_internal_name(NOT_NULL_PREFIX, col->name);

		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
					rel, quote_identifier(check), quote_identifier(plan.physical));
		sync_add_job(sync, psprintf("validate NOT NULL of %s.%s", rel, col->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(check)), NULL);
		appendStringInfoChar(&steps, STEP_NOT_NULL);
	}

	if (col->check)
	{
		List	   *check_scope = expr_scope_add(list_copy(scope), table->relid,
												 plan.physical, col->name);
		char	   *expr = expr_to_table_sql(col->check->constraint, table->relid,
											 check_scope,
											 op_path(ctx, "column.check.constraint"));

		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)%s NOT VALID", rel,
					quote_identifier(col->check->name), expr,
					col->check->no_inherit ? " NO INHERIT" : "");
		sync_add_job(sync, psprintf("validate check %s", col->check->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(col->check->name)), NULL);
	}

	if (col->references)
	{
		StringInfoData fk;

		initStringInfo(&fk);
		appendStringInfo(&fk, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) ", rel,
						 quote_identifier(col->references->name),
						 quote_identifier(plan.physical));
		append_references(&fk, ctx, col->references, NULL);
		appendStringInfoString(&fk, " NOT VALID");
		pgroll_ddl(fk.data);
		sync_add_job(sync, psprintf("validate foreign key %s", col->references->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(col->references->name)), NULL);
	}

	if (col->unique)
	{
		char	   *index = op_internal_name(UNIQUE_PREFIX, col->name);

		sync_add_job(sync, psprintf("unique index on %s.%s", rel, col->name),
					 psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
							  quote_identifier(index), rel,
							  quote_identifier(plan.physical)),
					 index);
		appendStringInfoChar(&steps, STEP_UNIQUE);
	}

	ctx->state->relid = table->relid;
	ctx->state->attnum = get_attnum(table->relid, plan.physical);
	ctx->state->saved = steps.data;
}

static void
add_column_complete(PgrollOperation *op, OpContext *ctx)
{
	PgrollColumn *col = op->u.add_column.column;
	char	   *rel = pgroll_relation_name(ctx->state->relid);
	const char *name = quote_identifier(col->name);
	const char *steps = ctx->state->saved ? ctx->state->saved : "";

	op_rename_column(ctx->state->relid,
					 get_attname(ctx->state->relid, ctx->state->attnum, false), col->name);
	if (strchr(steps, STEP_NOT_NULL))
	{
		/* the validated check proves it: no scan */
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", rel, name);
		pgroll_ddlf("ALTER TABLE %s DROP CONSTRAINT %s", rel,
					quote_identifier(op_internal_name(NOT_NULL_PREFIX, col->name)));
	}
	if (strchr(steps, STEP_UNIQUE))
		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s", rel,
					quote_identifier(op_internal_name("",
													  psprintf("%s_%s_key",
															   get_rel_name(ctx->state->relid),
															   col->name))),
					quote_identifier(op_internal_name(UNIQUE_PREFIX, col->name)));
}

static void
add_column_rollback(PgrollOperation *op, OpContext *ctx)
{
	if (ctx->state->attnum == InvalidAttrNumber)
		return;					/* the column is gone already */
	pgroll_ddlf("ALTER TABLE %s DROP COLUMN %s",
				pgroll_relation_name(ctx->state->relid),
				pgroll_column_name(ctx->state->relid, ctx->state->attnum));
}

const OpMethods add_column_methods = {
	.start = add_column_start,
	.complete = add_column_complete,
	.rollback = add_column_rollback,
};
