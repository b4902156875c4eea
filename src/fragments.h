/*-------------------------------------------------------------------------
 *
 * fragments.h
 *	  SQL fragments of a migration document checked with PostgreSQL's
 *	  grammar: each must be exactly the one thing its field names.
 *
 * src/fragments.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_FRAGMENTS_H
#define PGROLL_FRAGMENTS_H

#include "postgres.h"

/* Exactly one expression (a default, a check, a predicate, a generated column) */
extern void fragment_check_expression(const char *sql, const char *path);

/* Sequence options, as inside GENERATED ... AS IDENTITY ( ... ) */
extern void fragment_check_sequence_options(const char *sql, const char *path);

/* Storage parameters, as inside WITH ( ... ) */
extern void fragment_check_storage_parameters(const char *sql, const char *path);

/* Exclusion constraint elements ("col WITH =, ..."), as inside EXCLUDE ( ... ) */
extern void fragment_check_exclusion_elements(const char *sql, const char *path);

/* An expression for generated DDL: the checked text in parentheses */
extern char *fragment_expression_sql(const char *sql);

#endif							/* PGROLL_FRAGMENTS_H */
