/*-------------------------------------------------------------------------
 *
 * carry_over.c
 *	  Views and statistics over a rewritten column, carried over to its
 *	  copy at complete.
 *
 * A view is bound to a column by number, so a view over a column that a
 * migration rewrites would stop complete from dropping the old column.
 * complete reads each such view (and the views over it) as it is then,
 * drops them, swaps the copies in and makes them again from their
 * definitions, which now find the copy under the column's name: same
 * name, options, owner, comments, grants, column defaults, rules and
 * triggers.  Statistics objects on the column, which PostgreSQL would drop
 * with it, are made again the same way.  All of it in complete's
 * transaction: clients see the views before or after, never without them.
 *
 * start refuses what depends on such a view and cannot be made again with
 * it (dependents.c), and tries the whole carry-over once on the new
 * column in a subtransaction it rolls back (copies.c), so that a view the
 * new type does not fit is refused at start, not found at complete.
 *
 * Views of pgroll's own version schemas are not carried: complete makes
 * its version's views itself.
 *
 * src/ops/carry_over.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "ddl.h"
#include "ops/carry_over.h"
#include "privileges.h"

typedef struct CarriedView
{
	char	   *name;			/* qualified, quoted */
	char	   *definition;
	char	   *options;		/* "a = 'b', ..." or NULL */
	Oid			owner;
	char	   *acl;			/* aclitem[] as text, or NULL */
	List	   *column_acls;	/* char *[2]: column, aclitem[] as text */
	List	   *statements;		/* defaults, comments, rules, triggers (a view's are always enabled) */
} CarriedView;

typedef struct CarriedStatistics
{
	char	   *name;			/* qualified, quoted */
	char	   *definition;		/* CREATE STATISTICS ... */
	Oid			owner;
	List	   *statements;		/* target, comment */
} CarriedStatistics;

struct CarryOver
{
	List	   *views;			/* CarriedView *, each after the views it reads */
	List	   *statistics;		/* CarriedStatistics * */
	const char *current;		/* the object being made, for errors */
};

/*
 * $1 oid[], $2 int2[]: the replaced columns.  "columns" are they and the
 * same columns of the tables' partitions and inheritance children, which
 * go with them; "carried" the views over them, not pgroll's, with the
 * views over those, each with its depth (a view comes after every view it
 * reads).
 */
#define CARRIED_VIEWS_CTE \
	"WITH RECURSIVE seeds(relid, attname) AS (" \
	"  SELECT a.attrelid, a.attname " \
	"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), " \
	"                 pg_catalog.unnest($2::pg_catalog.int2[])) s(relid, attnum) " \
	"  JOIN pg_catalog.pg_attribute a ON a.attrelid = s.relid AND a.attnum = s.attnum " \
	"  UNION " \
	"  SELECT h.inhrelid, s.attname FROM seeds s " \
	"  JOIN pg_catalog.pg_inherits h ON h.inhparent = s.relid), " \
	"columns(relid, attnum) AS (" \
	"  SELECT a.attrelid, a.attnum FROM seeds s " \
	"  JOIN pg_catalog.pg_attribute a ON a.attrelid = s.relid AND a.attname = s.attname " \
	"   AND NOT a.attisdropped), " \
	"version_schemas(oid) AS (" \
	"  SELECT n.oid FROM pg_catalog.pg_namespace n JOIN pgroll.migrations m " \
	"    ON n.nspname::pg_catalog.text = " \
	"       m.schema || '_' || coalesce(m.migration ->> 'version_schema', m.name)), " \
	"views(oid, depth) AS (" \
	"  SELECT v.oid, 1 FROM columns c " \
	"  JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
	"   AND d.refobjid = c.relid AND d.refobjsubid = c.attnum AND d.deptype = 'n' " \
	"   AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass " \
	"  JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid " \
	"  JOIN pg_catalog.pg_class v ON v.oid = r.ev_class " \
	"  WHERE v.relkind = 'v' AND v.relnamespace NOT IN (SELECT oid FROM version_schemas) " \
	"  UNION " \
	"  SELECT v.oid, w.depth + 1 FROM views w " \
	"  JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
	"   AND d.refobjid = w.oid AND d.deptype = 'n' " \
	"   AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass " \
	"  JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid " \
	"  JOIN pg_catalog.pg_class v ON v.oid = r.ev_class " \
	"  WHERE v.relkind = 'v' AND v.oid <> w.oid " \
	"    AND v.relnamespace NOT IN (SELECT oid FROM version_schemas)), " \
	"carried(oid, depth) AS (SELECT oid, pg_catalog.max(depth) FROM views GROUP BY oid) "

