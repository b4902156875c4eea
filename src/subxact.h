/*-------------------------------------------------------------------------
 *
 * subxact.h
 *	  The one subtransaction runner, and the one list of errors pgroll may
 *	  catch and go on from.
 *
 * src/subxact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_SUBXACT_H
#define PGROLL_SUBXACT_H

#include "postgres.h"

/*
 * The expected conditions: the only errors any part of pgroll catches.
 * Everything else (a cancel, a statement or lock timeout that retries did
 * not cure, out of memory, an internal error, an injected fault) always
 * reaches the caller.
 */
typedef enum PgrollExpected
{
	PGROLL_EXPECT_NOTHING = 0,

	/*
	 * 55P03: a lock not granted within pgroll.lock_timeout.  Only the DDL
	 * runner and the backfill expect it: they retry, and report it when the
	 * retries run out.
	 */
	PGROLL_EXPECT_LOCK = 1 << 0,

	/*
	 * An expression or constraint copied onto a column of a new type that
	 * does not fit it (42804 datatype mismatch, 42883 no such function or
	 * operator, 42725 ambiguous, 42846 cannot coerce, 22P02/22003/22007/
	 * 22008 a constant that is no value of the type).  The caller reports
	 * each object it skips (WARNING, and pgroll.status()).
	 */
	PGROLL_EXPECT_TYPE_MISFIT = 1 << 1,

	/*
	 * 42601: a create_table column type that is more than a type name
	 * ("text COLLATE \"C\""), which validate leaves to start.
	 */
	PGROLL_EXPECT_SYNTAX = 1 << 2
} PgrollExpected;

/* Does the error with this SQLSTATE belong to the expected conditions? */
extern bool pgroll_error_is_expected(int sqlerrcode, int expected);

/*
 * Run fn(arg) in a subtransaction.  When fn returns, the subtransaction is
 * committed if keep, else rolled back (to try something and undo it).  An
 * error always rolls it back; if it is one of the expected conditions, it
 * is returned in *error (when error is not NULL) and the result is false;
 * any other error is re-thrown, as it was or, with prefix, with its
 * message prefixed by "prefix: " (a JSON path of the document).  Memory
 * context and resource owner are the caller's again on return.
 */
extern bool pgroll_subxact(void (*fn) (void *arg), void *arg, bool keep,
						   int expected, const char *prefix, ErrorData **error);

#endif							/* PGROLL_SUBXACT_H */
