/*-------------------------------------------------------------------------
 *
 * versions.h
 *	  Version schemas: one view per table, as one version of the schema
 *	  looks to its clients.
 *
 * src/versions.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_VERSIONS_H
#define PGROLL_VERSIONS_H

#include "model.h"

/* "<schema>_<version>"; error 42622 if longer than an identifier may be */
extern char *versions_schema_name(const char *schema, const char *version);

/* Create the version schema with one view per visible table of the model */
extern void versions_create(Model *model, const char *version_schema);

/*
 * Does the version schema have a view for every visible table of the
 * model?  (A DROP ... CASCADE by hand may have dropped some.)
 */
extern bool versions_complete(Model *model, const char *version_schema);

/* Drop a version schema and its views, if it exists */
extern void versions_drop(const char *version_schema);

/* The comment that marks a retired version schema, then its successor */
#define PGROLL_RETIRED_COMMENT "pgroll: retired version, replaced by "

/*
 * At complete, the previous version is retired rather than dropped: each
 * of its views becomes a tombstone of the same name and columns that
 * raises an error naming the successor on any read or write, so a client
 * still on it fails clearly instead of falling through its search_path to
 * the contracted base tables.  Dropped at the next complete.
 */
extern void versions_retire(const char *version_schema, const char *successor);

/*
 * The columns of a view that show a column of the table, as
 * ViewColumnGrant * (privileges.h): the view's column, the table's attnum.
 */
extern List *versions_view_columns(Oid view, Oid relid);

#endif							/* PGROLL_VERSIONS_H */
