/*-------------------------------------------------------------------------
 *
 * roles.h
 *	  Acting as the extension's owner.
 *
 * src/roles.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_ROLES_H
#define PGROLL_ROLES_H

#include "postgres.h"

/* The role that owns the extension (looked up once per transaction) */
extern Oid	pgroll_extension_owner(void);

/*
 * Run one statement on pgroll's own tables as the extension owner, with
 * search_path pinned (SPI must be connected).  Returns the SPI result code.
 */
extern int	run_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
						 const char *nulls);

#endif							/* PGROLL_ROLES_H */
