/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  The batched backfill.
 *
 * Rows that existed before start carry _pgroll_needs_backfill = true; the
 * sync trigger computes a row's new columns and clears the mark whenever
 * the row is written.  The backfill writes every marked row once, in
 * batches: each batch is one transaction that updates the rows, advances
 * the job's cursor and counts its progress, so a killed worker or a
 * restarted server resumes exactly where the last committed batch ended,
 * and no snapshot is held across batches.  Rows written after start are
 * not marked and never rewritten.
 *
 * Batches walk the table by key (keyset pagination) on the primary key, or
 * else on a unique index whose columns are all NOT NULL (composite keys
 * too): first the upper key of the next batch's rows is read from the
 * index, then the rows between the cursor and that key are updated with a
 * range predicate, which plans as an index range scan with no join (a join
 * shape can turn into a whole-table hash or merge join per batch).  A
 * table with neither key is walked by ranges of blocks with a TID range
 * scan.  A last sweep catches marked rows either walk missed (a row moved
 * by VACUUM FULL, say).
 *
 * The batch statement computes the new columns itself: its SET list is the
 * sync trigger's "up" rules compiled over the table's columns (the same
 * expressions, casts and order), so no rule is evaluated per row by the
 * trigger, which sees the mark cleared and returns at once.  Only a rule
 * with a subquery leaves the work to the trigger (the statement then sets
 * nothing but the mark).  Identity columns (GENERATED ALWAYS) are never
 * assigned, so they work.
 *
 * src/backfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

#include "backfill.h"
#include "ddl.h"
#include "governor.h"
#include "roles.h"
#include "subxact.h"
#include "toplevel.h"
#include "triggers.h"

/*
 * A range of the walk is written in this many waves, each its own
 * transaction, each the range's rows of one class of line pointer offsets
 * (offset % HOT_WAVES), by TID: the page a wave's rows are on has the
 * space of the row versions the previous wave replaced (pruned on access
 * once that wave committed), so most of its updates are HOT, with no new
 * index entry and no new page.  Written in one pass, every row would move to a new page,
 * and the table and each of its indexes would end twice their size.
 */
#define HOT_WAVES		8

/* How a table is walked */
typedef struct BackfillPlan
{
	char	   *table;			/* qualified, quoted */
	int			nkeys;			/* 0: block ranges */
	char	  **key_columns;	/* quoted */
	char	  **key_types;		/* format_type */
	char	   *assignments;	/* "col = expr, ": new columns; NULL: trigger */
	bool		fire_no_triggers;	/* run the batch statement as a replica */
	char	   *search_path;	/* statements on the table (as the job's role)
								 * resolve names with this, as the sync
								 * trigger does; bookkeeping keeps the
								 * worker's pinned path */
	Oid			relid;
	int64		rows_total;		/* estimate, for the pace of VACUUMs */
	int			waves;			/* HOT_WAVES, or 1 where no update can be HOT */
	BlockNumber nblocks;		/* block ranges: table size at job start */
	double		rows_per_block; /* block ranges: rows of a batch to blocks */
} BackfillPlan;

/* Progress state carried between batches */
typedef struct BackfillCursor
{
	bool		started;		/* a cursor was saved */
	char	  **key;			/* keyset: last key done, as text */
	BlockNumber block;			/* block ranges: next block */
	bool		walked;			/* the walk is over; sweeping */
	/* the range the waves write (keyset: up to range_key; NULL: the end) */
	bool		in_range;
	char	  **range_key;
	BlockNumber range_end;
	int			wave;			/* the next wave of the range */
	int			range_batch_rows;	/* batch_rows when the range began */
	ItemPointerData *range_tids;	/* waves: the range's marked rows */
	int			range_ntids;
} BackfillCursor;

static void
batch_begin(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
}

static void
batch_end(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	/* between batches the worker holds nothing: pg_stat_activity says idle */
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Are the waves worth it: can the batches' updates be HOT (heap-only: the
 * new row version on the row's own page, no new index entries)?  Not if an
 * index covers one of the columns they write: pgroll's own (the copies,
 * the mark).  Not on a partitioned table either, where the waves' TIDs
 * would not say which partition a row is in.
 */
