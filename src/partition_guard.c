/*-------------------------------------------------------------------------
 *
 * partition_guard.c
 *	  ATTACH PARTITION / DETACH PARTITION and DROP TABLE of a partition
 *	  on a table an active migration changes are refused.
 *
 * A migration adds columns to a partitioned table (the copies, the
 * backfill marker) and, through the parent, to every partition, with
 * NOT VALID checks, the sync trigger's clones and indexes built partition
 * by partition.  A partition attached meanwhile would join without its
 * rows backfilled or its index built by pgroll; one detached would leave
 * with pgroll's columns and checks, which nothing would remove; one
 * dropped would fail the index builds queued for it.  So they wait for
 * complete or rollback.  An event trigger of the extension,
 * ENABLE ALWAYS.
 *
 * src/partition_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(pgroll_partition_guard);

/* Does the ALTER TABLE attach or detach a partition? */
static bool
changes_partitions(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_AttachPartition || cmd->subtype == AT_DetachPartition ||
			cmd->subtype == AT_DetachPartitionFinalize)
			return true;
	}
	return false;
}

/*
 * The active migration of the table's schema that changes the table, or
 * NULL: the table has the sync trigger or a pgroll column, or the
 * migration's state names it.
 */
static char *
changing_migration(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	char	   *migration;
	int			nestlevel;

	/* the statement's names resolved on the session's path; this query on pgroll's */
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	SPI_execute_with_args("SELECT m.name FROM pgroll.migrations m "
						  "JOIN pg_catalog.pg_class c ON c.oid = $1 "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
						  "WHERE NOT m.done AND m.schema = n.nspname "
						  "  AND (EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t "
						  "               WHERE t.tgrelid = $1 AND t.tgname IN ('~pgroll_sync', '_pgroll_sync')) "
						  "       OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a "
						  "                  WHERE a.attrelid = $1 AND NOT a.attisdropped "
						  "                    AND a.attname::pg_catalog.text LIKE '\\_pgroll\\_%') "
						  "       OR EXISTS (SELECT 1 FROM pgroll.operation_state s "
						  "                  WHERE s.schema = m.schema AND s.migration = m.name "
						  "                    AND s.relid = $1::pg_catalog.regclass))",
						  1, argtypes, values, NULL, true, 1);
	migration = SPI_processed == 1 ?
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
	AtEOXact_GUC(true, nestlevel);
	return migration;
}

static void
guard_alter_table(AlterTableStmt *stmt)
{
	Oid			relid;
	char	   *migration;

	if (!changes_partitions(stmt))
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	migration = changing_migration(relid);
	if (migration != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("cannot attach or detach partitions of table \"%s\" while migration \"%s\" changes it",
						get_rel_name(relid), migration),
				 errdetail("The migration's columns, checks, triggers and indexes would be "
						   "missing from an attached partition, and left behind on a detached one."),
				 errhint("Complete or roll back the migration first.")));
}

static void
guard_drop_table(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_TABLE)
		return;
	foreach(lc, stmt->objects)
	{
		Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(lfirst(lc)), NoLock, true);
		Oid			root;
		char	   *migration;

		if (!OidIsValid(relid) || !get_rel_relispartition(relid))
			continue;
		root = llast_oid(get_partition_ancestors(relid));
		migration = changing_migration(root);
		if (migration != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("cannot drop partition \"%s\" of table \"%s\" while migration \"%s\" changes it",
							get_rel_name(relid), get_rel_name(root), migration),
					 errdetail("The migration builds indexes partition by partition."),
					 errhint("Complete or roll back the migration first.")));
	}
}

/*
 * pgroll.partition_guard() returns event_trigger, on ddl_command_start
 * for ALTER TABLE and DROP TABLE
 */
Datum
pgroll_partition_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pgroll.partition_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!IsA(trigdata->parsetree, AlterTableStmt) && !IsA(trigdata->parsetree, DropStmt))
		PG_RETURN_VOID();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (IsA(trigdata->parsetree, AlterTableStmt))
		guard_alter_table((AlterTableStmt *) trigdata->parsetree);
	else
		guard_drop_table((DropStmt *) trigdata->parsetree);
	SPI_finish();
	PG_RETURN_VOID();
}
