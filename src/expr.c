/*-------------------------------------------------------------------------
 *
 * expr.c
 *	  Checking, compiling and rewriting the SQL expressions of a migration.
 *
 * Every expression goes through the same door: it is parsed as the single
 * target of "SELECT (<expression>)" and must come out as exactly that (one
 * statement, one target, no FROM, WHERE or anything else), so a fragment
 * cannot smuggle in a second statement or a different query.  Column
 * names are resolved by a post-column-reference hook: a name no table of
 * the expression's own subqueries resolves becomes a parameter bound to a
 * column of the row (or, when rewriting for DDL, a Var of the table that
 * PostgreSQL's deparser prints under its physical name).  No text is ever
 * substituted: a column "id" cannot touch "paid".
 *
 * A simple expression (no subquery) is compiled once into an ExprState and
 * evaluated per row without the executor; one with subqueries runs as a
 * prepared SPI plan.
 *
 * src/expr.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "access/relation.h"
#include "parser/parser.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "expr.h"
#include "subxact.h"

typedef struct HookState
{
	List	   *scope;
	bool		as_vars;		/* Var of varno 1 (DDL) instead of Param */
	const char *chain_name;		/* a chain's later stage: this name ... */
	Node	   *chain_value;	/* ... is the previous stage's value */
	Oid			relid;			/* as_vars: the table varno 1 is */
} HookState;

List *
expr_scope_add(List *scope, Oid relid, const char *attname, const char *name)
{
	HeapTuple	tuple = SearchSysCacheAttName(relid, attname);
	Form_pg_attribute att;
	ExprColumn *col;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "column \"%s\" of relation %u not found", attname, relid);
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	col = palloc0(sizeof(ExprColumn));
	col->name = pstrdup(name);
	col->attnum = att->attnum;
	col->type = att->atttypid;
	col->typmod = att->atttypmod;
	col->collation = att->attcollation;
	ReleaseSysCache(tuple);
	return lappend(scope, col);
}

List *
expr_scope_add_planned(List *scope, const char *name, Oid type, int32 typmod)
{
	ExprColumn *col = palloc0(sizeof(ExprColumn));

	col->name = pstrdup(name);
	col->attnum = InvalidAttrNumber;
	col->type = type;
	col->typmod = typmod;
	col->collation = get_typcollation(type);
	return lappend(scope, col);
}