static bool
hot_updates_possible(Relation rel)
{
	Bitmapset  *indexed;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			member = -1;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return false;
	indexed = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_ALL);

	while ((member = bms_next_member(indexed, member)) >= 0)
	{
		AttrNumber	attnum = member + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0 &&
			pgroll_is_internal_name(NameStr(TupleDescAttr(tupdesc, attnum - 1)->attname)))
			return false;
	}
	return true;
}

/* Lock the job's row (as the session user), or fail at once with 55P03 */
static void
lock_job_row(WorkerJob *job)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(job->id)};
	Oid			save_userid;
	int			save_sec;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(GetSessionUserId(), save_sec);
	if (SPI_execute_with_args("SELECT 1 FROM pgroll.jobs WHERE id = $1 FOR UPDATE NOWAIT",
							  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not lock backfill job %lld", (long long) job->id);
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * Bookkeeping on pgroll.jobs runs as the worker's (superuser) session
 * user.  The batch's size and the rate so far go with its progress.
 */
static void
save_progress(WorkerJob *job, BackfillPace *pace, const char *cursor_sql, uint64 rows)
{
	Oid			argtypes[4] = {INT8OID, INT8OID, INT4OID, FLOAT4OID};
	Datum		values[4] = {Int64GetDatum(job->id), Int64GetDatum((int64) rows),
	Int32GetDatum(pace->batch_rows), Float4GetDatum((float4) pace->rate)};
	char		nulls[4] = {' ', ' ', ' ', pace->rate > 0 ? ' ' : 'n'};
	Oid			save_userid;
	int			save_sec;
	int			rc;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(GetSessionUserId(), save_sec);
	rc = SPI_execute_with_args(psprintf("UPDATE pgroll.jobs SET cursor = %s, "
										"  rows_done = rows_done + $2, batches = batches + 1, "
										"  batch_rows = $3, recent_rate = $4, "
										"  updated_at = pg_catalog.now() WHERE id = $1",
										cursor_sql),
							   4, argtypes, values, nulls, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not save the backfill cursor: %s", SPI_result_code_string(rc));
}

/*
 * Read what the walk needs: the key (primary key, else a unique index on
 * NOT NULL columns, never one of pgroll's own columns), the job's batch
 * settings and its saved cursor.  One transaction.
 */
static void
read_plan(WorkerJob *job, BackfillPlan *plan, BackfillCursor *cursor)
{
	Oid			argtypes[2] = {OIDOID, INT8OID};
	Datum		values[2] = {ObjectIdGetDatum(job->relid), Int64GetDatum(job->id)};
	MemoryContext outer = CurrentMemoryContext;
	bool		isnull;
	Datum		d;

	batch_begin();

	plan->table = MemoryContextStrdup(outer, pgroll_relation_name(job->relid));
	plan->relid = job->relid;
	plan->search_path = MemoryContextStrdup(outer, pgroll_schema_search_path(job->schema));
	{
		int			nestlevel = pgroll_push_search_path(plan->search_path);
		Relation	rel;
		char	   *assignments;
		bool		is_volatile;

		rel = table_open(job->relid, AccessShareLock);
		assignments = sync_backfill_assignments(rel, &is_volatile);
		plan->waves = hot_updates_possible(rel) ? HOT_WAVES : 1;
		table_close(rel, AccessShareLock);
		AtEOXact_GUC(true, nestlevel);
		if (assignments != NULL)
			plan->assignments = MemoryContextStrdup(outer, assignments);
		plan->fire_no_triggers = assignments != NULL && !is_volatile;
	}

	SPI_execute_with_args("SELECT pg_catalog.quote_ident(a.attname), "
						  "       pg_catalog.format_type(a.atttypid, a.atttypmod) "
						  "FROM (SELECT i.indkey FROM pg_catalog.pg_index i "
						  "      WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid "
						  "        AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL "
						  "        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a "
						  "             WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
						  "               AND (NOT a.attnotnull OR a.attname::pg_catalog.text LIKE '\\_pgroll\\_%')) "
						  "      ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid LIMIT 1) i "
						  "CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY k(attnum, ord) "
						  "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1 AND a.attnum = k.attnum "
						  "ORDER BY k.ord",
						  1, argtypes, values, NULL, true, 0);
	plan->nkeys = (int) SPI_processed;
	plan->key_columns = MemoryContextAllocZero(outer, sizeof(char *) * (plan->nkeys + 1));
	plan->key_types = MemoryContextAllocZero(outer, sizeof(char *) * (plan->nkeys + 1));
	for (int i = 0; i < plan->nkeys; i++)
	{
		plan->key_columns[i] = MemoryContextStrdup(outer, SPI_getvalue(SPI_tuptable->vals[i],
																		SPI_tuptable->tupdesc, 1));
		plan->key_types[i] = MemoryContextStrdup(outer, SPI_getvalue(SPI_tuptable->vals[i],
																	  SPI_tuptable->tupdesc, 2));
	}

	SPI_execute_with_args("SELECT pg_catalog.pg_relation_size($1) / "
						  "         current_setting('block_size')::bigint, "
						  "       greatest(c.reltuples / greatest(c.relpages, 1), 1) "
						  "FROM pg_catalog.pg_class c WHERE c.oid = $1",
						  1, argtypes, values, NULL, true, 1);
	if (SPI_processed != 1)
		elog(ERROR, "table of backfill job %lld not found", (long long) job->id);
	plan->nblocks = (BlockNumber) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															  SPI_tuptable->tupdesc, 1, &isnull));
	plan->rows_per_block = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 2, &isnull));

	/* a table never analyzed has no estimate: count it once (as the role), for progress */
	if (SPI_execute_with_args("SELECT 1 FROM pgroll.jobs WHERE id = $2 AND rows_total IS NULL",
							  2, argtypes, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1 &&
		SPI_execute(psprintf("SELECT count(*) FROM %s", plan->table), true, 1) == SPI_OK_SELECT)
	{
		Datum		count = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		Oid			types[2] = {INT8OID, INT8OID};
		Datum		args[2] = {Int64GetDatum(job->id), count};
		Oid			save_userid;
		int			save_sec;

		GetUserIdAndSecContext(&save_userid, &save_sec);
		SetUserIdAndSecContext(GetSessionUserId(), save_sec);
		SPI_execute_with_args("UPDATE pgroll.jobs SET rows_total = $2 WHERE id = $1",
							  2, types, args, NULL, false, 0);
		SetUserIdAndSecContext(save_userid, save_sec);
	}

	SPI_execute_with_args("SELECT j.rows_total, j.cursor FROM pgroll.jobs j WHERE j.id = $2",
						  2, argtypes, values, NULL, true, 1);
	if (SPI_processed != 1)
		elog(ERROR, "backfill job %lld not found", (long long) job->id);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	plan->rows_total = isnull ? 0 : DatumGetInt64(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	cursor->started = !isnull;
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		/* cursor[0] is the walk ("key", "block" or "sweep"), then its position */
		if (n >= 1 && strcmp(TextDatumGetCString(elems[0]), "sweep") == 0)
			cursor->walked = true;
		else if (plan->nkeys == 0 && n == 2)
			cursor->block = (BlockNumber) strtoul(TextDatumGetCString(elems[1]), NULL, 10);
		else if (plan->nkeys > 0 && n == plan->nkeys + 1)
		{
			cursor->key = MemoryContextAllocZero(outer, sizeof(char *) * plan->nkeys);
			for (int i = 0; i < plan->nkeys; i++)
				cursor->key[i] = MemoryContextStrdup(outer, TextDatumGetCString(elems[i + 1]));
		}
		else
			cursor->started = false;	/* the table's key changed: walk again */
	}

	batch_end();
}

