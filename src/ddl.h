/*-------------------------------------------------------------------------
 *
 * ddl.h
 *	  Running generated DDL: one statement or one batch at a time, under a
 *	  short lock_timeout, retried with backoff; plus quoting helpers.
 *
 * src/ddl.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_DDL_H
#define PGROLL_DDL_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"

/*
 * Run one generated statement (SPI must be connected).  The statement runs
 * in a subtransaction under pgroll.lock_timeout; when its lock is not
 * granted it is rolled back and retried with backoff until
 * pgroll.lock_retry_timeout has passed.
 */
extern void pgroll_ddl(const char *sql);

/* fmt formatted with args (which it leaves as it found them), palloc'd */
extern char *pgroll_format_va(const char *fmt, va_list args) pg_attribute_printf(1, 0);
extern void pgroll_ddlf(const char *fmt,...) pg_attribute_printf(1, 2);

/*
 * Statements run as pgroll_ddl runs one, a batch of them in each
 * subtransaction (see ddl.c): begin, add any number (each is checked to be
 * one statement, copied, and may run at once, when its batch is full),
 * end (runs the rest).  The statements run as the user current when their
 * batch runs: end the batch before switching users.
 */
typedef struct DdlBatch DdlBatch;

extern DdlBatch *pgroll_ddl_batch_begin(void);
extern void pgroll_ddl_batch_add(DdlBatch *batch, const char *sql);
extern void pgroll_ddl_batch_addf(DdlBatch *batch, const char *fmt,...) pg_attribute_printf(2, 3);
extern void pgroll_ddl_batch_end(DdlBatch *batch);

/*
 * Like pgroll_ddl, but a statement that fails because what it copies does
 * not fit a column's new type (PGROLL_EXPECT_TYPE_MISFIT, and nothing
 * else) is rolled back and reported by returning false, with the error's
 * message in *reason; the caller reports the object it skips.
 */
extern bool pgroll_ddl_try(const char *sql, char **reason);

/*
 * Run a user's SQL script (a "sql" operation): any number of statements,
 * with the same lock discipline, with search_path set to the migrated
 * schema.
 */
extern void pgroll_exec_script(const char *sql, const char *schema);

/* "schema"."name", each part quoted only as needed */
extern char *pgroll_qualified(const char *schema, const char *name);

/* The current qualified, quoted name of a relation; error if it is gone */
extern char *pgroll_relation_name(Oid relid);

/* The current quoted name of a column; error if it is gone */
extern char *pgroll_column_name(Oid relid, AttrNumber attnum);

/*
 * The rows of a catalog query, each a char *[] of its columns as text
 * (NULL for NULL), read out before the next statement replaces
 * SPI_tuptable.  Not read-only: it sees what this command changed.
 */
extern List *pgroll_query_rows(const char *sql, int nargs, Oid *argtypes, Datum *values);

/* The same, of the last SPI statement's result */
extern List *pgroll_spi_rows(void);

/* The first column of such rows, joined with ", " (for a message) */
extern char *pgroll_rows_list(List *rows);

/* A string literal for generated SQL */
extern char *pgroll_literal(const char *value);

#endif							/* PGROLL_DDL_H */
