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
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
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
grant_like_table(ModelTable *table, const char *view, ViewGrants *grants, DdlBatch *batch)
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
	privileges_grant_view_batch(grants, table->relid, view, columns, batch);
}

static List *version_views(const char *version_schema);

/* The view's statements: CREATE VIEW, its columns' defaults, its grants */
static void
create_view(Model *model, ModelTable *table, const char *version_schema,
			ViewGrants *grants, DdlBatch *batch)
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
	pgroll_ddl_batch_add(batch, sql.data);

	foreach(lc, table->columns)
	{
		ModelColumn *c = lfirst(lc);

		if (c->hidden || c->view_default == NULL)
			continue;
		pgroll_ddl_batch_addf(batch, "ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s",
							  view, quote_identifier(c->name),
							  fragment_expression_sql(c->view_default));
	}
	grant_like_table(table, view, grants, batch);
}

/* A set of names (hash entry; the key is the name) */
typedef struct NameEntry
{
	char		name[NAMEDATALEN];
} NameEntry;

bool
versions_complete(Model *model, const char *version_schema)
{
	List	   *views = version_views(version_schema);
	HASHCTL		ctl = {0};
	HTAB	   *view_names;
	ListCell   *lc;
	bool		complete = true;

	/* looked up by name: a list search per table is quadratic */
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(NameEntry);
	ctl.hcxt = CurrentMemoryContext;
	view_names = hash_create("pgroll version views", Max(list_length(views), 16), &ctl,
							 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lc, views)
		(void) hash_search(view_names, lfirst(lc), HASH_ENTER, NULL);

	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (t->hidden)
			continue;
		if (hash_search(view_names, t->name, HASH_FIND, NULL) == NULL)
		{
			complete = false;
			break;
		}
	}
	hash_destroy(view_names);
	return complete;
}

/*
 * The version schema and a view per visible table.  The tables' grants are
 * read in one query, the views made in batches (see ddl.c), and what each
 * view's statements take is freed after it: the cost stays linear in the
 * number of tables, the memory does not grow with it.
 */
void
versions_create(Model *model, const char *version_schema)
{
	MemoryContext per_view = AllocSetContextCreate(CurrentMemoryContext,
												   "pgroll version view",
												   ALLOCSET_DEFAULT_SIZES);
	List	   *relids = NIL;
	ViewGrants *grants;
	DdlBatch   *batch;
	ListCell   *lc;

	pgroll_ddlf("CREATE SCHEMA %s", quote_identifier(version_schema));
	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (!t->hidden && OidIsValid(t->relid))
			relids = lappend_oid(relids, t->relid);
	}
	grants = privileges_load_view_grants(relids);
	batch = pgroll_ddl_batch_begin();
	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);
		MemoryContext old;

		if (t->hidden)
			continue;
		old = MemoryContextSwitchTo(per_view);
		create_view(model, t, version_schema, grants, batch);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_view);
	}
	pgroll_ddl_batch_end(batch);
	MemoryContextDelete(per_view);
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
 * Views first, in batches (see ddl.c): each DROP VIEW tries its lock without
 * queueing and waits out the clients' transactions holding it, so new
 * queries through the old version never queue behind the drop.
 */