/* "(a, b)" */
static char *
key_row(BackfillPlan *plan)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (int i = 0; i < plan->nkeys; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", plan->key_columns[i]);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* "(v1::t1, v2::t2)" with the values as literals */
static char *
key_values(BackfillPlan *plan, char **values)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (int i = 0; i < plan->nkeys; i++)
		appendStringInfo(&buf, "%s%s::%s", i ? ", " : "",
						 quote_literal_cstr(values[i]), plan->key_types[i]);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* "ARRAY['key', v1, v2]::text[]" for the saved cursor */
static char *
key_cursor_sql(BackfillPlan *plan, char **values)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY['key'");
	for (int i = 0; i < plan->nkeys; i++)
		appendStringInfo(&buf, ", %s", quote_literal_cstr(values[i]));
	appendStringInfoString(&buf, "]::pg_catalog.text[]");
	return buf.data;
}

/* The batch statement: the rows of where that still carry the mark */
static char *
batch_statement(const char *table, const char *assignments, const char *where)
{
	return psprintf("UPDATE %s SET %s" PGROLL_BACKFILL_MARKER " = false "
					"WHERE %s AND " PGROLL_BACKFILL_MARKER,
					table, assignments ? assignments : "", where);
}

void
backfill_check(Oid relid, const char *schema)
{
	int			nestlevel = pgroll_push_search_path(pgroll_schema_search_path(schema));
	Relation	rel = table_open(relid, AccessShareLock);
	bool		is_volatile;
	char	   *assignments = sync_backfill_assignments(rel, &is_volatile);
	SPIPlanPtr	plan;
	Oid			roleid = GetUserId();

	/*
	 * The backfill runs as this role and must see every row.  Row-level
	 * security that applies to it (FORCE on its own table) would hide rows,
	 * which complete would then leave without their new values.
	 */
	if (rel->rd_rel->relrowsecurity && !has_bypassrls_privilege(roleid) &&
		(rel->rd_rel->relforcerowsecurity ||
		 !has_privs_of_role(roleid, rel->rd_rel->relowner)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the backfill of table \"%s\" cannot see every row",
						RelationGetRelationName(rel)),
				 errdetail("The table has row-level security that applies to role \"%s\", "
						   "who would run the backfill.", GetUserNameFromId(roleid, false)),
				 errhint("Run the migration as a role with BYPASSRLS, or ALTER TABLE %s "
						 "NO FORCE ROW LEVEL SECURITY while it is active.",
						 pgroll_relation_name(relid))));
	table_close(rel, NoLock);
	plan = SPI_prepare(batch_statement(pgroll_relation_name(relid), assignments, "false"),
					   0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare the backfill of %s: %s",
			 pgroll_relation_name(relid), SPI_result_code_string(SPI_result));
	SPI_freeplan(plan);
	AtEOXact_GUC(true, nestlevel);
}

