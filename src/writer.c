/*-------------------------------------------------------------------------
 *
 * writer.c
 *	  Which version of a schema a row write belongs to.
 *
 * The write itself decides first.  An INSERT or UPDATE through a view of
 * a version schema keeps the view in the plan's range table, with the
 * INSERT or UPDATE right the statement needs on it; executor hooks note
 * the namespaces of those views for the duration of the statement's run,
 * so the sync trigger knows a write through public_02_x.items is a write
 * of that version whatever the session's search_path says (an ORM that
 * qualifies its tables does exactly that).  Next, the columns an UPDATE
 * sets (the trigger's tg_updatedcols, never a guess from the values).
 * Only then the session: pgroll.version, then search_path.
 *
 * src/writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/sysattr.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "access/relation.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "writer.h"

/* Namespaces of the views the running statement writes through */
#define MAX_WRITE_VIEWS 8
typedef struct WriteViews
{
	int			n;
	Oid			nspids[MAX_WRITE_VIEWS];	/* the view's schema */
	Oid			bases[MAX_WRITE_VIEWS];	/* the table it reads */
} WriteViews;

static WriteViews *current_write_views = NULL;
static ExecutorRun_hook_type prev_executor_run = NULL;
static ExecutorFinish_hook_type prev_executor_finish = NULL;

/* The one table a simple view reads (as a version's views do), or InvalidOid */
static Oid
view_base_relid(Oid viewid)
{
	Relation	view = relation_open(viewid, AccessShareLock);
	Query	   *query = get_view_query(view);
	Oid			base = InvalidOid;

	if (query->jointree != NULL && list_length(query->jointree->fromlist) == 1 &&
		IsA(linitial(query->jointree->fromlist), RangeTblRef))
	{
		RangeTblEntry *rte = rt_fetch(linitial_node(RangeTblRef,
													query->jointree->fromlist)->rtindex,
									  query->rtable);

		if (rte->rtekind == RTE_RELATION)
			base = rte->relid;
	}
	relation_close(view, AccessShareLock);
	return base;
}

static void
collect_write_views(PlannedStmt *stmt, WriteViews *views)
{
	ListCell   *lc;

	views->n = 0;
	if (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE)
		return;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_VIEW ||
			(rte->requiredPerms & (ACL_INSERT | ACL_UPDATE)) == 0 ||
			views->n >= MAX_WRITE_VIEWS)
			continue;
		views->nspids[views->n] = get_rel_namespace(rte->relid);
		views->bases[views->n] = view_base_relid(rte->relid);
		views->n++;
	}
}

static void
pgroll_executor_run(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
					bool execute_once)
{
	WriteViews *saved = current_write_views;
	WriteViews	views;

	collect_write_views(queryDesc->plannedstmt, &views);
	current_write_views = &views;
	PG_TRY();
	{
		if (prev_executor_run)
			prev_executor_run(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		current_write_views = saved;
	}
	PG_END_TRY();
}

/* A data-modifying CTE the query did not read to its end runs here */
static void
pgroll_executor_finish(QueryDesc *queryDesc)
{
	WriteViews *saved = current_write_views;
	WriteViews	views;

	collect_write_views(queryDesc->plannedstmt, &views);
	current_write_views = &views;
	PG_TRY();
	{
		if (prev_executor_finish)
			prev_executor_finish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		current_write_views = saved;
	}
	PG_END_TRY();
}

void
writer_init(void)
{
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = pgroll_executor_run;
	prev_executor_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = pgroll_executor_finish;
}

static void
resolve_version_schemas(WriterVersions *v)
{
	if (!OidIsValid(v->new_nspid))
		v->new_nspid = get_namespace_oid(v->new_vs, true);
	if (!OidIsValid(v->old_nspid) && v->old_vs[0] != '\0')
		v->old_nspid = get_namespace_oid(v->old_vs, true);
}

/*
 * 1 new, -1 old, 0 the statement does not write the table through a
 * version's view.  Through both (a writable CTE inserting through each) is
 * an error: the trigger cannot tell which of the statement's writes a row
 * comes from.
 */
static int
version_of_write_views(WriterVersions *v, Relation rel)
{
	bool		new_view = false;
	bool		old_view = false;

	if (current_write_views == NULL)
		return 0;
	for (int i = 0; i < current_write_views->n; i++)
	{
		Oid			nspid = current_write_views->nspids[i];
		Oid			base = current_write_views->bases[i];

		if (base != v->relid && base != v->root_relid)
			continue;
		new_view |= OidIsValid(v->new_nspid) && nspid == v->new_nspid;
		old_view |= OidIsValid(v->old_nspid) && nspid == v->old_nspid;
	}
	if (new_view && old_view)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("a statement writes table \"%s\" through both the old and the new version",
						RelationGetRelationName(rel)),
				 errdetail("While migration version \"%s\" is active, each write belongs to one version.",
						   v->version),
				 errhint("Write through each version in a statement of its own.")));
	if (new_view != old_view)
		return new_view ? 1 : -1;
	return 0;
}

