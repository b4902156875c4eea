/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Running generated DDL under a short lock_timeout with retry, and the
 *	  quoting helpers every generated statement goes through.
 *
 * A migration must never sit in the lock queue in front of the
 * application's queries: a waiting ALTER TABLE blocks every later reader of
 * the table.  So each statement runs in its own subtransaction.  The lock
 * on the table it changes is first tried without queueing; when it is
 * taken, we wait (at most pgroll.lock_timeout) for the transactions
 * holding it to end, which puts nobody behind us, and only then queue for
 * it.  All locks the statement takes are under lock_timeout =
 * pgroll.lock_timeout.  A failed attempt rolls the subtransaction back,
 * sleeps a little (exponential backoff with jitter) and tries again, until
 * pgroll.lock_retry_timeout has passed.
 *
 * src/ddl.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/tablecmds.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"

#include "ddl.h"
#include "faults.h"
#include "subxact.h"

#define BACKOFF_START_MS	20
#define BACKOFF_MAX_MS		2000

/*
 * The table a generated statement changes, and the lock it takes on it, so
 * that the lock can be tried without queueing (InvalidOid if unknown).
 */
static Oid
statement_target(const char *sql, LOCKMODE *mode)
{
	List	   *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	Node	   *stmt;
	RangeVar   *rv = NULL;

	if (list_length(stmts) != 1)
		return InvalidOid;
	stmt = linitial_node(RawStmt, stmts)->stmt;
	*mode = AccessExclusiveLock;
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			rv = ((AlterTableStmt *) stmt)->relation;
			*mode = AlterTableGetLockLevel(((AlterTableStmt *) stmt)->cmds);
			break;
		case T_RenameStmt:
			rv = ((RenameStmt *) stmt)->relation;
			break;
		case T_CreateTrigStmt:
			rv = ((CreateTrigStmt *) stmt)->relation;
			*mode = ShareRowExclusiveLock;
			break;
		case T_DropStmt:
			{
				DropStmt   *drop = (DropStmt *) stmt;
				List	   *names;

				if (list_length(drop->objects) != 1)
					break;
				names = linitial(drop->objects);
				/* DROP TRIGGER t ON tab: the table's name is all but the last */
				if (drop->removeType == OBJECT_TRIGGER && list_length(names) > 1)
					rv = makeRangeVarFromNameList(list_truncate(list_copy(names),
																list_length(names) - 1));
				else if (drop->removeType == OBJECT_TABLE || drop->removeType == OBJECT_VIEW)
					rv = makeRangeVarFromNameList(names);
				break;
			}
		default:
			break;
	}
	if (rv == NULL)
		return InvalidOid;
	return RangeVarGetRelid(rv, NoLock, true);
}

/* Does this transaction hold the relation's lock in this mode or a stronger one? */
static bool
locked_by_me(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE m = mode; m <= MaxLockMode; m++)
	{
		if (LockHeldByMe(&tag, m))
			return true;
	}
	return false;
}

/*
 * The table's lock is taken: wait for the transactions holding it to end.
 * This waits on those transactions, not in the table's lock queue, so
 * nobody queues behind us while a long transaction holds the table.  Under
 * lock_timeout: a holder that does not end in time raises
 * lock_not_available, and the caller tries again later.
 */
static void
wait_for_lock_holders(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;
	VirtualTransactionId *holders;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	holders = GetLockConflicts(&tag, mode, NULL);
	for (int i = 0; VirtualTransactionIdIsValid(holders[i]); i++)
		(void) VirtualXactLock(holders[i], true);
}

/* One attempt at a list of statements, run in order */
typedef struct DdlAttempt
{
	List	   *statements;		/* char * */
	const char *current;		/* the statement running, for messages */
	bool		quiet;
	const char *search_path;
} DdlAttempt;