char *
backfill_unfinished_table(Oid nspid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nspid)};
	List	   *tables = NIL;
	ListCell   *lc;

	run_as_owner("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
				 "FROM pg_catalog.pg_attribute a "
				 "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
				 "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				 "WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p') "
				 "  AND a.attname = '" PGROLL_BACKFILL_MARKER "' AND NOT a.attisdropped "
				 "ORDER BY c.relname",
				 1, argtypes, values, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		tables = lappend(tables, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));

	/*
	 * As the extension's owner, whom row-level security does not filter: a
	 * row no policy lets anyone see is still a row complete would leave
	 * without its new value.
	 */
	foreach(lc, tables)
	{
		run_as_owner(psprintf("SELECT 1 FROM %s WHERE " PGROLL_BACKFILL_MARKER " LIMIT 1",
							  (char *) lfirst(lc)), 0, NULL, NULL, NULL);
		if (SPI_processed > 0)
			return lfirst(lc);
	}
	return NULL;
}

static uint64
run_update(BackfillPlan *plan, const char *where, Datum tids)
{
	char	   *sql = batch_statement(plan->table, plan->assignments, where);
	Oid			argtypes[1] = {TIDARRAYOID};
	Datum		values[1] = {tids};
	volatile int rc = 0;

	pgstat_report_activity(STATE_RUNNING, sql);
	if (plan->assignments != NULL)
		pgroll_backfill_relid = plan->relid;
	PG_TRY();
	{
		int			nestlevel = pgroll_push_search_path(plan->search_path);

		/*
		 * The statement writes only pgroll's columns, computed by itself:
		 * as a replica it fires none of the user's row triggers (the row
		 * did not change for them); the sync trigger, enabled ALWAYS,
		 * sees the mark cleared and returns at once.  The
		 * foreign keys it skips checking are NOT VALID on the new columns
		 * and validated after the backfill.  Not with a volatile
		 * expression, which might write elsewhere with triggers off.
		 */
		if (plan->fire_no_triggers)
			(void) set_config_option("session_replication_role", "replica",
									 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
									 true, 0, false);
		/*
		 * By TID, always: for a large wave the planner would take a
		 * sequential scan of the whole table for the cheaper plan.
		 */
		if (tids != (Datum) 0)
			(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
		if (tids != (Datum) 0)
			rc = SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 0);
		else
			rc = SPI_execute(sql, false, 0);
		AtEOXact_GUC(true, nestlevel);
	}
	PG_FINALLY();
	{
		pgroll_backfill_relid = InvalidOid;
	}
	PG_END_TRY();
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "backfill batch failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/* What one batch did */
typedef struct BatchResult
{
	bool		more;			/* there is more to do */
	bool		whole;			/* a full batch: its time sizes the next */
	int			rows_asked;		/* the batch's size (its range's, over its waves) */
	uint64		rows;			/* rows written */
} BatchResult;

/*
 * Waves: at the start of a range (in its first wave's transaction) the
 * marked rows of the range are read, and each wave updates those of one
 * class of line pointer offsets by TID, with no second scan of the range.
 * A TID read here stays that row's while the row carries the mark: the
 * row's next version (written by anyone) has the mark cleared, and so does
 * any row version that may reuse the TID later.
 */
static void
collect_range_rows(BackfillPlan *plan, BackfillCursor *cursor, const char *range,
				   MemoryContext keep)
{
	int			nestlevel = pgroll_push_search_path(plan->search_path);

	if (SPI_execute(psprintf("SELECT ctid FROM %s WHERE %s AND " PGROLL_BACKFILL_MARKER,
							 plan->table, range), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "backfill could not read the rows of a range");
	AtEOXact_GUC(true, nestlevel);
	if (cursor->range_tids != NULL)
		pfree(cursor->range_tids);
	cursor->range_ntids = (int) SPI_processed;
	cursor->range_tids = MemoryContextAlloc(keep, sizeof(ItemPointerData) *
											Max(cursor->range_ntids, 1));
	for (int i = 0; i < cursor->range_ntids; i++)
	{
		bool		isnull;

		cursor->range_tids[i] = *(ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[i],
																   SPI_tuptable->tupdesc, 1,
																   &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The TIDs of wave w, as a tid[] datum; 0 when the wave has none.  Their
 * pages are pruned first: the space of the versions the previous waves
 * replaced is free for this wave's (an index scan would prune a page it
 * reads, the UPDATE's TID scan does not).
 */
static Datum
wave_tids(BackfillPlan *plan, BackfillCursor *cursor, int wave)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(cursor->range_ntids, 1));
	int			n = 0;
	Relation	rel = table_open(plan->relid, AccessShareLock);
	BlockNumber nblocks = RelationGetNumberOfBlocks(rel);	/* autovacuum may truncate */
	BlockNumber pruned = InvalidBlockNumber;

	for (int i = 0; i < cursor->range_ntids; i++)
	{
		ItemPointer tid = &cursor->range_tids[i];

		if (ItemPointerGetOffsetNumber(tid) % plan->waves != wave)
			continue;
		elems[n++] = PointerGetDatum(tid);
		if (ItemPointerGetBlockNumber(tid) != pruned &&
			ItemPointerGetBlockNumber(tid) < nblocks)
		{
			Buffer		buffer;

			pruned = ItemPointerGetBlockNumber(tid);
			buffer = ReadBuffer(rel, pruned);
			heap_page_prune_opt(rel, buffer);
			ReleaseBuffer(buffer);
		}
	}
	table_close(rel, NoLock);
	if (n == 0)
		return (Datum) 0;
	return PointerGetDatum(construct_array(elems, n, TIDOID, sizeof(ItemPointerData),
										   false, TYPALIGN_SHORT));
}

/*
 * Update the range's rows of the next wave that has any; with one wave,
 * the range's marked rows straight from its predicate.  Sets *last when
 * the range is done.
 */
static uint64
range_wave(BackfillPlan *plan, BackfillCursor *cursor, const char *range, MemoryContext keep,
		   bool *last)
{
	uint64		rows = 0;

	if (plan->waves == 1)
	{
		*last = true;
		return run_update(plan, range, (Datum) 0);
	}
	if (cursor->wave == 0)
		collect_range_rows(plan, cursor, range, keep);
	while (cursor->wave < plan->waves)
	{
		Datum		tids = wave_tids(plan, cursor, cursor->wave++);

		if (tids != (Datum) 0)
		{
			rows = run_update(plan, "ctid = ANY ($1)", tids);
			break;
		}
	}
	*last = cursor->wave == plan->waves;
	return rows;
}

/*
 * One wave of a keyset range.  A range is the next batch_rows * waves rows
 * after the cursor: its upper key is read from the index when the range
 * begins; each wave updates the range's marked rows of one class of
 * line pointer offsets.  After the last wave the cursor moves to the
 * range's end; a worker that stops within a range does it again (the
 * rows done no longer carry the mark).
 */
static BatchResult
keyset_batch(WorkerJob *job, BackfillPlan *plan, BackfillPace *pace, BackfillCursor *cursor,
			 MemoryContext keep)
{
	char	   *row = key_row(plan);
	char	   *lower = cursor->key ? psprintf("%s > %s", row, key_values(plan, cursor->key)) : "true";
	char	   *range;
	BatchResult result = {true, true, 0, 0};
	bool		last_wave;

	if (!cursor->in_range)
	{
		StringInfoData sql;
		int			nestlevel;

		/*
		 * Order by the table's columns (t.k), not the text output columns:
		 * an index scan in key order, not a sort of the rest of the table
		 * as text.
		 */
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		for (int i = 0; i < plan->nkeys; i++)
			appendStringInfo(&sql, "%st.%s::pg_catalog.text AS k%d", i ? ", " : "",
							 plan->key_columns[i], i);
		appendStringInfo(&sql, " FROM %s t WHERE %s ORDER BY ", plan->table, lower);
		for (int i = 0; i < plan->nkeys; i++)
			appendStringInfo(&sql, "%st.%s", i ? ", " : "", plan->key_columns[i]);
		appendStringInfo(&sql, " OFFSET %lld LIMIT 1",
						 (long long) pace->batch_rows * plan->waves - 1);

		nestlevel = pgroll_push_search_path(plan->search_path);
		if (SPI_execute(sql.data, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "backfill could not read the next key");
		AtEOXact_GUC(true, nestlevel);
		cursor->range_key = NULL;
		if (SPI_processed == 1)
		{
			cursor->range_key = MemoryContextAllocZero(keep, sizeof(char *) * plan->nkeys);
			for (int i = 0; i < plan->nkeys; i++)
				cursor->range_key[i] = MemoryContextStrdup(keep,
														   SPI_getvalue(SPI_tuptable->vals[0],
																		SPI_tuptable->tupdesc, i + 1));
		}
		cursor->in_range = true;
		cursor->wave = 0;
		cursor->range_batch_rows = pace->batch_rows;
	}

	result.rows_asked = cursor->range_batch_rows;
	range = cursor->range_key ?
		psprintf("%s AND %s <= %s", lower, row, key_values(plan, cursor->range_key)) : lower;
	result.rows = range_wave(plan, cursor, range, keep, &last_wave);
	result.whole = cursor->range_key != NULL;

	if (!last_wave)
		save_progress(job, pace, cursor->key ? key_cursor_sql(plan, cursor->key) : "NULL",
					  result.rows);
	else if (cursor->range_key != NULL)
	{
		save_progress(job, pace, key_cursor_sql(plan, cursor->range_key), result.rows);
		if (cursor->key != NULL)
		{
			for (int i = 0; i < plan->nkeys; i++)
				pfree(cursor->key[i]);
			pfree(cursor->key);
		}
		cursor->key = cursor->range_key;
		cursor->range_key = NULL;
		cursor->in_range = false;
	}
	else
	{
		/* the last range is done: the walk is over */
		save_progress(job, pace, "ARRAY['sweep']::pg_catalog.text[]", result.rows);
		cursor->walked = true;
		cursor->in_range = false;
	}
	return result;
}

/*
 * One wave of a range of blocks: batch_rows * waves rows' worth of blocks
 * from the cursor, written in waves as above.
 */
static BatchResult
block_batch(WorkerJob *job, BackfillPlan *plan, BackfillPace *pace, BackfillCursor *cursor,
			MemoryContext keep)
{
	BatchResult result = {true, true, 0, 0};
	char	   *range;
	bool		last_wave;

	if (!cursor->in_range)
	{
		if (cursor->block >= plan->nblocks)
		{
			save_progress(job, pace, "ARRAY['sweep']::pg_catalog.text[]", 0);
			cursor->walked = true;
			result.whole = false;
			return result;
		}
		cursor->range_end = cursor->block +
			Max(1, (int) ((double) pace->batch_rows * plan->waves / plan->rows_per_block));
		cursor->in_range = true;
		cursor->wave = 0;
		cursor->range_batch_rows = pace->batch_rows;
	}
	result.rows_asked = cursor->range_batch_rows;
	range = psprintf("ctid >= '(%u,0)'::pg_catalog.tid AND ctid < '(%u,0)'::pg_catalog.tid",
					 cursor->block, cursor->range_end);
	result.rows = range_wave(plan, cursor, range, keep, &last_wave);
	if (!last_wave)
		save_progress(job, pace, psprintf("ARRAY['block', '%u']::pg_catalog.text[]", cursor->block),
					  result.rows);
	else
	{
		save_progress(job, pace, psprintf("ARRAY['block', '%u']::pg_catalog.text[]",
										  cursor->range_end), result.rows);
		cursor->block = cursor->range_end;
		cursor->in_range = false;
	}
	return result;
}

/* The last sweep: marked rows the walk missed, batch_rows at a time */
static BatchResult
sweep_batch(WorkerJob *job, BackfillPlan *plan, BackfillPace *pace)
{
	BatchResult result = {true, false, 0, 0};

	result.rows_asked = pace->batch_rows;
	result.rows = run_update(plan, psprintf("ctid = ANY (ARRAY(SELECT ctid FROM %s WHERE "
											PGROLL_BACKFILL_MARKER " LIMIT %d))",
											plan->table, pace->batch_rows), (Datum) 0);
	save_progress(job, pace, "ARRAY['sweep']::pg_catalog.text[]", result.rows);
	result.more = result.rows > 0;
	result.whole = result.rows == (uint64) pace->batch_rows;
	return result;
}

/*
 * Run one batch in a transaction of its own, under pgroll.lock_timeout so
 * that it never queues for long behind (and in front of) other sessions'
 * locks.  A batch that did not get its locks is rolled back and reported
 * through *lock_failed.
 */
static BatchResult
run_one_batch(WorkerJob *job, BackfillPlan *plan, BackfillPace *pace, BackfillCursor *cursor,
			  MemoryContext keep, bool *lock_failed)
{
	MemoryContext batchcxt = CurrentMemoryContext;
	BatchResult result = {true, false, 0, 0};
	BackfillCursor before = *cursor;

	*lock_failed = false;
	PG_TRY();
	{
		char		timeout[32];
		int			nestlevel;

		batch_begin();
		nestlevel = NewGUCNestLevel();
		snprintf(timeout, sizeof(timeout), "%dms", pgroll_lock_timeout_ms);
		(void) set_config_option("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		/* a row a policy would hide is an error, never a row left out */
		(void) set_config_option("row_security", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

		/*
		 * The job's row first, without waiting: held by pgroll.pause() or
		 * tune_backfill() in an open transaction (or by a rollback), it
		 * would make the batch wait at its end, holding the rows it wrote.
		 */
		lock_job_row(job);

		if (cursor->walked)
			result = sweep_batch(job, plan, pace);
		else if (plan->nkeys > 0)
			result = keyset_batch(job, plan, pace, cursor, keep);
		else
			result = block_batch(job, plan, pace, cursor, keep);

		AtEOXact_GUC(true, nestlevel);

		/*
		 * The batch's commit need not wait for its WAL to reach the disk:
		 * a crash loses the batch and its cursor together, and the batch is
		 * done again.  (The claim of a job commits synchronously.)  For
		 * this transaction only.
		 */
		(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
		batch_end();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(batchcxt);
		edata = CopyErrorData();
		if (!pgroll_error_is_expected(edata->sqlerrcode, PGROLL_EXPECT_LOCK))
			PG_RE_THROW();
		FlushErrorState();
		AbortCurrentTransaction();
		/* the batch did not happen: the same wave (or range) again */
		cursor->wave = before.wave;
		cursor->in_range = before.in_range;
		cursor->walked = before.walked;
		cursor->block = before.block;
		*lock_failed = true;
		result.more = true;
	}
	PG_END_TRY();
	return result;
}

/*
 * Table maintenance between and after batches, as the worker's session
 * user (the job's role may not own the table), at top level.  A plain
 * VACUUM, which never waits for a lock (SKIP_LOCKED), makes the space of
 * the row versions the backfill replaced free for the batches that follow
 * (without truncating the table, which takes an ACCESS EXCLUSIVE lock).
 */
static void
vacuum_table(BackfillPlan *plan)
{
	Oid			save_userid;
	int			save_sec;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(GetSessionUserId(), save_sec);
	run_toplevel_statement(psprintf("VACUUM (SKIP_LOCKED, TRUNCATE false) %s", plan->table));
	SetUserIdAndSecContext(save_userid, save_sec);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * ANALYZE at the end gives the planner statistics of the new columns,
 * which they keep through complete (by column, not by name).  Its lock
 * (SHARE UPDATE EXCLUSIVE: no reader or writer waits for it) is tried
 * under pgroll.lock_timeout for up to ANALYZE_RETRY_MS; a table locked
 * longer (a long VACUUM or index build of the application's) is left to
 * autovacuum, which analyzes a table every row of which changed, and the
 * log says so: the migration does not wait on it.
 */
#define ANALYZE_RETRY_MS	10000

static void
analyze_table(BackfillPlan *plan)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *session_timeout = pstrdup(GetConfigOption("lock_timeout", false, false));
	volatile int waited_ms = 0;

	for (;;)
	{
		Oid			save_userid;
		int			save_sec;
		volatile bool locked = true;
		char		timeout[32];

		GetUserIdAndSecContext(&save_userid, &save_sec);
		SetUserIdAndSecContext(GetSessionUserId(), save_sec);
		snprintf(timeout, sizeof(timeout), "%dms", pgroll_lock_timeout_ms);
		SetConfigOption("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION);
		PG_TRY();
		{
			run_toplevel_statement(psprintf("ANALYZE %s", plan->table));
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
				PG_RE_THROW();
			FlushErrorState();
			AbortCurrentTransaction();
			locked = false;
		}
		PG_END_TRY();
		SetConfigOption("lock_timeout", session_timeout, PGC_USERSET, PGC_S_SESSION);
		SetUserIdAndSecContext(save_userid, save_sec);
		pgstat_report_activity(STATE_IDLE, NULL);
		if (locked)
			return;
		waited_ms += pgroll_lock_timeout_ms + 200;
		if (waited_ms >= ANALYZE_RETRY_MS)
		{
			elog(LOG, "pgroll could not analyze %s: its lock was not granted in %d ms; "
				 "autovacuum will analyze it", plan->table, waited_ms);
			return;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 200, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

void
backfill_run(WorkerJob *job)
{
	MemoryContext keep = CurrentMemoryContext;
	MemoryContext batchcxt = AllocSetContextCreate(keep, "pgroll backfill batch",
												   ALLOCSET_DEFAULT_SIZES);
	BackfillPlan plan = {0};
	BackfillCursor cursor = {0};
	BackfillPace pace;
	int			lock_waits = 0;
	bool		more = true;

	read_plan(job, &plan, &cursor);
	governor_init(job, &pace, plan.rows_total);

	while (more)
	{
		bool		lock_failed;
		BatchResult result;

		governor_before_batch(job, &pace);
		MemoryContextSwitchTo(batchcxt);
		result = run_one_batch(job, &plan, &pace, &cursor, keep, &lock_failed);
		MemoryContextSwitchTo(keep);
		MemoryContextReset(batchcxt);
		more = result.more;

		if (lock_failed)
		{
			/* back off: 50 ms, doubling up to 2 s */
			int			sleep_ms = Min(2000, 50 << Min(lock_waits, 6));

			lock_waits++;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 sleep_ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			continue;
		}
		lock_waits = 0;
		governor_after_batch(&pace, result.rows_asked, result.rows, result.whole);
		/* waves leave little to vacuum: most of their updates are HOT */
		if (more && plan.waves == 1 && governor_vacuum_due(&pace, false))
			vacuum_table(&plan);
		if (more)
			governor_delay(job, &pace);
	}
	if (governor_vacuum_due(&pace, true))
		vacuum_table(&plan);
	analyze_table(&plan);
	MemoryContextDelete(batchcxt);
}
