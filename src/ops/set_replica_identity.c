/*-------------------------------------------------------------------------
 *
 * set_replica_identity.c
 *	  set_replica_identity: applies to the table (both versions) at start.
 *
 * start	ALTER TABLE .. REPLICA IDENTITY, remembering the old identity
 * complete	nothing
 * rollback	restore the old identity (pgroll leaves the new one in place)
 *
 * src/ops/set_replica_identity.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "ddl.h"
#include "ops/ops.h"

/* The index of the table that is its replica identity, or InvalidOid */
static Oid
replica_identity_index(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	Oid			indexoid;

	if (!RelationIsValid(rel))
		elog(ERROR, "could not open relation %u", relid);
	indexoid = RelationGetReplicaIndex(rel);
	RelationClose(rel);
	return indexoid;
}

static char
replica_identity_kind(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	char		kind;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	kind = ((Form_pg_class) GETSTRUCT(tuple))->relreplident;
	ReleaseSysCache(tuple);
	return kind;
}

static void
apply_identity(Oid relid, char kind, const char *index)
{
	const char *clause;

	switch (kind)
	{
		case REPLICA_IDENTITY_NOTHING:
			clause = "NOTHING";
			break;
		case REPLICA_IDENTITY_FULL:
			clause = "FULL";
			break;
		case REPLICA_IDENTITY_INDEX:
			clause = psprintf("USING INDEX %s", quote_identifier(index));
			break;
		default:
			clause = "DEFAULT";
			break;
	}
	pgroll_ddlf("ALTER TABLE %s REPLICA IDENTITY %s",
				pgroll_relation_name(relid), clause);
}

static char
kind_from_document(const char *type)
{
	if (strcmp(type, "nothing") == 0)
		return REPLICA_IDENTITY_NOTHING;
	if (strcmp(type, "full") == 0)
		return REPLICA_IDENTITY_FULL;
	if (strcmp(type, "index") == 0)
		return REPLICA_IDENTITY_INDEX;
	return REPLICA_IDENTITY_DEFAULT;
}

static void
set_replica_identity_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollSetReplicaIdentity *ri = &op->u.set_replica_identity;
	ModelTable *table = model_get_table(ctx->model, ri->table, op_path(ctx, "table"));
	char		kind = kind_from_document(ri->identity_type);
	ListCell   *lc;
	bool		found = false;

	if (kind == REPLICA_IDENTITY_INDEX)
	{
		foreach(lc, table->indexes)
			found |= strcmp(lfirst(lc), ri->index) == 0;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("%s: index \"%s\" does not exist on table \"%s\"",
							op_path(ctx, "identity.index"), ri->index, table->name)));
	}
	if (!ctx->execute)
		return;

	ctx->state->relid = op_table_relid(ctx, table);
	ctx->state->saved = psprintf("%c", replica_identity_kind(table->relid));
	ctx->state->objkind = OPERATION_OBJECT_INDEX;
	ctx->state->objid = replica_identity_kind(table->relid) == REPLICA_IDENTITY_INDEX ?
		replica_identity_index(table->relid) : InvalidOid;
	apply_identity(table->relid, kind, ri->index);
}

static void
set_replica_identity_complete(PgrollOperation *op, OpContext *ctx)
{
}

static void
set_replica_identity_rollback(PgrollOperation *op, OpContext *ctx)
{
	char		kind = ctx->state->saved[0];
	char	   *index = NULL;

	if (kind == REPLICA_IDENTITY_INDEX)
	{
		index = get_rel_name(ctx->state->objid);
		if (index == NULL)
			kind = REPLICA_IDENTITY_DEFAULT;	/* the index is gone */
	}
	apply_identity(ctx->state->relid, kind, index);
}

const OpMethods set_replica_identity_methods = {
	.start = set_replica_identity_start,
	.complete = set_replica_identity_complete,
	.rollback = set_replica_identity_rollback,
};
