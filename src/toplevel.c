/*-------------------------------------------------------------------------
 *
 * toplevel.c
 *	  Run one statement as a top-level command from a background worker.
 *
 * CREATE INDEX CONCURRENTLY refuses to run inside a transaction block or a
 * function; SPI never runs a statement at top level.  So the worker parses,
 * plans and runs the statement through a portal with isTopLevel = true, as
 * exec_simple_query and pg_cron's background mode do.  Facts this relies
 * on (see the PostgreSQL 15 sources):
 *
 *	- The statement runs in a started, not-in-a-block transaction
 *	  (TBLOCK_STARTED), which PreventInTransactionBlock accepts.
 *	- CIC commits and starts transactions internally and returns inside a
 *	  new one, which the caller commits.  No snapshot of ours may be on the
 *	  active stack across PortalRun, and TopTransactionContext does not
 *	  survive those commits: parse and plan trees live in a context of our
 *	  own under the caller's (the worker's per-job context, which is
 *	  freed even when the statement fails).
 *
 * src/toplevel.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "commands/portalcmds.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"

#include "toplevel.h"

void
run_toplevel_statement(const char *sql)
{
	MemoryContext parsecxt;
	MemoryContext oldcxt;
	List	   *parsetrees;
	RawStmt    *raw;
	CommandTag	tag;
	List	   *querytrees;
	List	   *plantrees;
	bool		snapshot_pushed = false;
	Portal		portal;
	DestReceiver *dest;
	QueryCompletion qc;

	oldcxt = CurrentMemoryContext;	/* the caller's, outside any transaction */
	parsecxt = AllocSetContextCreate(oldcxt, "pgroll top-level statement",
									 ALLOCSET_DEFAULT_SIZES);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);

	MemoryContextSwitchTo(parsecxt);
	parsetrees = pg_parse_query(sql);
	if (list_length(parsetrees) != 1)
		elog(ERROR, "pgroll job must be exactly one statement: %s", sql);
	raw = linitial_node(RawStmt, parsetrees);
	if (IsA(raw->stmt, TransactionStmt))
		elog(ERROR, "pgroll job must not be transaction control: %s", sql);

	tag = CreateCommandTag(raw->stmt);
	if (analyze_requires_snapshot(raw))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		snapshot_pushed = true;
	}
	querytrees = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
	plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
	if (snapshot_pushed)
		PopActiveSnapshot();

	portal = CreatePortal("pgroll", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, tag, plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	dest = CreateDestReceiver(DestNone);

	/* PortalRun follows the transaction context across internal commits */
	MemoryContextSwitchTo(TopTransactionContext);
	(void) PortalRun(portal, FETCH_ALL, true, true, dest, dest, &qc);
	dest->rDestroy(dest);
	PortalDrop(portal, false);

	CommitTransactionCommand();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(parsecxt);

	debug_query_string = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
}