void
versions_drop(const char *version_schema)
{
	char	   *foreign = foreign_object(version_schema);
	SavedUser	saved;
	DdlBatch   *batch;
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
	batch = pgroll_ddl_batch_begin();
	foreach(lc, version_views(version_schema))
		pgroll_ddl_batch_addf(batch, "DROP VIEW IF EXISTS %s",
							  pgroll_qualified(version_schema, lfirst(lc)));
	pgroll_ddl_batch_end(batch);
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
 * A view of a version schema as the tombstone that replaces it has it: its
 * columns as the select list ("r.c1, r.c2") and the column definitions
 * ("c1 t1, c2 t2") of the set-returning function it reads, which raises the
 * error.  The values come from that function, not from constants, so no
 * qualifier of a client's query can be folded away before the function
 * runs.
 */
typedef struct TombstoneView
{
	char	   *name;
	StringInfoData select_list;
	StringInfoData definitions;
} TombstoneView;

/*
 * pgroll's views of a version schema with their columns, in creation order,
 * read in one query
 */
static List *
tombstone_views(const char *version_schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(version_schema)};
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spicxt;
	List	   *views = NIL;
	TombstoneView *view = NULL;
	Oid			view_oid = InvalidOid;

	if (SPI_execute_with_args("SELECT c.oid, c.relname::pg_catalog.text, "
							  "       pg_catalog.quote_ident(a.attname), "
							  "       pg_catalog.format_type(a.atttypid, a.atttypmod) "
							  "FROM pg_catalog.pg_class c "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							  "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
							  "  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped "
							  "WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "  AND c.relkind OPERATOR(pg_catalog.=) 'v' AND " PGROLL_VIEW_MARK " "
							  "ORDER BY c.oid, a.attnum",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the views of \"%s\"", version_schema);

	spicxt = MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		char	   *name;
		char	   *type;

		/* a view's rows are consecutive */
		if (view == NULL || oid != view_oid)
		{
			view = palloc0(sizeof(TombstoneView));
			view->name = SPI_getvalue(tuple, desc, 2);
			initStringInfo(&view->select_list);
			initStringInfo(&view->definitions);
			views = lappend(views, view);
			view_oid = oid;
		}
		name = SPI_getvalue(tuple, desc, 3);
		if (name == NULL)
			continue;			/* a view without columns */
		type = SPI_getvalue(tuple, desc, 4);
		appendStringInfo(&view->select_list, "%sr.%s",
						 view->select_list.len ? ", " : "", name);
		appendStringInfo(&view->definitions, "%s%s %s",
						 view->definitions.len ? ", " : "", name, type);
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(spicxt);
	return views;
}

void
versions_retire(const char *version_schema, const char *successor)
{
	List	   *views = tombstone_views(version_schema);
	char	   *args = psprintf("%s, %s", pgroll_literal(version_schema),
								pgroll_literal(successor));
	MemoryContext per_view = AllocSetContextCreate(CurrentMemoryContext,
												   "pgroll retired view",
												   ALLOCSET_DEFAULT_SIZES);
	SavedUser	saved;
	DdlBatch   *batch;
	ListCell   *lc;

	/* under the lock discipline, in batches, as versions_drop does */
	saved = act_as_version_owner(version_schema);
	batch = pgroll_ddl_batch_begin();
	foreach(lc, views)
	{
		TombstoneView *view = lfirst(lc);

		pgroll_ddl_batch_addf(batch, "DROP VIEW %s",
							  pgroll_qualified(version_schema, view->name));
	}

	foreach(lc, views)
	{
		TombstoneView *view = lfirst(lc);
		MemoryContext old = MemoryContextSwitchTo(per_view);
		char	   *qualified = pgroll_qualified(version_schema, view->name);

		/* a view without columns: the function still needs a column definition */
		if (view->definitions.len == 0)
			appendStringInfoString(&view->definitions, "_pgroll_none integer");
		pgroll_ddl_batch_addf(batch,
							  "CREATE VIEW %s WITH (security_invoker = true) AS SELECT %s "
							  "FROM pgroll.retired_version_rows(%s) AS r(%s)",
							  qualified, view->select_list.data, args,
							  view->definitions.data);
		pgroll_ddl_batch_addf(batch,
							  "CREATE TRIGGER retired_version INSTEAD OF INSERT OR UPDATE OR DELETE "
							  "ON %s FOR EACH ROW EXECUTE FUNCTION pgroll.retired_version_trigger(%s)",
							  qualified, args);
		/* whoever reaches it gets the error, not "permission denied" */
		pgroll_ddl_batch_addf(batch, "GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC",
							  qualified);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_view);
	}
	pgroll_ddl_batch_end(batch);
	pgroll_ddlf("COMMENT ON SCHEMA %s IS %s", quote_identifier(version_schema),
				pgroll_literal(psprintf(PGROLL_RETIRED_COMMENT "%s", successor)));
	restore_user(saved);
	MemoryContextDelete(per_view);
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