/* 1 new, -1 old, 0 the columns an UPDATE sets do not tell */
static int
version_of_updated_columns(WriterVersions *v, TriggerData *td, Relation rel)
{
	bool		sets_new = false;
	bool		sets_old = false;
	int			attnum = -1;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event) || td->tg_updatedcols == NULL)
		return 0;
	while ((attnum = bms_next_member(v->new_only, attnum)) >= 0)
		sets_new |= bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber,
								  td->tg_updatedcols);
	attnum = -1;
	while ((attnum = bms_next_member(v->old_only, attnum)) >= 0)
		sets_old |= bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber,
								  td->tg_updatedcols);
	if (sets_new && sets_old)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("an UPDATE of \"%s\" sets columns of both the old and the new version",
						RelationGetRelationName(rel)),
				 errdetail("While migration version \"%s\" is active, a write belongs to one version.",
						   v->version),
				 errhint("Write through one version's views, e.g. with search_path = %s.",
						 quote_identifier(v->new_vs))));
	if (sets_new != sets_old)
		return sets_new ? 1 : -1;
	return 0;
}

/* 1 new, -1 old, 0 pgroll.version is not set; an unknown version is an error */
static int
version_of_setting(WriterVersions *v, Relation rel)
{
	const char *setting = pgroll_version_setting;
	const char *schema;
	size_t		len;

	if (setting == NULL || setting[0] == '\0')
		return 0;
	if (strcmp(setting, v->new_vs) == 0 || strcmp(setting, v->version) == 0)
		return 1;
	if (v->old_vs[0] != '\0')
	{
		if (strcmp(setting, v->old_vs) == 0)
			return -1;
		/* the old version's name: its schema's without "<schema>_" */
		schema = get_namespace_name(v->base_nspid);
		len = strlen(schema);
		if (strncmp(v->old_vs, schema, len) == 0 && v->old_vs[len] == '_' &&
			strcmp(setting, v->old_vs + len + 1) == 0)
			return -1;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("pgroll.version \"%s\" is not a live version of schema \"%s\"",
					setting, get_namespace_name(v->base_nspid)),
			 errdetail("Table \"%s\" is being migrated; its live versions are %s%s%s.",
					   RelationGetRelationName(rel), quote_identifier(v->new_vs),
					   v->old_vs[0] != '\0' ? " and " : " and the base schema",
					   v->old_vs[0] != '\0' ? quote_identifier(v->old_vs) : ""),
			 errhint("SET pgroll.version to one of them, or RESET it and use search_path.")));
	return 0;					/* keep compiler quiet */
}

/* 1 new, -1 old, 0 no schema of the migration is on search_path */
static int
version_of_search_path(WriterVersions *v)
{
	Oid			path[32];
	int			n = fetch_search_path_array(path, lengthof(path));

	for (int i = 0; i < Min(n, (int) lengthof(path)); i++)
	{
		if (!OidIsValid(path[i]))
			continue;
		if (path[i] == v->new_nspid)
			return 1;
		if (path[i] == v->old_nspid || path[i] == v->base_nspid)
			return -1;
	}
	return 0;
}

bool
writer_is_new(WriterVersions *v, TriggerData *td)
{
	int			version;

	resolve_version_schemas(v);
	version = version_of_write_views(v, td->tg_relation);
	if (version == 0)
		version = version_of_updated_columns(v, td, td->tg_relation);
	if (version == 0)
		version = version_of_setting(v, td->tg_relation);
	if (version == 0)
		version = version_of_search_path(v);
	return version > 0;
}
