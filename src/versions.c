/*-------------------------------------------------------------------------
 *
 * versions.c
 *	  Version schemas and their views.
 *
 * A version schema holds one view per table of the schema, as the version
 * names it: columns in table order under their logical names, columns
 * dropped in the version left out, pgroll's _pgroll_* columns never shown.
 * Views are security_invoker: the client's privileges on the table, as
 * they are at the moment (a REVOKE after start counts), and row-level
 * security apply, never the view owner's.  (PostgreSQL then checks the
 * client's privileges on every column of the table the view shows, so a
 * role with grants on some columns only cannot use the view.)  Views carry
 * the column defaults, so an insert through a view behaves as an insert
 * into the table.  Views bind to the
 * table by OID: later renames of the table or its columns keep them valid.
 *
 * src/versions.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "ddl.h"
#include "fragments.h"
#include "privileges.h"
#include "versions.h"

char *
versions_schema_name(const char *schema, const char *version)
{
	char	   *name = psprintf("%s_%s", schema, version);

	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("version schema name \"%s\" is too long", name),
				 errdetail("The version schema is named \"<schema>_<version>\" and "
						   "identifiers are limited to %d bytes.", NAMEDATALEN - 1),
				 errhint("Set a shorter \"version_schema\" in the migration.")));
	return name;
}

/* The view gets the table's grants, a column's under the version's name */
static void
grant_like_table(ModelTable *table, const char *view)
{
	List	   *columns = NIL;
	ListCell   *lc;

	if (!OidIsValid(table->relid))
		return;
	foreach(lc, table->columns)
	{
		ModelColumn *c = lfirst(lc);
		ViewColumnGrant *grant;

		if (c->hidden)
			continue;
		grant = palloc(sizeof(ViewColumnGrant));
		grant->view_column = c->name;
		/* a copy has the grants of the column it copies */
		grant->table_attnum = get_attnum(table->relid, c->source ? c->source : c->physical);
		if (grant->table_attnum != InvalidAttrNumber)
			columns = lappend(columns, grant);
	}
	privileges_grant_view(table->relid, view, columns);
}

static List *version_views(const char *version_schema);

static void
create_view(Model *model, ModelTable *table, const char *version_schema)
{
	StringInfoData sql;
	const char *view = pgroll_qualified(version_schema, table->name);
	bool		first = true;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE VIEW %s WITH (security_invoker = true) AS SELECT ",
					 view);
	foreach(lc, table->columns)
	{
		ModelColumn *c = lfirst(lc);

		if (c->hidden)
			continue;
		appendStringInfo(&sql, "%s%s", first ? "" : ", ", quote_identifier(c->physical));
		if (strcmp(c->physical, c->name) != 0)
			appendStringInfo(&sql, " AS %s", quote_identifier(c->name));
		first = false;
	}
	appendStringInfo(&sql, " FROM %s", pgroll_qualified(model->schema, table->physical));
	pgroll_ddl(sql.data);

	foreach(lc, table->columns)
	{
		ModelColumn *c = lfirst(lc);

		if (c->hidden || c->view_default == NULL)
			continue;
		pgroll_ddlf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s",
					view, quote_identifier(c->name), fragment_expression_sql(c->view_default));
	}
	pfree(sql.data);
	grant_like_table(table, view);
}

bool
versions_complete(Model *model, const char *version_schema)
{
	List	   *views = version_views(version_schema);
	ListCell   *lc;

	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);
		ListCell   *lv;
		bool		found = false;

		if (t->hidden)
			continue;
		foreach(lv, views)
			found |= strcmp(lfirst(lv), t->name) == 0;
		if (!found)
			return false;
	}
	return true;
}

void
versions_create(Model *model, const char *version_schema)
{
	ListCell   *lc;

	pgroll_ddlf("CREATE SCHEMA %s", quote_identifier(version_schema));
	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (!t->hidden)
			create_view(model, t, version_schema);
	}
}


/*
 * pgroll's views in a version schema are those with security_invoker set,
 * true or false (a view a client creates there is taken for the client's,
 * never dropped)
 */
