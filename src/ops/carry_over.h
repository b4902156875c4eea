/*-------------------------------------------------------------------------
 *
 * carry_over.h
 *	  Views and statistics over a rewritten column, carried over to its
 *	  copy at complete.
 *
 * src/ops/carry_over.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_CARRY_OVER_H
#define PGROLL_CARRY_OVER_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"

/* A column whose copy takes its place at complete */
typedef struct ReplacedColumn
{
	Oid			relid;
	AttrNumber	attnum;
} ReplacedColumn;

/*
 * Everything needed to make the dependents of the replaced columns again
 * (opaque): read before anything is dropped.
 */
typedef struct CarryOver CarryOver;

/*
 * The views over the columns (ReplacedColumn *), of their tables'
 * partitions and inheritance children too, with the views over those, and
 * the statistics objects on them.  NULL if there are none.
 */
extern CarryOver *carry_over_save(List *columns);

/* DROP the saved views and statistics objects (without CASCADE) */
extern void carry_over_drop(CarryOver *carry);

/*
 * Make them again, on whatever columns now have the names: same name,
 * definition, options, owner, comments, grants, column defaults, rules and
 * triggers.  While a view is made, carry_over_current() names it (for
 * errors; a phrase naming none outside of that).
 */
extern void carry_over_restore(CarryOver *carry);
extern const char *carry_over_current(CarryOver *carry);

/*
 * Error 42501 (prefixed with path) if the current role cannot act for the
 * owner of a saved view or statistics object, as carrying it over needs.
 */
extern void carry_over_check_owners(CarryOver *carry, const char *path);

/*
 * What depends on the views that would be carried over for the column
 * and cannot be carried with them (a materialized view, a function with a
 * SQL-standard body, ...): descriptions, for start's refusal.
 */
extern List *carry_over_blockers(Oid relid, AttrNumber attnum);

#endif							/* PGROLL_CARRY_OVER_H */
