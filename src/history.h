/*-------------------------------------------------------------------------
 *
 * history.h
 *	  pgroll.migrations and pgroll.operation_state: record, find, finish.
 *
 * src/history.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_HISTORY_H
#define PGROLL_HISTORY_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* The active (not done) migration of a schema */
typedef struct ActiveMigration
{
	char	   *name;
	char	   *version_schema; /* "<schema>_<version>" */
	Jsonb	   *document;
} ActiveMigration;

/* What start resolved for one operation (pgroll.operation_state) */
typedef struct OperationState
{
	int			position;
	const char *operation;
	Oid			relid;
	AttrNumber	attnum;
	Oid			objid;
	char		objkind;		/* what objid is: OPERATION_OBJECT_* */
	char	   *saved;
} OperationState;

/* Kinds of OperationState.objid, kept by name in pgroll.operation_state */
#define OPERATION_OBJECT_INDEX		'i'
#define OPERATION_OBJECT_CONSTRAINT	'c'

/* Serialise starts, completes and rollbacks on one schema (xact lock) */
extern void history_lock_schema(Oid nspid);

/* The active migration of the schema, or NULL */
extern ActiveMigration *history_active(const char *schema);

/* The latest version schema that exists ("<schema>_<version>"), or NULL */
extern char *history_latest_version_schema(const char *schema);

/* The latest migration's name, or NULL if there is none */
extern char *history_latest(const char *schema);

extern bool history_exists(const char *schema, const char *name);

extern void history_insert(const char *schema, const char *name,
						   Jsonb *document, const char *parent);
extern void history_mark_done(const char *schema, const char *name);
extern void history_delete(const char *schema, const char *name);

/* The version schema of the migration's parent ("<schema>_<version>"), or NULL */
extern char *history_parent_version_schema(const char *schema, const char *name);

/* Version schemas of the schema's other migrations that still exist */
extern List *history_stale_version_schemas(const char *schema, const char *keep);

/*
 * An object start did not carry over (one of the expected conditions),
 * for pgroll.status() to list while the migration is active.
 */
extern void history_record_skipped(const char *schema, const char *migration,
								   const char *object, const char *reason);

extern void history_save_state(const char *schema, const char *name,
							   OperationState *state);
/*
 * What start saved for one operation, the column resolved from its name;
 * with require_column, a column that is gone is an error, else attnum is
 * InvalidAttrNumber.
 */
extern OperationState *history_load_state(const char *schema, const char *name,
										  int position, bool require_column);

#endif							/* PGROLL_HISTORY_H */
