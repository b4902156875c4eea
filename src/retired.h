/*-------------------------------------------------------------------------
 *
 * retired.h
 *	  Statements that reach a retired version's views fail, whatever their
 *	  conditions.
 *
 * src/retired.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_RETIRED_H
#define PGROLL_RETIRED_H

#include "postgres.h"

/* Install the executor hook (from _PG_init) */
extern void retired_init(void);

#endif							/* PGROLL_RETIRED_H */