static void
attempt_statements(void *arg)
{
	DdlAttempt *a = arg;
	char		timeout[32];
	int			nestlevel = NewGUCNestLevel();
	ListCell   *lc;

	snprintf(timeout, sizeof(timeout), "%dms", pgroll_lock_timeout_ms);
	(void) set_config_option("lock_timeout", timeout,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (a->search_path != NULL)
		(void) set_config_option("search_path", a->search_path,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	/* "drop cascades to ..." about our own views is noise to users */
	if (a->quiet)
		(void) set_config_option("client_min_messages", "warning",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

	foreach(lc, a->statements)
	{
		int			rc;
		Oid			target;
		LOCKMODE	mode;

		a->current = lfirst(lc);
		pgroll_fault_point("DDL statement");

		/*
		 * Try the table's lock without queueing: a waiting ALTER TABLE would
		 * hold up every later reader and writer of the table.  If it is
		 * taken, wait for its holders' transactions to end, then take it in
		 * the statement (queueing, under lock_timeout, only behind the
		 * transactions that started meanwhile: short ones, on a busy table).
		 * Not when this transaction already holds it (or a stronger one): a
		 * conditional request would refuse because of the sessions queued
		 * behind us.
		 */
		target = statement_target(a->current, &mode);
		if (OidIsValid(target) && !locked_by_me(target, mode) &&
			!ConditionalLockRelationOid(target, mode))
			wait_for_lock_holders(target, mode);

		rc = SPI_execute(a->current, false, 0);
		if (rc < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	}

	AtEOXact_GUC(true, nestlevel);
}

/*
 * Run a list of SQL strings, in order, in one subtransaction under the lock
 * discipline described at the top of this file, retrying them all while a
 * lock is not granted.  Returns true when they ran; false when one failed
 * with one of the expected conditions (which is left in *error); any other
 * error is raised.  The caller guarantees the SQL is what it means to run.
 */
static bool
run_with_retry(List *statements, bool quiet, const char *search_path,
			   int expected, ErrorData **error)
{
	DdlAttempt	attempt = {statements, NULL, quiet, search_path};
	int			waited_ms = 0;
	int			backoff_ms = BACKOFF_START_MS;
	int			attempts = 0;

	for (;;)
	{
		ErrorData  *failure = NULL;
		int			sleep_ms;

		attempts++;
		if (pgroll_subxact(attempt_statements, &attempt, true,
						   expected | PGROLL_EXPECT_LOCK, NULL, &failure))
			return true;
		if (failure->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
		{
			*error = failure;
			return false;
		}

		waited_ms += pgroll_lock_timeout_ms;
		if (waited_ms >= pgroll_lock_retry_max_ms)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("could not obtain a lock for a migration step after %d attempts",
							attempts),
					 errdetail("Statement: %s\nLast error: %s", attempt.current,
							   failure->message),
					 errhint("Find the long-running transaction holding the lock, "
							 "or raise pgroll.lock_retry_timeout.")));
		FreeErrorData(failure);

		/* full jitter: sleep a random time up to the current backoff */
		sleep_ms = 1 + (int) pg_prng_uint64_range(&pg_global_prng_state, 0, backoff_ms);
		if (sleep_ms > pgroll_lock_retry_max_ms - waited_ms)
			sleep_ms = Max(1, pgroll_lock_retry_max_ms - waited_ms);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		waited_ms += sleep_ms;
		backoff_ms = Min(backoff_ms * 2, BACKOFF_MAX_MS);
	}
}

/* A generated statement must be exactly one statement */
static void
check_one_statement(const char *sql)
{
	/*
	 * A generated statement embeds fragments of the document (types,
	 * defaults, check expressions).  A fragment that closes the statement
	 * and starts another must not get that other statement run.
	 */
	if (list_length(pg_parse_query(sql)) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a SQL fragment of the migration ends the statement it is part of"),
				 errdetail("Generated statement: %s", sql),
				 errhint("Types, defaults and expressions must be single SQL fragments.")));
}

void
pgroll_ddl(const char *sql)
{
	check_one_statement(sql);
	(void) run_with_retry(list_make1((char *) sql), true, NULL, PGROLL_EXPECT_NOTHING, NULL);
}

char *
pgroll_format_va(const char *fmt, va_list args)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&buf, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

void
pgroll_ddlf(const char *fmt,...)
{
	va_list		args;
	char	   *sql;

	va_start(args, fmt);
	sql = pgroll_format_va(fmt, args);
	va_end(args);
	pgroll_ddl(sql);
	pfree(sql);
}

bool
pgroll_ddl_try(const char *sql, char **reason)
{
	ErrorData  *error = NULL;

	check_one_statement(sql);
	if (run_with_retry(list_make1((char *) sql), true, NULL, PGROLL_EXPECT_TYPE_MISFIT,
					   &error))
		return true;
	*reason = pstrdup(error->message);
	FreeErrorData(error);
	return false;
}

void
pgroll_exec_script(const char *sql, const char *schema)
{
	(void) pg_parse_query(sql); /* syntax errors before any side effect */
	/* as with pgroll, unqualified names are the migrated schema's */
	(void) run_with_retry(list_make1((char *) sql), false, pgroll_schema_search_path(schema),
						  PGROLL_EXPECT_NOTHING, NULL);
}

/*
 * Many statements of one kind (the views of a version schema) each in a
 * subtransaction of its own cost more than the statements: once a
 * transaction has made a few dozen relations, ending a subtransaction
 * visits every entry of the relation cache, and each subtransaction's
 * XID overflows the snapshot's subxid cache of every other session.  So
 * they run a batch at a time, a batch in one subtransaction, under the
 * same lock discipline, and a batch whose lock is not granted is rolled
 * back and retried as a whole.
 */
#define DDL_BATCH_STATEMENTS	256

struct DdlBatch
{
	MemoryContext context;		/* the statements waiting; reset per run */
	List	   *statements;		/* char * */
};

DdlBatch *
pgroll_ddl_batch_begin(void)
{
	DdlBatch   *batch = palloc0(sizeof(DdlBatch));

	batch->context = AllocSetContextCreate(CurrentMemoryContext, "pgroll DDL batch",
										   ALLOCSET_DEFAULT_SIZES);
	return batch;
}

static void
run_batch(DdlBatch *batch)
{
	if (batch->statements != NIL)
		(void) run_with_retry(batch->statements, true, NULL, PGROLL_EXPECT_NOTHING, NULL);
	batch->statements = NIL;
	MemoryContextReset(batch->context);
}

void
pgroll_ddl_batch_add(DdlBatch *batch, const char *sql)
{
	MemoryContext old;

	check_one_statement(sql);
	old = MemoryContextSwitchTo(batch->context);
	batch->statements = lappend(batch->statements, pstrdup(sql));
	MemoryContextSwitchTo(old);
	if (list_length(batch->statements) >= DDL_BATCH_STATEMENTS)
		run_batch(batch);
}

void
pgroll_ddl_batch_addf(DdlBatch *batch, const char *fmt,...)
{
	va_list		args;
	char	   *sql;

	va_start(args, fmt);
	sql = pgroll_format_va(fmt, args);
	va_end(args);
	pgroll_ddl_batch_add(batch, sql);
	pfree(sql);
}

void
pgroll_ddl_batch_end(DdlBatch *batch)
{
	run_batch(batch);
	MemoryContextDelete(batch->context);
	pfree(batch);
}

char *
pgroll_qualified(const char *schema, const char *name)
{
	return quote_qualified_identifier(schema, name);
}

char *
pgroll_relation_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u no longer exists", relid),
				 errhint("The table was dropped outside of pgroll while the migration was active.")));
	nspname = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nspname, relname);
}

char *
pgroll_column_name(Oid relid, AttrNumber attnum)
{
	char	   *attname = get_attname(relid, attnum, true);

	if (attname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column %d of relation %s no longer exists",
						attnum, pgroll_relation_name(relid)),
				 errhint("The column was dropped outside of pgroll while the migration was active.")));
	return pstrdup(quote_identifier(attname));
}

char *
pgroll_literal(const char *value)
{
	return quote_literal_cstr(value);
}

List *
pgroll_query_rows(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "catalog query failed: %s", SPI_result_code_string(rc));
	return pgroll_spi_rows();
}

List *
pgroll_spi_rows(void)
{
	List	   *rows = NIL;

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int			ncols = SPI_tuptable->tupdesc->natts;
		char	  **row = palloc0(sizeof(char *) * ncols);

		for (int j = 0; j < ncols; j++)
			row[j] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, j + 1);
		rows = lappend(rows, row);
	}
	return rows;
}

char *
pgroll_rows_list(List *rows)
{
	StringInfoData list;
	ListCell   *lc;

	initStringInfo(&list);
	foreach(lc, rows)
		appendStringInfo(&list, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 ((char **) lfirst(lc))[0]);
	return list.data;
}
