/*-------------------------------------------------------------------------
 *
 * privileges.h
 *	  Privileges follow the data: version schemas and views get the base
 *	  schema's and tables' grants, a column's copy gets the column's.
 *
 * src/privileges.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_PRIVILEGES_H
#define PGROLL_PRIVILEGES_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"

#include "ddl.h"

/* GRANT on column "to" of the table what is granted on column "from" */
extern void privileges_copy_column(Oid relid, AttrNumber from, const char *to);

/*
 * A view column and the table column whose grants it takes (for a column
 * copy, the old column: the copy got the same grants)
 */
typedef struct ViewColumnGrant
{
	const char *view_column;
	AttrNumber	table_attnum;
} ViewColumnGrant;

/*
 * GRANT on the view what is granted on the table: SELECT, INSERT, UPDATE
 * and DELETE on the table, and on its columns mapped to the view's
 * columns (a list of ViewColumnGrant).
 */
extern void privileges_grant_view(Oid relid, const char *view, List *columns);

/*
 * The same for many views at once (a version schema's): the grants of the
 * tables (relids) read in one query, in the caller's memory context; each
 * view's GRANTs added to a batch of DDL.
 */
typedef struct ViewGrants ViewGrants;

extern ViewGrants *privileges_load_view_grants(List *relids);
extern void privileges_grant_view_batch(ViewGrants *grants, Oid relid, const char *view,
										List *columns, DdlBatch *batch);

/*
 * Make the grants of a saved ACL (aclitem[] as text) again on an object
 * ("schema.view", or "SEQUENCE schema.seq"), or on one of its columns,
 * owned by owner; objtype as acldefault() takes it ('r' relation, 's'
 * sequence).  For carried-over views and remade identity sequences.
 */
extern void privileges_restore(const char *object, const char *column, const char *acl,
							   Oid owner, char objtype);

/*
 * "GRANT USAGE ON SCHEMA <version schema> TO ..." for every role that has
 * USAGE on the base schema (PUBLIC included), or NULL if none has.
 */
extern char *privileges_schema_usage_sql(Oid nspid, const char *version_schema);

/*
 * Take every grant off the version schema but its owner's (those that
 * default privileges, ALTER DEFAULT PRIVILEGES ... ON SCHEMAS, gave it as
 * it was created): it opens when its backfill is done.
 */
extern void privileges_close_schema(const char *version_schema);

/*
 * A grant or revoke on the table while migrations are active: each copy
 * of one of its columns takes the column's grants again, each view of a
 * version schema over it the table's (as start gave them).  Runs as the
 * table's owner, and each view's owner.
 */
extern void privileges_refresh(Oid relid);

/* The step that opens a version with a backfill to the base schema's users */
#define PRIVILEGES_OPEN_VERSION_JOB "open the version to the base schema's users"

/*
 * A grant or revoke on a schema while it has version schemas: each open
 * version schema gets USAGE for the roles that have it on the base schema
 * now, as its owner; a version that is not open yet opens so.
 */
extern void privileges_refresh_schema(Oid nspid);

/*
 * GRANT USAGE, SELECT on a new column's sequence (an added serial) to
 * every role that may insert into the table, or into one of its columns.
 */
extern void privileges_sequence_for_inserters(Oid relid, const char *sequence);

#endif							/* PGROLL_PRIVILEGES_H */
