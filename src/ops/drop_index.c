/*-------------------------------------------------------------------------
 *
 * drop_index.c
 *	  drop_index: dropped with DROP INDEX CONCURRENTLY at complete.
 *
 * start	check the index exists
 * complete	queue DROP INDEX CONCURRENTLY (the worker runs it after
 *			complete commits); a partitioned table's index is dropped at once
 * rollback	nothing
 *
 * src/ops/drop_index.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "jobs.h"
#include "ops/ops.h"

static void
drop_index_start(PgrollOperation *op, OpContext *ctx)
{
	const char *name = op->u.drop_index.name;
	Oid			index;
	ListCell   *lt;

	foreach(lt, ctx->model->tables)
	{
		ModelTable *t = lfirst(lt);
		ListCell   *li;

		foreach(li, t->indexes)
		{
			if (strcmp(lfirst(li), name) == 0)
			{
				t->indexes = foreach_delete_current(t->indexes, li);
				if (ctx->execute)
				{
					ctx->state->objid = get_relname_relid(name, ctx->nspid);
					ctx->state->objkind = OPERATION_OBJECT_INDEX;
					if (!OidIsValid(ctx->state->objid) ||
						(get_rel_relkind(ctx->state->objid) != RELKIND_INDEX &&
						 get_rel_relkind(ctx->state->objid) != RELKIND_PARTITIONED_INDEX))
						ereport(ERROR,
								(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
								 errmsg("%s: index \"%s\" is created by this migration",
										op_path(ctx, "name"), name),
								 errhint("Leave out both operations.")));
					if (get_rel_relispartition(ctx->state->objid))
						ereport(ERROR,
								(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
								 errmsg("%s: index \"%s\" is a partition's index of an index "
										"of the partitioned table", op_path(ctx, "name"), name),
								 errhint("Drop the partitioned table's index instead.")));
					if (OidIsValid(get_index_constraint(ctx->state->objid)))
						ereport(ERROR,
								(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
								 errmsg("%s: index \"%s\" belongs to a constraint",
										op_path(ctx, "name"), name),
								 errhint("Drop the constraint instead.")));
				}
				return;
			}
		}
	}
	/* a partition's index: the model has the partitioned tables only */
	index = get_relname_relid(name, ctx->nspid);
	if (OidIsValid(index) && get_rel_relkind(index) == RELKIND_INDEX &&
		get_rel_relispartition(IndexGetRelation(index, false)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: index \"%s\" is an index of a partition",
						op_path(ctx, "name"), name),
				 errhint("Drop the partitioned table's index, or the partition's index "
						 "with a \"sql\" operation.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("%s: index \"%s\" does not exist in schema \"%s\"",
					op_path(ctx, "name"), name, ctx->schema)));
}

static void
drop_index_complete(PgrollOperation *op, OpContext *ctx)
{
	char	   *current = get_rel_name(ctx->state->objid);

	if (current == NULL)
		return;					/* already gone */

	/*
	 * A partitioned table's index has no concurrent drop: dropped here,
	 * with its partitions' indexes, which takes the tables' locks for a
	 * moment (no scan), under pgroll's lock discipline.
	 */
	if (get_rel_relkind(ctx->state->objid) == RELKIND_PARTITIONED_INDEX)
	{
		pgroll_ddlf("DROP INDEX %s", pgroll_relation_name(ctx->state->objid));
		return;
	}
	jobs_enqueue_statement(ctx->schema, ctx->migration, "complete",
						   psprintf("drop index %s", current),
						   psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
									pgroll_relation_name(ctx->state->objid)),
						   NULL);
}

static void
drop_index_rollback(PgrollOperation *op, OpContext *ctx)
{
}

const OpMethods drop_index_methods = {
	.start = drop_index_start,
	.complete = drop_index_complete,
	.rollback = drop_index_rollback,
};