List *
expr_scope_of_table(Oid relid)
{
	List	   *scope = NIL;
	HeapTuple	reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	int			natts;

	if (!HeapTupleIsValid(reltup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	natts = ((Form_pg_class) GETSTRUCT(reltup))->relnatts;
	ReleaseSysCache(reltup);

	for (AttrNumber attnum = 1; attnum <= natts; attnum++)
	{
		HeapTuple	tuple = SearchSysCacheAttNum(relid, attnum);
		Form_pg_attribute att;

		if (!HeapTupleIsValid(tuple))
			continue;
		att = (Form_pg_attribute) GETSTRUCT(tuple);
		if (!att->attisdropped && !pgroll_is_internal_name(NameStr(att->attname)))
		{
			ExprColumn *col = palloc0(sizeof(ExprColumn));

			col->name = pstrdup(NameStr(att->attname));
			col->attnum = attnum;
			col->type = att->atttypid;
			col->typmod = att->atttypmod;
			col->collation = att->attcollation;
			scope = lappend(scope, col);
		}
		ReleaseSysCache(tuple);
	}
	return scope;
}

static Node *
column_hook(ParseState *pstate, ColumnRef *cref, Node *var)
{
	HookState  *hs = (HookState *) pstate->p_ref_hook_state;
	const char *name;
	ListCell   *lc;

	if (var != NULL || list_length(cref->fields) != 1 ||
		!IsA(linitial(cref->fields), String))
		return NULL;
	name = strVal(linitial(cref->fields));

	if (hs->chain_value != NULL && hs->chain_name != NULL &&
		strcmp(name, hs->chain_name) == 0)
	{
		Node	   *value = copyObject(hs->chain_value);
		int			levelsup = 0;

		for (ParseState *p = pstate; p->parentParseState != NULL; p = p->parentParseState)
			levelsup++;
		if (levelsup > 0)
			IncrementVarSublevelsUp(value, levelsup, 0);
		return value;
	}

	foreach(lc, hs->scope)
	{
		ExprColumn *col = lfirst(lc);

		if (strcmp(col->name, name) != 0)
			continue;
		if (hs->as_vars)
		{
			int			levelsup = 0;

			if (col->attnum == InvalidAttrNumber)
				elog(ERROR, "column \"%s\" is only planned", col->name);
			/* inside a subquery the row is an outer reference */
			for (ParseState *p = pstate; p->parentParseState != NULL; p = p->parentParseState)
				levelsup++;
			return (Node *) makeVar(1, col->attnum, col->type, col->typmod,
									col->collation, levelsup);
		}
		else
		{
			Param	   *param = makeNode(Param);

			param->paramkind = PARAM_EXTERN;
			param->paramid = foreach_current_index(lc) + 1;
			param->paramtype = col->type;
			param->paramtypmod = col->typmod;
			param->paramcollid = col->collation;
			param->location = cref->location;
			return (Node *) param;
		}
	}
	return NULL;
}

static void
parser_setup(ParseState *pstate, void *arg)
{
	pstate->p_post_columnref_hook = column_hook;
	pstate->p_ref_hook_state = arg;
}

/*
 * The raw expression of "SELECT (<sql>)", after checking the statement is
 * exactly that.
 */
static Node *
raw_expression(const char *wrapped)
{
	List	   *stmts = raw_parser(wrapped, RAW_PARSE_DEFAULT);
	SelectStmt *select;

	if (list_length(stmts) == 1 &&
		IsA(linitial_node(RawStmt, stmts)->stmt, SelectStmt))
	{
		select = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
		if (select->op == SETOP_NONE && list_length(select->targetList) == 1 &&
			select->fromClause == NIL && select->whereClause == NULL &&
			select->groupClause == NIL && select->havingClause == NULL &&
			select->windowClause == NIL && select->distinctClause == NIL &&
			select->valuesLists == NIL && select->sortClause == NIL &&
			select->limitCount == NULL && select->limitOffset == NULL &&
			select->lockingClause == NIL && select->withClause == NULL &&
			select->intoClause == NULL)
			return linitial_node(ResTarget, select->targetList)->val;
	}
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("not a single SQL expression")));
	return NULL;				/* keep compiler quiet */
}

/*
 * Transform sql in scope and coerce it to the target type (InvalidOid:
 * boolean condition).  Sets *has_sublinks.
 */
static Node *
transform(const char *sql, HookState *hs, Oid target_type, int32 target_typmod,
		  bool *has_sublinks)
{
	char	   *wrapped = psprintf("SELECT (%s\n)", sql);
	Node	   *raw = raw_expression(wrapped);
	ParseState *pstate = make_parsestate(NULL);
	Node	   *expr;
	Oid			source_type;

	pstate->p_sourcetext = wrapped;
	parser_setup(pstate, hs);

	/*
	 * Vars of varno 1 need the table as range table entry 1, which a
	 * subquery's analysis looks up.  It is not in the namespace: the row's
	 * names resolve only through the hook, after the expression's own.
	 */
	if (hs->as_vars)
	{
		Relation	rel = relation_open(hs->relid, AccessShareLock);

		(void) addRangeTableEntryForRelation(pstate, rel, AccessShareLock, NULL,
											 false, false);
		relation_close(rel, NoLock);
	}
	expr = transformExpr(pstate, raw, EXPR_KIND_SELECT_TARGET);
	source_type = exprType(expr);

	if (target_type == ANYOID)
		;						/* any type: as it is */
	else if (OidIsValid(target_type))
	{
		Node	   *coerced = coerce_to_target_type(pstate, expr, source_type,
													target_type, target_typmod,
													COERCION_EXPLICIT,
													COERCE_EXPLICIT_CAST, -1);

		if (coerced == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("expression of type %s cannot be cast to %s",
							format_type_be(source_type),
							format_type_with_typemod(target_type, target_typmod))));
		expr = coerced;
	}
	else
		expr = coerce_to_boolean(pstate, expr, "a pgroll condition");

	assign_expr_collations(pstate, expr);
	*has_sublinks = pstate->p_hasSubLinks;
	free_parsestate(pstate);
	return expr;
}

/*
 * Transform a chain of stages: each is cast to its type; stage k > 1 sees
 * stage k - 1 under the stage's name.  The last stage's text and the composed
 * value of the others are left in *last and hs->chain_value.
 */
