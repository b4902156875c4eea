/*-------------------------------------------------------------------------
 *
 * retired.c
 *	  Statements that reach a retired version's views fail, whatever their
 *	  conditions.
 *
 * A retired version's views are tombstones that read
 * pgroll.retired_version_rows(), which raises the error naming the current
 * version.  But the planner may never run that function: a condition it
 * folds to false (WHERE 1 = 0, an empty IN list as ORMs write it) or
 * LIMIT 0 leaves nothing to execute, and the client would get no rows and
 * no error.  The view stays in the plan's range table whatever the
 * planner did (for its permission check), so the executor hook looks
 * there, before anything runs.
 *
 * src/retired.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "retired.h"

static ExecutorStart_hook_type prev_executor_start = NULL;

/* The text of a constant argument, or NULL */
static char *
const_text(Node *arg)
{
	if (arg != NULL && IsA(arg, Const) && !((Const *) arg)->constisnull &&
		((Const *) arg)->consttype == TEXTOID)
		return TextDatumGetCString(((Const *) arg)->constvalue);
	return NULL;
}

/*
 * If the view is a tombstone (its query reads pgroll.retired_version_rows),
 * raise the retired version's error.
 */
static void
check_view(Oid viewid)
{
	Relation	view = relation_open(viewid, AccessShareLock);
	Query	   *query = get_view_query(view);
	ListCell   *lc;

	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		RangeTblFunction *rtfunc;
		FuncExpr   *func;
		char	   *version_schema;
		char	   *successor;

		if (rte->rtekind != RTE_FUNCTION || list_length(rte->functions) != 1)
			continue;
		rtfunc = linitial(rte->functions);
		if (!IsA(rtfunc->funcexpr, FuncExpr))
			continue;
		func = (FuncExpr *) rtfunc->funcexpr;
		if (list_length(func->args) != 2 ||
			strcmp(get_func_name(func->funcid), "retired_version_rows") != 0 ||
			strcmp(get_namespace_name(get_func_namespace(func->funcid)), "pgroll") != 0)
			continue;
		version_schema = const_text(linitial(func->args));
		successor = const_text(lsecond(func->args));
		if (version_schema == NULL || successor == NULL)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version schema \"%s\" is retired", version_schema),
				 errdetail("The migration that replaced it was completed; the current version is \"%s\".",
						   successor),
				 errhint("Move this client to the current version (SET search_path = %s).",
						 quote_identifier(successor))));
	}
	relation_close(view, AccessShareLock);
}

static void
pgroll_executor_start(QueryDesc *queryDesc, int eflags)
{
	ListCell   *lc;

	foreach(lc, queryDesc->plannedstmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_VIEW)
			check_view(rte->relid);
	}
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

void
retired_init(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = pgroll_executor_start;
}