#define PGROLL_VIEW_MARK \
	"coalesce(c.reloptions::pg_catalog.text OPERATOR(pg_catalog.~~) '%security_invoker=%', false)"

/*
 * Objects in a version schema that pgroll did not put there (a table a
 * client created with the version first on its search_path, say): the
 * first one's description, or NULL.
 */
static char *
foreign_object(const char *version_schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(version_schema)};

	if (SPI_execute_with_args("SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) "
							  "FROM pg_catalog.pg_depend d "
							  "JOIN pg_catalog.pg_namespace n ON d.refclassid = "
							  "     'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = n.oid "
							  "LEFT JOIN pg_catalog.pg_class c ON d.classid = "
							  "     'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid "
							  "WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "  AND d.deptype OPERATOR(pg_catalog.=) 'n' "
							  "  AND (c.oid IS NULL OR c.relkind OPERATOR(pg_catalog.<>) 'v' "
							  "       OR NOT " PGROLL_VIEW_MARK ") "
							  "ORDER BY 1 LIMIT 1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not list the objects of \"%s\"", version_schema);
	return SPI_processed == 1 ?
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

/*
 * A version schema belongs to the role that started its migration; the
 * next migrations of the schema may be another role's (the owner of the
 * migrated tables, say), and retiring or dropping an earlier version is
 * part of completing them.  So that is done as the version schema's
 * owner.  Returns the user to switch back to (restore_user).
 */
typedef struct SavedUser
{
	Oid			userid;
	int			sec_context;
} SavedUser;

static SavedUser
act_as_version_owner(const char *version_schema)
{
	SavedUser	saved;
	Oid			nspid = get_namespace_oid(version_schema, true);

	GetUserIdAndSecContext(&saved.userid, &saved.sec_context);
	if (OidIsValid(nspid))
	{
		HeapTuple	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));

		if (HeapTupleIsValid(tuple))
		{
			Oid			owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;

			ReleaseSysCache(tuple);
			if (owner != saved.userid)
				SetUserIdAndSecContext(owner, saved.sec_context | SECURITY_LOCAL_USERID_CHANGE);
		}
	}
	return saved;
}

/* An error on the way aborts the transaction, which restores the user too */
static void
restore_user(SavedUser saved)
{
	SetUserIdAndSecContext(saved.userid, saved.sec_context);
}

/*
 * Views one at a time first: each DROP VIEW tries its lock without queueing
 * and waits out the clients' transactions holding it (see ddl.c), so new
 * queries through the old version never queue behind the drop.
 */
void
versions_drop(const char *version_schema)
{
	char	   *foreign = foreign_object(version_schema);
	SavedUser	saved;
	ListCell   *lc;

	/* never a client's object, and its data, dropped with the version */
	if (foreign != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("version schema \"%s\" holds %s, which pgroll did not create",
						version_schema, foreign),
				 errhint("Move it to another schema (ALTER ... SET SCHEMA) or drop it, then try again.")));

	/* without CASCADE: a client's view over a version's view stops the drop */
	saved = act_as_version_owner(version_schema);
	foreach(lc, version_views(version_schema))
		pgroll_ddlf("DROP VIEW IF EXISTS %s", pgroll_qualified(version_schema, lfirst(lc)));
	pgroll_ddlf("DROP SCHEMA IF EXISTS %s", quote_identifier(version_schema));
	restore_user(saved);
}