static Node *
transform_chain(List *stages, HookState *hs, bool *has_sublinks, ExprStage **last)
{
	Node	   *value = NULL;
	ListCell   *lc;

	*has_sublinks = false;
	hs->chain_value = NULL;
	foreach(lc, stages)
	{
		ExprStage  *stage = lfirst(lc);
		bool		sublinks;

		hs->chain_name = stage->name;
		hs->chain_value = value;
		value = transform(stage->expression, hs, stage->type, stage->typmod, &sublinks);
		*has_sublinks |= sublinks;
		*last = stage;
	}
	return value;
}

/*
 * Run fn(arg) in a subtransaction; an error it raises is re-raised with its
 * message prefixed by path, and nothing it did survives.
 */
static void
with_path(const char *path, void (*fn) (void *), void *arg)
{
	(void) pgroll_subxact(fn, arg, true, PGROLL_EXPECT_NOTHING, path, NULL);
}

typedef struct CheckArgs
{
	const char *sql;
	List	   *scope;
	Oid			target_type;
	int32		target_typmod;
	Oid			relid;			/* expr_to_table_sql */
	char	   *result;
	bool		volatile_expr;
	bool		any_type;		/* expr_to_table_sql: not a condition */
} CheckArgs;

static void
check_fn(void *arg)
{
	CheckArgs  *a = arg;
	HookState	hs = {a->scope, false, NULL, NULL, InvalidOid};
	bool		has_sublinks;
	Node	   *expr;

	expr = transform(a->sql, &hs, a->target_type, a->target_typmod, &has_sublinks);
	a->volatile_expr = contain_volatile_functions(expr);
}

bool
expr_check_default(const char *sql, Oid target_type, int32 target_typmod,
				   const char *path)
{
	CheckArgs	a = {sql, NIL, target_type, target_typmod, InvalidOid, NULL, false, false};

	with_path(path, check_fn, &a);
	return a.volatile_expr;
}

typedef struct ChainArgs
{
	List	   *stages;
	List	   *scope;
} ChainArgs;

static void
check_chain_fn(void *arg)
{
	ChainArgs  *a = arg;
	HookState	hs = {a->scope, false, NULL, NULL, InvalidOid};
	bool		has_sublinks;
	ExprStage  *last;

	(void) transform_chain(a->stages, &hs, &has_sublinks, &last);
}

void
expr_check_chain(List *stages, List *scope, const char *path)
{
	ChainArgs	a = {stages, scope};

	with_path(path, check_chain_fn, &a);
}

void
expr_check(const char *sql, List *scope, Oid target_type, int32 target_typmod,
		   const char *path)
{
	CheckArgs	a = {sql, scope, target_type, target_typmod, InvalidOid, NULL, false, false};

	with_path(path, check_fn, &a);
}

static void
to_table_sql_fn(void *arg)
{
	CheckArgs  *a = arg;
	HookState	hs = {a->scope, true, NULL, NULL, a->relid};
	bool		has_sublinks;
	Node	   *expr = transform(a->sql, &hs, a->any_type ? ANYOID : InvalidOid, -1,
								 &has_sublinks);

	if (has_sublinks)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot use a subquery here")));
	a->result = deparse_expression(expr,
								   deparse_context_for(get_rel_name(a->relid), a->relid),
								   false, false);
}

static void
check_table_condition_fn(void *arg)
{
	CheckArgs  *a = arg;
	HookState	hs = {a->scope, false, NULL, NULL, InvalidOid};
	bool		has_sublinks;

	(void) transform(a->sql, &hs, InvalidOid, -1, &has_sublinks);
	if (has_sublinks)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot use a subquery here")));
}

void
expr_check_table_condition(const char *sql, List *scope, const char *path)
{
	CheckArgs	a = {sql, scope, InvalidOid, -1, InvalidOid, NULL, false, false};

	with_path(path, check_table_condition_fn, &a);
}

char *
expr_to_table_sql(const char *sql, Oid relid, List *scope, const char *path)
{
	CheckArgs	a = {sql, scope, InvalidOid, -1, relid, NULL, false, false};

	with_path(path, to_table_sql_fn, &a);
	return a.result;
}

