/*-------------------------------------------------------------------------
 *
 * dependents.c
 *	  Refuse at start what complete could not drop.
 *
 * complete drops tables and columns without CASCADE, so anything outside
 * the table that depends on them (another table's foreign key, a user's
 * view, a generated column) would make complete fail after the fact.
 * Indexes and constraints of the table itself go with it, as a plain DROP
 * does; the views of pgroll's version schemas are dropped before complete
 * drops anything; foreign keys of tables dropped earlier in the same
 * migration go with those tables.  A column that a copy replaces takes
 * its views and statistics objects along (carry_over.c); what depends on
 * such a view and cannot be made again with it counts.  The partitions and
 * inheritance children of a table go with it: what depends on them counts
 * too.  Every dependent is named.
 *
 * src/ops/dependents.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "ops/carry_over.h"
#include "ops/ops.h"

/*
 * A column in the partition key of the table or of one of its partitions
 * cannot be dropped (PostgreSQL's rule): complete, which drops it (or the
 * old column of a copy), could not finish.
 */
static void
check_not_partition_key(Oid relid, AttrNumber attnum, const char *what, const char *path)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return;
	if (SPI_execute_with_args("SELECT pg_catalog.format('%I', t.relid::pg_catalog.regclass) "
							  "FROM pg_catalog.pg_partition_tree($1) t "
							  "JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = t.relid "
							  "JOIN pg_catalog.pg_attribute a ON a.attrelid = t.relid "
							  "JOIN pg_catalog.pg_attribute c ON c.attrelid = $1 AND c.attnum = $2 "
							  "WHERE a.attname = c.attname "
							  "  AND a.attnum = ANY (p.partattrs::pg_catalog.int2[]) "
							  "ORDER BY t.level LIMIT 1",
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the partition keys of relation %u", relid);
	if (SPI_processed == 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: %s is in the partition key of %s",
						path, what, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)),
				 errdetail("PostgreSQL cannot drop a partition key column, which complete would do."),
				 errhint("Create a new partitioned table instead.")));
}

void
check_not_partitioned(Oid relid, const char *path, const char *what)
{
	bool		index = strstr(what, "unique") != NULL || strstr(what, "primary key") != NULL;

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s: %s cannot be added to partitioned table \"%s\" while it is in use",
					path, what, get_rel_name(relid)),
			 index ?
			 errdetail("PostgreSQL builds no index of a partitioned table concurrently, and "
					   "makes no constraint of an existing index there.") :
			 errdetail("PostgreSQL 15 adds no NOT VALID foreign key to a partitioned table, "
					   "and a valid one is checked under a lock that blocks writes."),
			 errhint("Add it with a \"sql\" operation in a quiet period, or on each "
					 "partition.")));
}

void
check_no_inheritance_children(Oid relid, const char *path)
{
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION ||
		find_inheritance_children(relid, NoLock) == NIL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s: table \"%s\" has inheritance children", path, get_rel_name(relid)),
			 errdetail("A change of its columns reaches the child tables, which pgroll's "
					   "version views, triggers and backfill of the parent do not."),
			 errhint("Migrate the child tables on their own, or use declarative "
					 "partitioning.")));
}

void
check_not_inherited(Oid relid, AttrNumber attnum, const char *what, const char *path)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	List	   *parents;

	parents = pgroll_query_rows("SELECT pg_catalog.format('%I.%I', n.nspname, p.relname) "
								"FROM pg_catalog.pg_attribute a "
								"JOIN pg_catalog.pg_inherits h ON h.inhrelid = a.attrelid "
								"JOIN pg_catalog.pg_class p ON p.oid = h.inhparent "
								"JOIN pg_catalog.pg_namespace n ON n.oid = p.relnamespace "
								"WHERE a.attrelid = $1 AND a.attnum = $2 AND a.attinhcount > 0 "
								"ORDER BY h.inhseqno LIMIT 1",
								2, argtypes, values);
	if (parents != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: %s of table \"%s\" is inherited from %s", path, what,
						get_rel_name(relid), ((char **) linitial(parents))[0]),
				 errdetail("PostgreSQL cannot drop or rename an inherited column, which "
						   "complete would do."),
				 errhint("Change the column on the parent table.")));
}