/* The arrays $1 and $2 of CARRIED_VIEWS_CTE */
static void
column_arrays(List *columns, Datum *values)
{
	int			n = list_length(columns);
	Datum	   *relids = palloc(sizeof(Datum) * (n + 1));
	Datum	   *attnums = palloc(sizeof(Datum) * (n + 1));
	ListCell   *lc;

	foreach(lc, columns)
	{
		ReplacedColumn *col = lfirst(lc);

		relids[foreach_current_index(lc)] = ObjectIdGetDatum(col->relid);
		attnums[foreach_current_index(lc)] = Int16GetDatum(col->attnum);
	}
	values[0] = PointerGetDatum(construct_array(relids, n, OIDOID, sizeof(Oid),
												true, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(attnums, n, INT2OID, sizeof(int16),
												true, TYPALIGN_SHORT));
}

/* The statements of rows (oid, statement) that belong to the object oid */
static List *
statements_of(List *rows, const char *oid)
{
	List	   *statements = NIL;
	ListCell   *lc;

	foreach(lc, rows)
	{
		char	  **row = lfirst(lc);

		if (strcmp(row[0], oid) == 0)
			statements = lappend(statements, row[1]);
	}
	return statements;
}

static List *
save_views(List *columns)
{
	Oid			argtypes[2] = {OIDARRAYOID, INT2ARRAYOID};
	Datum		values[2];
	List	   *views = NIL;
	List	   *extras;
	List	   *column_acls;
	ListCell   *lc;

	column_arrays(columns, values);
	extras = pgroll_query_rows(CARRIED_VIEWS_CTE
							   "SELECT w.oid, pg_catalog.format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s', "
							   "  w.oid::pg_catalog.regclass, a.attname, "
							   "  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)), 1, a.attnum "
							   "FROM carried w "
							   "JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = w.oid "
							   "JOIN pg_catalog.pg_attribute a ON a.attrelid = w.oid AND a.attnum = ad.adnum "
							   "UNION ALL "
							   "SELECT w.oid, pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', "
							   "  w.oid::pg_catalog.regclass, a.attname, ds.description), 2, a.attnum "
							   "FROM carried w "
							   "JOIN pg_catalog.pg_description ds ON ds.objoid = w.oid "
							   " AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid > 0 "
							   "JOIN pg_catalog.pg_attribute a ON a.attrelid = w.oid AND a.attnum = ds.objsubid "
							   "UNION ALL "
							   "SELECT w.oid, pg_catalog.pg_get_ruledef(r.oid), 3, r.oid::pg_catalog.int8 "
							   "FROM carried w JOIN pg_catalog.pg_rewrite r ON r.ev_class = w.oid "
							   "WHERE r.rulename <> '_RETURN' "
							   "UNION ALL "
							   "SELECT w.oid, pg_catalog.pg_get_triggerdef(t.oid), 5, t.oid::pg_catalog.int8 "
							   "FROM carried w JOIN pg_catalog.pg_trigger t ON t.tgrelid = w.oid "
							   "WHERE NOT t.tgisinternal "
							   "UNION ALL "
							   "SELECT w.oid, pg_catalog.format('COMMENT ON RULE %I ON %s IS %L', "
							   "  r.rulename, w.oid::pg_catalog.regclass, ds.description), 7, r.oid::pg_catalog.int8 "
							   "FROM carried w JOIN pg_catalog.pg_rewrite r ON r.ev_class = w.oid "
							   "JOIN pg_catalog.pg_description ds ON ds.objoid = r.oid "
							   " AND ds.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
							   "WHERE r.rulename <> '_RETURN' "
							   "UNION ALL "
							   "SELECT w.oid, pg_catalog.format('COMMENT ON TRIGGER %I ON %s IS %L', "
							   "  t.tgname, w.oid::pg_catalog.regclass, ds.description), 8, t.oid::pg_catalog.int8 "
							   "FROM carried w JOIN pg_catalog.pg_trigger t ON t.tgrelid = w.oid "
							   "JOIN pg_catalog.pg_description ds ON ds.objoid = t.oid "
							   " AND ds.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass "
							   "ORDER BY 1, 3, 4",
							   2, argtypes, values);
	column_acls = pgroll_query_rows(CARRIED_VIEWS_CTE
									"SELECT w.oid, a.attname, a.attacl::pg_catalog.text "
									"FROM carried w JOIN pg_catalog.pg_attribute a ON a.attrelid = w.oid "
									"WHERE a.attnum > 0 AND a.attacl IS NOT NULL ORDER BY 1, a.attnum",
									2, argtypes, values);

	foreach(lc, pgroll_query_rows(CARRIED_VIEWS_CTE
								  "SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname), "
								  "  pg_catalog.pg_get_viewdef(c.oid), "
								  "  (SELECT pg_catalog.string_agg(pg_catalog.format('%I = %L', "
								  "     o.option_name, o.option_value), ', ') "
								  "   FROM pg_catalog.pg_options_to_table(c.reloptions) o), "
								  "  c.relowner, c.relacl::pg_catalog.text, "
								  "  CASE WHEN pg_catalog.obj_description(c.oid, 'pg_class') IS NOT NULL THEN "
								  "    pg_catalog.format('COMMENT ON VIEW %I.%I IS %L', n.nspname, c.relname, "
								  "      pg_catalog.obj_description(c.oid, 'pg_class')) END "
								  "FROM carried w JOIN pg_catalog.pg_class c ON c.oid = w.oid "
								  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
								  "ORDER BY w.depth, c.oid",
								  2, argtypes, values))
	{
		char	  **row = lfirst(lc);
		CarriedView *view = palloc0(sizeof(CarriedView));
		char	   *definition = row[2];
		int			len = strlen(definition);
		ListCell   *la;

		/* pg_get_viewdef ends the query with a semicolon */
		while (len > 0 && (definition[len - 1] == ';' || isspace((unsigned char) definition[len - 1])))
			definition[--len] = '\0';
		view->name = row[1];
		view->definition = definition;
		view->options = row[3];
		view->owner = (Oid) strtoul(row[4], NULL, 10);
		view->acl = row[5];
		foreach(la, column_acls)
		{
			char	  **acl = lfirst(la);

			if (strcmp(acl[0], row[0]) == 0)
				view->column_acls = lappend(view->column_acls, &acl[1]);
		}
		if (row[6] != NULL)
			view->statements = lappend(view->statements, row[6]);
		view->statements = list_concat(view->statements, statements_of(extras, row[0]));
		views = lappend(views, view);
	}
	return views;
}

static List *
save_statistics(List *columns)
{
	Oid			argtypes[2] = {OIDARRAYOID, INT2ARRAYOID};
	Datum		values[2];
	List	   *statistics = NIL;
	ListCell   *lc;

	column_arrays(columns, values);
	foreach(lc, pgroll_query_rows(CARRIED_VIEWS_CTE
								  "SELECT DISTINCT s.oid, pg_catalog.format('%I.%I', n.nspname, s.stxname), "
								  "  pg_catalog.pg_get_statisticsobjdef(s.oid), s.stxowner, "
								  "  CASE WHEN s.stxstattarget >= 0 THEN "
								  "    pg_catalog.format('ALTER STATISTICS %I.%I SET STATISTICS %s', "
								  "      n.nspname, s.stxname, s.stxstattarget) END, "
								  "  CASE WHEN pg_catalog.obj_description(s.oid, 'pg_statistic_ext') IS NOT NULL THEN "
								  "    pg_catalog.format('COMMENT ON STATISTICS %I.%I IS %L', n.nspname, s.stxname, "
								  "      pg_catalog.obj_description(s.oid, 'pg_statistic_ext')) END "
								  "FROM columns c "
								  "JOIN pg_catalog.pg_depend d "
								  "  ON d.classid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass "
								  " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								  " AND d.refobjid = c.relid AND d.refobjsubid = c.attnum "
								  "JOIN pg_catalog.pg_statistic_ext s ON s.oid = d.objid "
								  "JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace "
								  "ORDER BY 1",
								  2, argtypes, values))
	{
		char	  **row = lfirst(lc);
		CarriedStatistics *stat = palloc0(sizeof(CarriedStatistics));

		stat->name = row[1];
		stat->definition = row[2];
		stat->owner = (Oid) strtoul(row[3], NULL, 10);
		if (row[4] != NULL)
			stat->statements = lappend(stat->statements, row[4]);
		if (row[5] != NULL)
			stat->statements = lappend(stat->statements, row[5]);
		statistics = lappend(statistics, stat);
	}
	return statistics;
}

CarryOver *
carry_over_save(List *columns)
{
	CarryOver  *carry;
	int			nestlevel;

	if (columns == NIL)
		return NULL;
	carry = palloc0(sizeof(CarryOver));
	/* definitions name every object outside pg_catalog with its schema */
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	carry->views = save_views(columns);
	carry->statistics = save_statistics(columns);
	AtEOXact_GUC(true, nestlevel);
	if (carry->views == NIL && carry->statistics == NIL)
		return NULL;
	return carry;
}

void
carry_over_drop(CarryOver *carry)
{
	StringInfoData sql;
	ListCell   *lc;

	if (carry == NULL)
		return;
	if (carry->views != NIL)
	{
		/* one statement: the views may depend on each other, nothing else may */
		initStringInfo(&sql);
		appendStringInfoString(&sql, "DROP VIEW ");
		foreach(lc, carry->views)
			appendStringInfo(&sql, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
							 ((CarriedView *) lfirst(lc))->name);
		pgroll_ddl(sql.data);
	}
	foreach(lc, carry->statistics)
		pgroll_ddlf("DROP STATISTICS %s", ((CarriedStatistics *) lfirst(lc))->name);
}

static void
run_all(List *statements)
{
	ListCell   *lc;

	foreach(lc, statements)
		pgroll_ddl(lfirst(lc));
}

static void
carry_over_error_callback(void *arg)
{
	CarryOver  *carry = arg;

	if (carry->current != NULL)
		errcontext("while pgroll made %s again on the rewritten column", carry->current);
}

void
carry_over_restore(CarryOver *carry)
{
	ErrorContextCallback callback;
	int			nestlevel;
	ListCell   *lc;

	if (carry == NULL)
		return;
	callback.callback = carry_over_error_callback;
	callback.arg = carry;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	foreach(lc, carry->views)
	{
		CarriedView *view = lfirst(lc);
		char	   *owner = GetUserNameFromId(view->owner, false);
		ListCell   *la;

		carry->current = psprintf("view %s", view->name);
		pgroll_ddlf("CREATE VIEW %s%s%s%s AS %s", view->name,
					view->options ? " WITH (" : "", view->options ? view->options : "",
					view->options ? ")" : "", view->definition);
		pgroll_ddlf("ALTER VIEW %s OWNER TO %s", view->name, quote_identifier(owner));
		run_all(view->statements);
		if (view->acl != NULL)
			privileges_restore(view->name, NULL, view->acl, view->owner, 'r');
		foreach(la, view->column_acls)
		{
			char	  **acl = lfirst(la);

			privileges_restore(view->name, acl[0], acl[1], view->owner, 'r');
		}
	}
	foreach(lc, carry->statistics)
	{
		CarriedStatistics *stat = lfirst(lc);

		carry->current = psprintf("statistics object %s", stat->name);
		pgroll_ddl(stat->definition);
		pgroll_ddlf("ALTER STATISTICS %s OWNER TO %s", stat->name,
					quote_identifier(GetUserNameFromId(stat->owner, false)));
		run_all(stat->statements);
	}
	AtEOXact_GUC(true, nestlevel);
	error_context_stack = callback.previous;
	carry->current = NULL;
}

/* Error 42501 unless the current role can act for the object's owner */
static void
check_owner(const char *path, const char *object, Oid owner)
{
	if (is_member_of_role(GetUserId(), owner))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s: %s is owned by role \"%s\", for which this role cannot act",
					path, object, GetUserNameFromId(owner, false)),
			 errdetail("complete carries it over to the rewritten column: it drops it and "
					   "makes it again with its owner."),
			 errhint("Run the migration as a member of role \"%s\".",
					 GetUserNameFromId(owner, false))));
}

