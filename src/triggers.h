/*-------------------------------------------------------------------------
 *
 * triggers.h
 *	  The sync trigger: while a migration is active, a row written through
 *	  either version is made right for both.
 *
 * src/triggers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_TRIGGERS_H
#define PGROLL_TRIGGERS_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/relcache.h"

/*
 * BEFORE row triggers fire in the byte order of their names; "~" sorts
 * after every letter, digit and "_", so the sync step sees the row as the
 * application's own BEFORE triggers left it.  0.1.0 named it _pgroll_sync.
 */
#define PGROLL_SYNC_TRIGGER "~pgroll_sync"
#define PGROLL_SYNC_TRIGGER_0_1 "_pgroll_sync"

/*
 * One assignment: on a write by an old-version client ("up") or by a
 * new-version client ("down"), set column target to expression, evaluated
 * over scope (ExprColumn *: the names the expression may use).
 */
typedef struct SyncRule
{
	bool		up;
	char	   *target;			/* physical column name */
	List	   *stages;			/* ExprStage *; type InvalidOid: the target's */
	List	   *scope;			/* ExprColumn *, seen by the first stage */
} SyncRule;

/* A step to queue after the table's backfill (or at once, without one) */
typedef struct PendingJob
{
	char	   *description;
	char	   *command;
	char	   *index_name;		/* CREATE INDEX CONCURRENTLY: the index */
} PendingJob;

typedef struct TableSync
{
	Oid			relid;
	List	   *rules;			/* SyncRule *, applied in order */
	bool		backfill;		/* existing rows need "up" */
	List	   *after_backfill; /* PendingJob * */
} TableSync;

/* What start's operations ask of triggers, backfills and queued work */
typedef struct SyncPlan
{
	List	   *tables;			/* TableSync * */
	List	   *copies;			/* ColumnCopy * (ops/copies.h) */
} SyncPlan;

extern TableSync *sync_table(SyncPlan *plan, Oid relid);
extern void sync_add_rule(TableSync *table, bool up, const char *target,
						  const char *expression, List *scope);

/*
 * Add a stage to the rule (up, target), creating it if needed: appended
 * (up: later operations apply after earlier ones) or prepended (down: the
 * reverse); a prepended stage's scope becomes the rule's.
 */
extern void sync_add_stage(TableSync *table, bool up, const char *target,
						   const char *name, const char *expression,
						   Oid type, int32 typmod, List *scope, bool prepend);

/*
 * A copy of a column that draws from a sequence (serial, identity) has no
 * default while the migration is active: the old column's default draws
 * the row's number.  For a new writer, the copy is filled from it ("up"
 * applied to the old column) before any "down" rule reads the copy,
 * unless the writer gave it a value.  Call once every operation has added
 * its stages.
 */
extern void sync_add_fill_rule(TableSync *table, const char *target, Oid type, int32 typmod);

extern void sync_add_job(TableSync *table, const char *description,
						 const char *command, const char *index_name);

/*
 * At the end of start: the backfill marker, the trigger and the queued
 * jobs for every table of the plan.
 */
extern void sync_install(SyncPlan *plan, const char *schema, const char *migration,
						 const char *new_version_schema,
						 const char *old_version_schema,
						 const char *version);

/*
 * Compile the table's sync trigger rules as a write would, so that start
 * fails on a rule the trigger could not run.
 */
extern void sync_compile(Oid relid);

/*
 * A table of the schema (quoted, qualified) whose sync trigger is not
 * enabled ALWAYS any more (ALTER TABLE ... DISABLE TRIGGER), or NULL: its
 * writes meanwhile may be missing from one version.
 */
extern char *sync_disabled_table(Oid nspid);

/* At complete and rollback: remove triggers and markers from the schema */
extern void sync_remove(Oid nspid);

/*
 * The SET list ("col = expr, ") with which the backfill's batch statement
 * computes a row's new columns itself, or NULL (see triggers.c).
 */
extern char *sync_backfill_assignments(Relation rel, bool *is_volatile);

/*
 * Set by the backfill while its batch statement runs on this table: rows
 * whose mark the statement clears skip the trigger's work.
 */
extern Oid	pgroll_backfill_relid;

#endif							/* PGROLL_TRIGGERS_H */
