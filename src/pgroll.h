/*-------------------------------------------------------------------------
 *
 * pgroll.h
 *	  Settings and small helpers shared by every part of the extension.
 *
 * src/pgroll.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_H
#define PGROLL_H

#include "postgres.h"

/* The version of pgroll's SQL objects this library works with */
#define PGROLL_CATALOG_VERSION "0.2.0"

/* Prefix of every object pgroll creates inside a user's schema */
#define PGROLL_PREFIX "_pgroll_"

/* Column marking rows that still need the backfill */
#define PGROLL_BACKFILL_MARKER "_pgroll_needs_backfill"

/* Settings (pgroll.*), defined in pgroll.c */
extern int	pgroll_lock_timeout_ms;
extern int	pgroll_lock_retry_max_ms;
extern int	pgroll_backfill_batch_size;
extern int	pgroll_backfill_batch_delay_ms;
extern int	pgroll_backfill_batch_time_ms;
extern int	pgroll_backfill_max_replica_lag_kb;

#define PGROLL_DEFAULT_BATCH_TIME_MS		20
#define PGROLL_DEFAULT_MAX_REPLICA_LAG_KB	(64 * 1024)
extern char *pgroll_version_setting;

/* Names (names.c) */

/* true if name starts with PGROLL_PREFIX */
extern bool pgroll_is_internal_name(const char *name);

/*
 * Check that an identifier fits in NAMEDATALEN - 1 bytes; "what" names it in
 * the error (e.g. "version schema name").
 */
extern void pgroll_check_identifier(const char *name, const char *what);

/* search_path naming the migrated schema's objects: "<schema>", pg_temp */
extern char *pgroll_schema_search_path(const char *schema);

/*
 * Refuse to change anything on a standby, in a read-only transaction, or
 * with a catalog that does not match the library; function names the
 * caller in the error.
 */
extern void pgroll_require_writable(const char *function);

/* pgroll's own SQL resolves names with this path, and nothing else */
#define PGROLL_PINNED_SEARCH_PATH "pg_catalog, pg_temp"

/*
 * Set search_path in a new GUC nest level; AtEOXact_GUC(true, level)
 * restores it.
 */
extern int	pgroll_push_search_path(const char *search_path);

#endif							/* PGROLL_H */
