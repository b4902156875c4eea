/*-------------------------------------------------------------------------
 *
 * toplevel.h
 *	  Run one SQL statement as a top-level command, from a background
 *	  worker, the way the server runs a client's simple query.
 *
 * src/toplevel.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_TOPLEVEL_H
#define PGROLL_TOPLEVEL_H

/*
 * Run sql (exactly one statement) in a transaction of its own, at top
 * level, so that CREATE/DROP INDEX CONCURRENTLY may run.  Must be called
 * outside any transaction; returns outside any transaction.
 */
extern void run_toplevel_statement(const char *sql);

#endif							/* PGROLL_TOPLEVEL_H */