char *
expr_rewrite_for_table(const char *sql, Oid relid, List *scope, const char *path)
{
	CheckArgs	a = {sql, scope, InvalidOid, -1, relid, NULL, false, true};

	with_path(path, to_table_sql_fn, &a);
	return a.result;
}

CompiledExpr *
expr_compile(const char *sql, List *scope, Oid target_type, int32 target_typmod,
			 MemoryContext cxt)
{
	ExprStage  *stage = palloc0(sizeof(ExprStage));

	stage->expression = pstrdup(sql);
	stage->type = target_type;
	stage->typmod = target_typmod;
	return expr_compile_chain(list_make1(stage), scope, cxt);
}

CompiledExpr *
expr_compile_chain(List *stages, List *scope, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CompiledExpr *ce = palloc0(sizeof(CompiledExpr));
	HookState  *hs = palloc0(sizeof(HookState));
	int			nparams = list_length(scope);
	bool		has_sublinks;
	Node	   *expr;
	ExprStage  *last;
	ListCell   *lc;

	ce->scope = scope;
	hs->scope = scope;
	ce->params = makeParamList(nparams);
	foreach(lc, scope)
	{
		ExprColumn *col = lfirst(lc);
		ParamExternData *p = &ce->params->params[foreach_current_index(lc)];

		p->ptype = col->type;
		p->pflags = PARAM_FLAG_CONST;
		p->isnull = true;
	}

	expr = transform_chain(stages, hs, &has_sublinks, &last);
	if (!has_sublinks)
	{
		ce->state = ExecInitExprWithParams(expression_planner((Expr *) expr), ce->params);
		ce->econtext = CreateStandaloneExprContext();
		ce->econtext->ecxt_param_list_info = ce->params;
	}
	else
	{
		/* the last stage as a query; earlier stages come in through the hook */
		char	   *query = psprintf("SELECT CAST((%s\n) AS %s)", last->expression,
									 format_type_with_typemod(last->type, last->typmod));

		/* a connection of our own: the caller may be inside an SPI query */
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ce->plan = SPI_prepare_params(query, parser_setup, hs, 0);
		if (ce->plan == NULL)
			elog(ERROR, "could not prepare a pgroll expression: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(ce->plan) != 0)
			elog(ERROR, "could not keep a pgroll expression plan");
		SPI_finish();
		MemoryContextSwitchTo(cxt);
		ce->search_path = pstrdup(namespace_search_path);
	}
	MemoryContextSwitchTo(old);
	return ce;
}

Datum
expr_eval(CompiledExpr *ce, Datum *row_values, bool *row_nulls, bool *isnull)
{
	ListCell   *lc;

	foreach(lc, ce->scope)
	{
		ExprColumn *col = lfirst(lc);
		ParamExternData *p = &ce->params->params[foreach_current_index(lc)];

		p->value = row_values[col->attnum - 1];
		p->isnull = row_nulls[col->attnum - 1];
	}

	if (ce->state != NULL)
	{
		Datum		result;

		ResetExprContext(ce->econtext);
		result = ExecEvalExprSwitchContext(ce->state, ce->econtext, isnull);
		return result;
	}
	else
	{
		Datum		result = (Datum) 0;
		MemoryContext caller = CurrentMemoryContext;
		int			rc;

		int			nestlevel;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		/* a different path would make the plan cache re-resolve the names */
		nestlevel = pgroll_push_search_path(ce->search_path);
		rc = SPI_execute_plan_with_paramlist(ce->plan, ce->params, false, 2);
		AtEOXact_GUC(true, nestlevel);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "a pgroll expression returned %llu rows",
				 (unsigned long long) SPI_processed);
		result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
		if (!*isnull)
		{
			Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, 0);
			MemoryContext old = MemoryContextSwitchTo(caller);

			result = datumCopy(result, att->attbyval, att->attlen);
			MemoryContextSwitchTo(old);
		}
		SPI_finish();
		return result;
	}
}

/*
 * A chain as one expression tree over the table's columns (Vars of varno
 * 1), for a statement that computes the value itself.  NULL when a stage
 * has a subquery.
 */
Node *
expr_chain_as_vars(List *stages, List *scope, Oid relid)
{
	HookState	hs = {scope, true, NULL, NULL, relid};
	bool		has_sublinks;
	ExprStage  *last;
	Node	   *expr = transform_chain(stages, &hs, &has_sublinks, &last);

	return has_sublinks ? NULL : expr;
}
