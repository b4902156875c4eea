/*-------------------------------------------------------------------------
 *
 * expr.h
 *	  SQL expressions of a migration (up, down, index predicates, checks):
 *	  checked, compiled and rewritten with PostgreSQL's own parser.
 *
 * An expression names the columns of the row by their logical names (the
 * names one version gives them).  A scope maps those names to physical
 * columns.  Names are resolved the way SQL resolves an outer reference of
 * a subquery: a column of a table in the expression's own FROM clause
 * wins; only a name nothing else resolves is a column of the row.
 *
 * src/expr.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_EXPR_H
#define PGROLL_EXPR_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"
#include "nodes/execnodes.h"
#include "nodes/params.h"

/* One name of a scope */
typedef struct ExprColumn
{
	char	   *name;			/* logical name */
	AttrNumber	attnum;			/* physical column */
	Oid			type;
	int32		typmod;
	Oid			collation;
} ExprColumn;

/*
 * One stage of a chain of expressions: several operations of a migration
 * rewriting one column compose, each stage seeing the previous stage's
 * value under the chain's name.
 */
typedef struct ExprStage
{
	char	   *expression;
	Oid			type;			/* the stage's result is cast to this */
	int32		typmod;
	char	   *name;			/* stage k > 1: the name under which it sees
								 * stage k - 1's value */
} ExprStage;

/* A compiled expression, evaluated per row by the sync trigger */
typedef struct CompiledExpr
{
	List	   *scope;			/* ExprColumn *; parameter i is scope[i-1] */
	ParamListInfo params;
	ExprState  *state;			/* simple expressions: evaluated directly */
	ExprContext *econtext;
	SPIPlanPtr	plan;			/* with subqueries: run through SPI */
	char	   *search_path;	/* SPI: the path it was planned with */
} CompiledExpr;

/*
 * The scope of a table's columns under their physical names, except
 * pgroll's own _pgroll_* columns.
 */
extern List *expr_scope_of_table(Oid relid);

/* Add name -> physical column attname of relid to a scope */
extern List *expr_scope_add(List *scope, Oid relid, const char *attname,
							const char *name);

/*
 * Add a column that does not exist yet (validate: a column the migration
 * adds), of the given type.  Such a scope is for checking only: it cannot
 * be rewritten for a table (expr_to_table_sql).
 */
extern List *expr_scope_add_planned(List *scope, const char *name, Oid type,
									int32 typmod);

/*
 * Check that sql is one expression that compiles in scope and can be cast
 * to the target type; otherwise raise an error whose message starts with
 * path.  Changes nothing.
 */
extern void expr_check(const char *sql, List *scope, Oid target_type,
					   int32 target_typmod, const char *path);

/*
 * Like expr_check, for an expression without column references (a
 * default); returns whether it is volatile.
 */
extern bool expr_check_default(const char *sql, Oid target_type,
							   int32 target_typmod, const char *path);

/*
 * expr_check for a chain: stage 1 sees the scope; stage k > 1 sees the
 * value of stage k - 1 under its name (and the scope for other names).
 */
extern void expr_check_chain(List *stages, List *scope, const char *path);

/*
 * Compile for evaluation; everything is allocated in cxt.  Names resolve
 * with the current search_path, which a plan with subqueries keeps.
 */
extern CompiledExpr *expr_compile(const char *sql, List *scope, Oid target_type,
								  int32 target_typmod, MemoryContext cxt);
extern CompiledExpr *expr_compile_chain(List *stages, List *scope, MemoryContext cxt);

/* Evaluate on a row (values and nulls indexed by attnum - 1) */
extern Datum expr_eval(CompiledExpr *ce, Datum *row_values, bool *row_nulls,
					   bool *isnull);

/*
 * Rewrite a boolean expression over the logical names of scope into SQL
 * over relid's physical columns (for an index predicate or a CHECK).
 */
extern char *expr_to_table_sql(const char *sql, Oid relid, List *scope,
							   const char *path);

/* The same for an expression of any type (an index column) */
extern char *expr_rewrite_for_table(const char *sql, Oid relid, List *scope,
									const char *path);

/*
 * Check, without rewriting, that expr_to_table_sql would accept sql: a
 * condition in scope, without subqueries.  For validate, whose scope may
 * hold planned columns.
 */
extern void expr_check_table_condition(const char *sql, List *scope,
									   const char *path);

/*
 * A chain as one expression over the table's columns (Vars of varno 1), for
 * a statement that computes the value itself; NULL if it has a subquery.
 */
extern Node *expr_chain_as_vars(List *stages, List *scope, Oid relid);

#endif							/* PGROLL_EXPR_H */
