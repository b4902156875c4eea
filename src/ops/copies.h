/*-------------------------------------------------------------------------
 *
 * copies.h
 *	  Rewriting a live column: the copy _pgroll_new_<col> with everything
 *	  the column had, swapped in at complete.
 *
 * src/ops/copies.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_COPIES_H
#define PGROLL_COPIES_H

#include "ops/ops.h"

/* An object copied onto a column copy under a temporary name */
typedef struct CopiedObject
{
	const char *kind;			/* check, foreign_key, unique, primary_key,
								 * index, sequence */
	Oid			relid;			/* the table it is on */
	char	   *copy_name;
	char	   *original;		/* the name it takes at complete */
	Oid			original_relid; /* an incoming foreign key: drop the original
								 * there at complete */
	char	   *clause;			/* DEFERRABLE ... for constraints from indexes */
} CopiedObject;

typedef struct ColumnCopy
{
	Oid			relid;
	AttrNumber	old_attnum;
	AttrNumber	new_attnum;
	char	   *name;			/* the column's name after complete */
	char	   *physical;		/* _pgroll_new_<name> */
	char	   *path;			/* of the operation that made it */
	bool		not_null;
	char	   *not_null_check; /* the NOT VALID check while active, or NULL */
	char		identity;		/* 'a'/'d' to restore an identity, 's' the
								 * old column's default (a serial), or '\0' */
	bool		draws;			/* the old column draws from a sequence */
	Oid			without_constraint; /* the constraint left out */
	List	   *objects;		/* CopiedObject * */
} ColumnCopy;

/* What to leave out of (or change in) a copy */
typedef struct CopyOptions
{
	Oid			type;			/* InvalidOid: the column's type */
	int32		typmod;
	bool		drop_not_null;
	Oid			without_constraint; /* drop_*constraint: not copied */
	bool		replaces_default;	/* the operation gives the column a default */
} CopyOptions;

/*
 * The copy of a column for this migration, made on first use: the model
 * column then maps to the copy (its source is the old column).  Later
 * operations on the same column reuse the copy.  In validate mode only the
 * model changes.
 */
extern ColumnCopy *column_copy(OpContext *ctx, ModelTable *table, ModelColumn *column,
							   CopyOptions *opts);

/* The copy of a model column made earlier in this start, or NULL */
extern ColumnCopy *column_copy_find(OpContext *ctx, ModelTable *table, ModelColumn *column);

/* The copy now needs NOT NULL (or not): a NOT VALID check, validated later */
extern void column_copy_set_not_null(OpContext *ctx, ColumnCopy *copy, bool not_null);

/* Record an object to rename or promote at complete */
extern void column_copy_add_object(ColumnCopy *copy, const char *kind, Oid relid,
								   const char *copy_name, const char *original,
								   Oid original_relid, const char *clause);

/*
 * After the last operation of start: copy onto the copies the constraints
 * and indexes of the old columns (each object once, with every copied
 * column of it replaced), as NOT VALID constraints and queued index builds.
 */
extern void column_copies_finish(OpContext *ctx);

/* At the end of start: persist the copies (pgroll.column_copies) */
extern void column_copies_save(SyncPlan *plan, const char *schema, const char *migration);

/*
 * What start recorded about the migration's copies (pgroll.column_copies,
 * copied_objects), loaded before complete or rollback changes anything.
 * Rows as text: copies (relid, old attnum, new attnum, name, not_null,
 * identity, old column, new column; an attnum is NULL when its column is
 * gone) and objects (kind, relid, copy name, original, original relid,
 * clause, the OID of the constraint the copy stands for).
 */
typedef struct SavedCopies
{
	List	   *copies;
	List	   *objects;
	char	   *schema;
	char	   *migration;
} SavedCopies;

extern SavedCopies *column_copies_load(const char *schema, const char *migration);

/* At complete: swap every copy in; at rollback: drop the copies */
extern void column_copies_complete(SavedCopies *saved);

/*
 * The first copied constraint or index that is missing or not yet valid,
 * as a phrase for complete's refusal; NULL when every one is in place.
 */
extern char *column_copies_incomplete(const char *schema, const char *migration);
extern void column_copies_rollback(SavedCopies *saved);

/*
 * The scope "up" expressions see: the old version's values, i.e. a copied
 * column under its name means its source.
 */
extern List *op_table_scope_old(OpContext *ctx, ModelTable *table);

#endif							/* PGROLL_COPIES_H */