void
carry_over_check_owners(CarryOver *carry, const char *path)
{
	ListCell   *lc;

	if (carry == NULL)
		return;
	foreach(lc, carry->views)
	{
		CarriedView *view = lfirst(lc);

		check_owner(path, psprintf("view %s", view->name), view->owner);
	}
	foreach(lc, carry->statistics)
	{
		CarriedStatistics *stat = lfirst(lc);

		check_owner(path, psprintf("statistics object %s", stat->name), stat->owner);
	}
}

const char *
carry_over_current(CarryOver *carry)
{
	/* an error before the first object was being made names none */
	return carry && carry->current ? carry->current : "a view or statistics object over it";
}

List *
carry_over_blockers(Oid relid, AttrNumber attnum)
{
	Oid			argtypes[2] = {OIDARRAYOID, INT2ARRAYOID};
	Datum		values[2];
	ReplacedColumn column = {relid, attnum};
	List	   *blockers = NIL;
	ListCell   *lc;

	column_arrays(list_make1(&column), values);
	/* rules and triggers of a carried view, and the carried views, go with them */
	foreach(lc, pgroll_query_rows(CARRIED_VIEWS_CTE
								  "SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
								  "FROM carried w "
								  "JOIN pg_catalog.pg_depend d "
								  "  ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								  " AND d.refobjid = w.oid AND d.deptype = 'n' "
								  "WHERE NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
								  "           AND d.objid IN (SELECT r.oid FROM pg_catalog.pg_rewrite r "
								  "                           WHERE r.ev_class IN (SELECT oid FROM carried))) "
								  "  AND NOT (d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass "
								  "           AND d.objid IN (SELECT t.oid FROM pg_catalog.pg_trigger t "
								  "                           WHERE t.tgrelid IN (SELECT oid FROM carried))) "
								  "ORDER BY 1",
								  2, argtypes, values))
		blockers = lappend(blockers, ((char **) lfirst(lc))[0]);
	return blockers;
}