void
check_no_dependents(OpContext *ctx, Oid relid, AttrNumber attnum,
					const char *what, const char *path, bool replaced)
{
	Oid			argtypes[5] = {OIDOID, INT4OID, TEXTOID, OIDARRAYOID, BOOLOID};
	Datum		values[5];
	Datum	   *hidden;
	int			nhidden = 0;
	int			nestlevel;
	List	   *dependents = NIL;
	StringInfoData list;
	ListCell   *lc;

	if (attnum > 0)
	{
		check_not_inherited(relid, attnum, what, path);
		check_not_partition_key(relid, attnum, what, path);
	}

	hidden = palloc(sizeof(Datum) * (list_length(ctx->model->tables) + 1));
	foreach(lc, ctx->model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (t->hidden && OidIsValid(t->relid) && t->relid != relid)
			hidden[nhidden++] = ObjectIdGetDatum(t->relid);
	}

	values[0] = ObjectIdGetDatum(relid);
	values[1] = Int32GetDatum(attnum);
	values[2] = CStringGetTextDatum(ctx->schema);
	values[3] = PointerGetDatum(construct_array(hidden, nhidden, OIDOID,
												sizeof(Oid), true, TYPALIGN_INT));
	values[4] = BoolGetDatum(replaced);

	/*
	 * The table's partitions and inheritance children go with it, and a
	 * column with it, so what depends on them counts too.  Start runs with
	 * the migrated schema on the path: no operator of it may resolve here.
	 */
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	foreach(lc, pgroll_query_rows("WITH RECURSIVE tree(relid) AS ("
								   "  SELECT $1 UNION "
								   "  SELECT h.inhrelid FROM tree t "
								   "  JOIN pg_catalog.pg_inherits h ON h.inhparent = t.relid), "
								   "targets(relid, attnum) AS ("
								   "  SELECT t.relid, a.attnum FROM tree t "
								   "  JOIN pg_catalog.pg_attribute a ON a.attrelid = t.relid "
								   "  WHERE $2 = 0 OR a.attname = (SELECT attname FROM pg_catalog.pg_attribute "
								   "                               WHERE attrelid = $1 AND attnum = $2)) "
								   "SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
								   "FROM targets t JOIN pg_catalog.pg_depend d "
								   "  ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								   " AND d.refobjid = t.relid AND ($2 = 0 OR d.refobjsubid = t.attnum) "
								   "WHERE d.deptype = 'n' "
								   "  AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT indexrelid FROM pg_catalog.pg_index "
								   "                           WHERE indrelid IN (SELECT relid FROM tree))) "
								   "  AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								   "           AND d.objid = $1 AND $2 = 0) "
	/* a dropped table's own policies, rules and triggers go with it */
								   "  AND NOT ($2 = 0 AND d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT oid FROM pg_catalog.pg_policy "
								   "                           WHERE polrelid IN (SELECT relid FROM tree))) "
								   "  AND NOT ($2 = 0 AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT oid FROM pg_catalog.pg_rewrite "
								   "                           WHERE ev_class IN (SELECT relid FROM tree))) "
								   "  AND NOT ($2 = 0 AND d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT oid FROM pg_catalog.pg_trigger "
								   "                           WHERE tgrelid IN (SELECT relid FROM tree))) "
								   "  AND NOT (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT oid FROM pg_catalog.pg_constraint "
								   "                           WHERE conrelid IN (SELECT relid FROM tree) "
								   "                              OR conrelid = ANY ($4) "
								   "                              OR ($5 AND contype = 'f' AND confrelid = $1))) "
	/* pgroll's own views, and for a replaced column the views carried over */
								   "  AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
								   "           AND d.objid IN (SELECT r.oid FROM pg_catalog.pg_rewrite r "
								   "             JOIN pg_catalog.pg_class v ON v.oid = r.ev_class "
								   "             JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace "
								   "             LEFT JOIN pgroll.migrations m ON m.schema = $3::name "
								   "              AND n.nspname::text = $3 || '_' || "
								   "                  coalesce(m.migration ->> 'version_schema', m.name) "
								   "             WHERE m.name IS NOT NULL "
								   "                OR ($5 AND v.relkind = 'v'))) "
								   "ORDER BY 1",
								   5, argtypes, values))
		dependents = lappend(dependents, ((char **) lfirst(lc))[0]);
	if (replaced)
		dependents = list_concat(dependents, carry_over_blockers(relid, attnum));
	AtEOXact_GUC(true, nestlevel);
	if (dependents == NIL)
		return;

	initStringInfo(&list);
	foreach(lc, dependents)
		appendStringInfo(&list, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 (char *) lfirst(lc));
	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("%s: cannot %s %s because other objects depend on it",
					path, replaced ? "replace" : "drop", what),
			 errdetail("Depending on it: %s.", list.data),
			 errhint(replaced ?
					 "pgroll carries views and statistics objects over to the new column; "
					 "drop or change the other dependents first, in this migration or before it." :
					 "Drop or change the dependent objects first, in this migration or before it.")));
}
