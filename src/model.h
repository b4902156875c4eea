/*-------------------------------------------------------------------------
 *
 * model.h
 *	  The schema as one version sees it: tables and columns under their
 *	  logical names, mapped to the physical relations and columns.
 *
 * start loads the model from the catalog, lets each operation check itself
 * against it and change it (a rename changes a logical name, a drop hides),
 * and builds the new version's views from the result.  Later operations of
 * the same migration therefore see what earlier ones did.
 *
 * src/model.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_MODEL_H
#define PGROLL_MODEL_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"

typedef struct ModelColumn
{
	char	   *name;			/* logical name in the new version */
	char	   *physical;		/* physical column name */
	bool		hidden;			/* dropped in the new version */
	char	   *view_default;	/* default for the view's column, or NULL */
	bool		not_null;		/* NOT NULL in the new version */
	Oid			type;			/* the column's type in the new version */
	int32		typmod;
	char	   *source;			/* rewritten by this migration: the old
								 * physical column, else NULL */
} ModelColumn;

typedef struct ModelTable
{
	char	   *name;			/* logical name in the new version */
	char	   *physical;		/* physical relation name */
	Oid			relid;			/* InvalidOid while only planned */
	bool		hidden;			/* dropped in the new version */
	List	   *columns;		/* ModelColumn *, in attnum order */
	List	   *constraints;	/* constraint names (char *) */
	List	   *indexes;		/* index names (char *) */
} ModelTable;

typedef struct Model
{
	char	   *schema;
	Oid			nspid;
	List	   *tables;			/* ModelTable * */
} Model;

/* Load every table of the schema (relkind r, p) except pgroll's own */
extern Model *model_load(const char *schema, Oid nspid);

/* Read one relation from the catalog into a ModelTable */
extern ModelTable *model_read_table(Oid relid);

/* Visible table by logical name, or NULL */
extern ModelTable *model_find_table(Model *model, const char *name);

/*
 * A visible table an operation changes, by logical name: error 42P01 naming
 * path if absent, 42501 if the current user does not own it.
 */
extern ModelTable *model_get_table(Model *model, const char *name, const char *path);

/* A visible table an operation only refers to (a foreign key's target) */
extern ModelTable *model_find_referenced_table(Model *model, const char *name,
											   const char *path);

/* Error 42P07 if a visible table (or any relation) has this name */
extern void model_check_table_absent(Model *model, const char *name, const char *path);

/* Visible column by logical name, or NULL */
extern ModelColumn *model_find_column(ModelTable *table, const char *name);

/* Visible column by logical name; error 42703 naming path if absent */
extern ModelColumn *model_get_column(ModelTable *table, const char *name, const char *path);

/* Error 42701 if the table has a visible column with this name */
extern void model_check_column_absent(ModelTable *table, const char *name, const char *path);

/* Constraint and index names of the table */
extern bool model_has_constraint(ModelTable *table, const char *name);
extern bool model_has_index(Model *model, const char *name);

/* Error 42939 if a user-chosen name would take pgroll's reserved prefix */
extern void model_check_not_reserved(const char *name, const char *path);

#endif							/* PGROLL_MODEL_H */