/* The views of a version schema, in creation order */
static List *
version_views(const char *version_schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(version_schema)};
	List	   *views = NIL;

	if (SPI_execute_with_args("SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							  "WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "  AND c.relkind OPERATOR(pg_catalog.=) 'v' AND " PGROLL_VIEW_MARK " "
							  "ORDER BY c.oid",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the views of \"%s\"", version_schema);
	for (uint64 i = 0; i < SPI_processed; i++)
		views = lappend(views, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	return views;
}

/*
 * The columns of a view as the tombstone that replaces it has them: the
 * select list ("r.c1, r.c2") and the column definitions ("c1 t1, c2 t2")
 * of the set-returning function it reads, which raises the error.  The
 * values come from that function, not from constants, so no qualifier of
 * a client's query can be folded away before the function runs.
 */
static void
tombstone_columns(const char *version_schema, const char *view, char **select_list,
				  char **definitions)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(version_schema), CStringGetTextDatum(view)};
	StringInfoData sel;
	StringInfoData def;

	if (SPI_execute_with_args("SELECT pg_catalog.quote_ident(a.attname), "
							  "       pg_catalog.format_type(a.atttypid, a.atttypmod) "
							  "FROM pg_catalog.pg_attribute a "
							  "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							  "WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "  AND c.relname OPERATOR(pg_catalog.=) $2::pg_catalog.name "
							  "  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped "
							  "ORDER BY a.attnum",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the columns of \"%s\"", view);
	initStringInfo(&sel);
	initStringInfo(&def);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *type = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

		appendStringInfo(&sel, "%sr.%s", i ? ", " : "", name);
		appendStringInfo(&def, "%s%s %s", i ? ", " : "", name, type);
	}
	/* a view without columns: the function still needs a column definition */
	if (SPI_processed == 0)
		appendStringInfoString(&def, "_pgroll_none integer");
	*select_list = sel.data;
	*definitions = def.data;
}

void
versions_retire(const char *version_schema, const char *successor)
{
	List	   *views = version_views(version_schema);
	List	   *select_lists = NIL;
	List	   *definitions = NIL;
	char	   *args = psprintf("%s, %s", pgroll_literal(version_schema),
								pgroll_literal(successor));
	SavedUser	saved;
	ListCell   *lc;
	ListCell   *ls;
	ListCell   *ld;

	foreach(lc, views)
	{
		char	   *select_list;
		char	   *definition;

		tombstone_columns(version_schema, lfirst(lc), &select_list, &definition);
		select_lists = lappend(select_lists, select_list);
		definitions = lappend(definitions, definition);
	}

	/* one at a time, under the lock discipline, as versions_drop does */
	saved = act_as_version_owner(version_schema);
	foreach(lc, views)
		pgroll_ddlf("DROP VIEW %s", pgroll_qualified(version_schema, lfirst(lc)));

	forthree(lc, views, ls, select_lists, ld, definitions)
	{
		char	   *view = pgroll_qualified(version_schema, lfirst(lc));

		pgroll_ddlf("CREATE VIEW %s WITH (security_invoker = true) AS SELECT %s "
					"FROM pgroll.retired_version_rows(%s) AS r(%s)",
					view, (char *) lfirst(ls), args, (char *) lfirst(ld));
		pgroll_ddlf("CREATE TRIGGER retired_version INSTEAD OF INSERT OR UPDATE OR DELETE "
					"ON %s FOR EACH ROW EXECUTE FUNCTION pgroll.retired_version_trigger(%s)",
					view, args);
		/* whoever reaches it gets the error, not "permission denied" */
		pgroll_ddlf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC", view);
	}
	pgroll_ddlf("COMMENT ON SCHEMA %s IS %s", quote_identifier(version_schema),
				pgroll_literal(psprintf(PGROLL_RETIRED_COMMENT "%s", successor)));
	restore_user(saved);
}

List *
versions_view_columns(Oid view, Oid relid)
{
	Relation	rel = table_open(view, AccessShareLock);
	Query	   *query = get_view_query(rel);
	List	   *columns = NIL;
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst(lc);
		Var		   *var = (Var *) te->expr;
		ViewColumnGrant *column;

		if (te->resjunk || !IsA(var, Var) || var->varlevelsup != 0 ||
			rt_fetch(var->varno, query->rtable)->relid != relid)
			continue;
		column = palloc(sizeof(ViewColumnGrant));
		column->view_column = pstrdup(te->resname);
		column->table_attnum = var->varattno;
		columns = lappend(columns, column);
	}
	table_close(rel, AccessShareLock);
	return columns;
}
