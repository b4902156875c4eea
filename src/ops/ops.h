/*-------------------------------------------------------------------------
 *
 * ops.h
 *	  The behaviour of each operation: one table entry per operation kind.
 *
 * An operation is three functions:
 *
 *	start		checks the operation against the model (the schema as the
 *				new version sees it, with the earlier operations of the
 *				migration applied) and applies it to the model.  When
 *				ctx->execute is set it also runs the expand DDL and records
 *				in ctx->state what complete and rollback will need;
 *				pgroll.validate() runs it with execute unset (and with
 *				try_ddl set, unless its transaction is read-only: DDL on
 *				objects of its own may then be tried, pgroll.validate
 *				rolls it all back).
 *	complete	contract: runs after the previous version schema is gone.
 *	rollback	undoes start; runs in reverse operation order after the new
 *				version schema is gone.
 *
 * complete and rollback find the objects start touched through ctx->state
 * (OIDs and attribute numbers), so renames made by other operations of the
 * same migration do not confuse them.
 *
 * src/ops/ops.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_OPS_H
#define PGROLL_OPS_H

#include "document.h"
#include "history.h"
#include "model.h"
#include "triggers.h"

typedef struct OpContext
{
	const char *schema;			/* the migrated schema */
	Oid			nspid;
	const char *migration;		/* the migration's name */
	SyncPlan   *sync;			/* start: triggers, backfills, queued jobs */
	Model	   *model;			/* start only */
	bool		execute;		/* start: run DDL (false in validate) */
	bool		try_ddl;		/* validate: DDL that touches no existing
								 * object may run; it is rolled back */
	OperationState *state;		/* what start resolved */
	const char *path;			/* "operations[i].<kind>", for messages */
	bool		refresh_views;	/* complete: rebuild the new version's views */
	bool		reload_model;	/* start: re-read the catalog afterwards */
	bool		old_on_base;	/* start: no earlier version schema; old
								 * clients use the base schema's tables */
} OpContext;

typedef struct OpMethods
{
	void		(*start) (PgrollOperation *op, OpContext *ctx);
	void		(*complete) (PgrollOperation *op, OpContext *ctx);
	void		(*rollback) (PgrollOperation *op, OpContext *ctx);
} OpMethods;

/* NULL when the operation is parsed but not yet supported */
extern const OpMethods *pgroll_op_methods(PgrollOpKind kind);

extern const OpMethods create_table_methods;
extern const OpMethods drop_table_methods;
extern const OpMethods rename_table_methods;
extern const OpMethods rename_column_methods;
extern const OpMethods drop_column_methods;
extern const OpMethods rename_constraint_methods;
extern const OpMethods set_replica_identity_methods;
extern const OpMethods raw_sql_methods;
extern const OpMethods add_column_methods;
extern const OpMethods create_index_methods;
extern const OpMethods drop_index_methods;
extern const OpMethods alter_column_methods;
extern const OpMethods create_constraint_methods;
extern const OpMethods drop_constraint_methods;
extern const OpMethods drop_multicolumn_constraint_methods;

/* Helpers shared by the operations (registry.c) */

/* "path.field" */
extern char *op_path(OpContext *ctx, const char *field);

/* The relation of a model table: its relid, looked up by name if planned */
extern Oid	op_table_relid(OpContext *ctx, ModelTable *table);

/*
 * "<prefix><name>"; when that is longer than an identifier may be, cut
 * and ended with a hash of the whole, so that two names that differ only
 * past the cut still give two names.
 */
extern char *op_internal_name(const char *prefix, const char *name);

/*
 * Queue the build of index "name" on the table: CREATE [UNIQUE] INDEX
 * CONCURRENTLY name ON <table> <definition> by the worker.  A partitioned
 * table cannot build one concurrently: its index is made ON ONLY the
 * parent at once and each partition's built and attached by the worker;
 * returns then the index names made, the parent's first, as a list of
 * quoted identifiers separated by commas (else NULL).
 */
extern char *op_queue_index_build(OpContext *ctx, TableSync *sync, Oid relid,
								  const char *name, bool unique, const char *definition,
								  const char *description);

/*
 * Rename a column of relid, and the same-named column of each of its
 * indexes (an index keeps the names its columns had when it was built, so
 * one built on _pgroll_new_<c> would keep that name).
 */
extern void op_rename_column(Oid relid, const char *from, const char *to);

/*
 * The type a document's type string names (serial types: their integer
 * type, with *serial set); error naming path if there is none.
 */
extern void op_resolve_type(const char *type, Oid *typid, int32 *typmod,
							bool *serial, const char *path);

/*
 * The SQL for a document's column type in generated DDL: the type as the
 * catalog names it (qualified), "serial" and its kin as they are, and a
 * COLLATE clause with the collation's qualified name.  Nothing of the
 * document's text is pasted.
 */
extern char *op_type_sql(const char *type, const char *path);

/*
 * The visible columns of a table under their logical names (ExprColumn *).
 * In validate, a column this migration adds or copies does not exist yet:
 * it is in the scope with its model type, for checking only.
 */
extern List *op_table_scope(OpContext *ctx, ModelTable *table);

/*
 * Run fn(arg) in a subtransaction that is rolled back whatever happens, so
 * that nothing it does survives.  An error it raises is re-raised with its
 * message prefixed by path (and without its context and position, which
 * would show the trial's own statements).
 */
extern void op_try(const char *path, void (*fn) (void *arg), void *arg);

/*
 * Error 2BP01 if anything outside the table depends on the table (attnum
 * 0) or on one of its columns: complete could not drop it (dependents.c).
 * With replaced (a column copy takes the column's place), other tables'
 * foreign keys referencing it do not count (the copy gets copies of
 * them), nor views and statistics objects, which complete carries over.
 */
extern void check_no_dependents(OpContext *ctx, Oid relid, AttrNumber attnum,
								const char *what, const char *path, bool replaced);

/*
 * Error 0A000 if the column is inherited from a parent table (a partition's
 * or an inheritance child's): complete could not drop or rename it.
 */
extern void check_not_inherited(Oid relid, AttrNumber attnum, const char *what,
								const char *path);

/*
 * Error 0A000 if the table has plain inheritance children: a change of its
 * columns would reach them, and pgroll's views and triggers would not.
 */
extern void check_no_inheritance_children(Oid relid, const char *path);

/*
 * Error 0A000 if the table is partitioned: "what" (a foreign key, a unique
 * constraint, a primary key) cannot be added to one without a lock that
 * blocks writes.
 */
extern void check_not_partitioned(Oid relid, const char *path, const char *what);

#endif							/* PGROLL_OPS_H */
