/*-------------------------------------------------------------------------
 *
 * privileges.c
 *	  Privileges follow the data: version schemas and views get the base
 *	  schema's and tables' grants, a column's copy gets the column's.
 *
 * A client needs privileges on a version's view (and, for a
 * security_invoker view, on the table behind it): the table's grants stay
 * as they are, the view gets the same ones (a column's under the name the
 * version gives it), and a copy of a column, which the new version reads
 * and writes in place of the old one, gets the old column's.  At complete the copy takes
 * the old column's place with those grants, so the table's privileges
 * after complete are what they were.
 *
 * Grants are made by the role running the migration (it owns the views,
 * the version schema and the migrated tables), with the grant option where
 * the original had it.
 *
 * src/privileges.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "ddl.h"
#include "privileges.h"
#include "roles.h"
#include "versions.h"

/* A grantee as GRANT takes it: 0 is PUBLIC */
static const char *
grantee_sql(const char *oid_text)
{
	Oid			grantee = (Oid) strtoul(oid_text, NULL, 10);

	if (!OidIsValid(grantee))
		return "PUBLIC";
	return quote_identifier(GetUserNameFromId(grantee, false));
}

/*
 * GRANT <privilege>[ (<column>)] ON <object> TO <grantee> [WITH GRANT
 * OPTION] for a row (grantee, privilege, grantable, grantor)
 */
static char *
grant_sql(char **row, const char *object, const char *column)
{
	return psprintf("GRANT %s%s%s%s ON %s TO %s%s", row[1],
					column ? " (" : "", column ? quote_identifier(column) : "",
					column ? ")" : "", object, grantee_sql(row[0]),
					strcmp(row[2], "t") == 0 ? " WITH GRANT OPTION" : "");
}

/*
 * GRANT <privilege>[ (<column>)] ON <object> TO <grantee> [WITH GRANT
 * OPTION]; with as_grantor (a column's grants onto its copy, on the same
 * table) as the original grantor: a grant a role made with its grant
 * option stays that role's (REVOKE ... CASCADE from it reaches it).  A
 * view's grants are its owner's.
 */
static void
grant_rows(List *rows, const char *object, const char *column, bool as_grantor)
{
	Oid			save_userid;
	int			save_sec_context;
	ListCell   *lc;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	foreach(lc, rows)
	{
		char	  **row = lfirst(lc);
		Oid			grantor = (Oid) strtoul(row[3], NULL, 10);

		if (as_grantor && OidIsValid(grantor) && grantor != save_userid)
			SetUserIdAndSecContext(grantor, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		pgroll_ddl(grant_sql(row, object, column));
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
}

/* The column's grants, but not the owner's own */
#define COLUMN_ACL_SQL \
	"SELECT x.grantee, x.privilege_type, x.is_grantable, x.grantor " \
	"FROM pg_catalog.pg_attribute a " \
	"JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, " \
	"     pg_catalog.aclexplode(a.attacl) x " \
	"WHERE a.attrelid = $1 AND a.attnum = $2 AND x.grantee <> c.relowner " \
	"ORDER BY 1, 2"

void
privileges_copy_column(Oid relid, AttrNumber from, const char *to)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(from)};

	grant_rows(pgroll_query_rows(COLUMN_ACL_SQL, 2, argtypes, values),
			   pgroll_relation_name(relid), to, true);
}

/*
 * What start gives a version's views, read for many tables at once: the
 * tables' SELECT, INSERT, UPDATE and DELETE grants (a view takes no
 * TRUNCATE, REFERENCES or TRIGGER) and their columns' grants, but not the
 * owner's own.  Rows (relid, attnum or 0 for the table, grantee, privilege,
 * grantable, grantor) ordered by table, column, grantee and privilege.
 */
#define VIEW_GRANTS_SQL \
	"SELECT c.oid, 0::pg_catalog.int2, x.grantee, x.privilege_type, x.is_grantable, x.grantor " \
	"FROM pg_catalog.pg_class c, " \
	"     pg_catalog.aclexplode(COALESCE(c.relacl, " \
	"         pg_catalog.acldefault('r', c.relowner))) x " \
	"WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1) AND x.grantee <> c.relowner " \
	"  AND x.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE') " \
	"UNION ALL " \
	"SELECT a.attrelid, a.attnum, x.grantee, x.privilege_type, x.is_grantable, x.grantor " \
	"FROM pg_catalog.pg_attribute a " \
	"JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, " \
	"     pg_catalog.aclexplode(a.attacl) x " \
	"WHERE a.attrelid OPERATOR(pg_catalog.=) ANY ($1) AND a.attacl IS NOT NULL " \
	"  AND x.grantee <> c.relowner " \
	"ORDER BY 1, 2, 3, 4"

/* The grants of one table (hash entry) */
typedef struct TableGrants
{
	Oid			relid;			/* hash key */
	List	   *rows;			/* char *[4] as grant_rows takes them, with
								 * the column's attnum in row[4] (0: the
								 * table) */
} TableGrants;

struct ViewGrants
{
	HTAB	   *tables;			/* TableGrants by relid; tables without
								 * grants are absent */
};

ViewGrants *
privileges_load_view_grants(List *relids)
{
	ViewGrants *grants = palloc0(sizeof(ViewGrants));
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spicxt;
	HASHCTL		ctl = {0};
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(relids), 1));
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		values[1];
	ListCell   *lc;
	int			rc;

	foreach(lc, relids)
		elems[foreach_current_index(lc)] = ObjectIdGetDatum(lfirst_oid(lc));
	values[0] = PointerGetDatum(construct_array(elems, list_length(relids), OIDOID,
												sizeof(Oid), true, TYPALIGN_INT));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(TableGrants);
	ctl.hcxt = caller;
	grants->tables = hash_create("pgroll view grants", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	rc = SPI_execute_with_args(VIEW_GRANTS_SQL, 1, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the grants of the tables: %s", SPI_result_code_string(rc));
	spicxt = MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		bool		found;
		TableGrants *table = hash_search(grants->tables, &relid, HASH_ENTER, &found);
		char	  **row = palloc(sizeof(char *) * 5);

		if (!found)
			table->rows = NIL;
		row[0] = SPI_getvalue(tuple, desc, 3);
		row[1] = SPI_getvalue(tuple, desc, 4);
		row[2] = SPI_getvalue(tuple, desc, 5);
		row[3] = SPI_getvalue(tuple, desc, 6);
		row[4] = SPI_getvalue(tuple, desc, 2);
		table->rows = lappend(table->rows, row);
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(spicxt);
	return grants;
}

/*
 * The GRANTs that give a view over the table what is granted on the table,
 * added to the batch: the table's first, then each view column's, under
 * the view's column name.  As the current user, the view's owner.
 */
void
privileges_grant_view_batch(ViewGrants *grants, Oid relid, const char *view,
							List *columns, DdlBatch *batch)
{
	TableGrants *table = hash_search(grants->tables, &relid, HASH_FIND, NULL);
	ListCell   *lc;

	if (table == NULL)
		return;
	foreach(lc, table->rows)
	{
		char	  **row = lfirst(lc);

		if (strcmp(row[4], "0") == 0)
			pgroll_ddl_batch_add(batch, grant_sql(row, view, NULL));
	}
	foreach(lc, columns)
	{
		ViewColumnGrant *col = lfirst(lc);
		ListCell   *lr;

		foreach(lr, table->rows)
		{
			char	  **row = lfirst(lr);

			if (atoi(row[4]) == col->table_attnum)
				pgroll_ddl_batch_add(batch, grant_sql(row, view, col->view_column));
		}
	}
}

void
privileges_grant_view(Oid relid, const char *view, List *columns)
{
	ViewGrants *grants = privileges_load_view_grants(list_make1_oid(relid));
	DdlBatch   *batch = pgroll_ddl_batch_begin();

	privileges_grant_view_batch(grants, relid, view, columns, batch);
	pgroll_ddl_batch_end(batch);
	hash_destroy(grants->tables);
	pfree(grants);
}

/*
 * The grants of a saved ACL, made again on an object its owner has just
 * made: others' grants as their grantors (the owner's first, so that a
 * grant option another role passes on is there before it is used), and
 * what the owner had revoked from itself revoked again.
 */
void
privileges_restore(const char *object, const char *column, const char *acl, Oid owner,
				   char objtype)
{
	Oid			argtypes[3] = {TEXTOID, OIDOID, CHAROID};
	Datum		values[3] = {CStringGetTextDatum(acl), ObjectIdGetDatum(owner),
	CharGetDatum(column ? 'c' : objtype)};
	ListCell   *lc;

	grant_rows(pgroll_query_rows("SELECT x.grantee, x.privilege_type, x.is_grantable, x.grantor "
						"FROM pg_catalog.aclexplode($1::pg_catalog.aclitem[]) x "
						"WHERE x.grantee <> $2 "
						"ORDER BY x.grantor <> $2, x.grantor, 1, 2",
						3, argtypes, values),
			   object, column, true);
	if (column != NULL)
		return;
	foreach(lc, pgroll_query_rows("SELECT d.privilege_type, '', '', 0 "
						 "FROM pg_catalog.aclexplode(pg_catalog.acldefault($3, $2)) d "
						 "WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode($1::pg_catalog.aclitem[]) x "
						 "                  WHERE x.grantee = $2 "
						 "                    AND x.privilege_type = d.privilege_type) "
						 "ORDER BY 1",
						 3, argtypes, values))
		pgroll_ddlf("REVOKE %s ON %s FROM %s", ((char **) lfirst(lc))[0], object,
					quote_identifier(GetUserNameFromId(owner, false)));
}

void
privileges_close_schema(const char *version_schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(version_schema)};
	ListCell   *lc;

	foreach(lc, pgroll_query_rows("SELECT DISTINCT x.grantee, '', '', 0 "
						 "FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) x "
						 "WHERE n.nspname = $1::name AND x.grantee <> n.nspowner",
						 1, argtypes, values))
		pgroll_ddlf("REVOKE ALL ON SCHEMA %s FROM %s", quote_identifier(version_schema),
					grantee_sql(((char **) lfirst(lc))[0]));
}

char *
privileges_schema_usage_sql(Oid nspid, const char *version_schema)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nspid)};
	List	   *rows;
	StringInfoData sql;
	ListCell   *lc;

	rows = pgroll_query_rows("SELECT x.grantee, x.privilege_type, x.is_grantable, x.grantor "
					"FROM pg_catalog.pg_namespace n, "
					"     pg_catalog.aclexplode(COALESCE(n.nspacl, "
					"         pg_catalog.acldefault('n', n.nspowner))) x "
					"WHERE n.oid = $1 AND x.grantee <> n.nspowner "
					"  AND x.privilege_type = 'USAGE' ORDER BY 1",
					1, argtypes, values);
	if (rows == NIL)
		return NULL;
	initStringInfo(&sql);
	appendStringInfo(&sql, "GRANT USAGE ON SCHEMA %s TO ", quote_identifier(version_schema));
	foreach(lc, rows)
	{
		char	  **row = lfirst(lc);

		appendStringInfo(&sql, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 grantee_sql(row[0]));
	}
	return sql.data;
}

/* ---------------------------------------------------------------------
 * Grants made while a migration is active
 * ---------------------------------------------------------------------
 */

/* Every role holding a grant on the relation or one of its columns */
static List *
grantees_of(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	return pgroll_query_rows("SELECT DISTINCT x.grantee, '', '', 0 FROM pg_catalog.pg_class c, "
					"  pg_catalog.aclexplode(c.relacl) x "
					"WHERE c.oid = $1 AND x.grantee <> c.relowner "
					"UNION "
					"SELECT x.grantee, '', '', 0 FROM pg_catalog.pg_attribute a "
					"JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, "
					"  pg_catalog.aclexplode(a.attacl) x "
					"WHERE a.attrelid = $1 AND x.grantee <> c.relowner",
					1, argtypes, values);
}

/*
 * The view's columns that show a column of the table (ViewColumnGrant *),
 * a copy's under the column it copies (copies: char *[2], old attnum and
 * copy name).
 */
static List *
view_columns(Oid view, Oid relid, List *copies)
{
	List	   *columns = versions_view_columns(view, relid);
	ListCell   *lc;

	foreach(lc, columns)
	{
		ViewColumnGrant *grant = lfirst(lc);
		char	   *attname = get_attname(relid, grant->table_attnum, false);
		ListCell   *lcopy;

		foreach(lcopy, copies)
		{
			char	  **copy = lfirst(lcopy);

			if (strcmp(copy[1], attname) == 0)
				grant->table_attnum = (AttrNumber) atoi(copy[0]);
		}
	}
	return columns;
}

void
privileges_refresh(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	Oid			owner;
	char		relkind;
	HeapTuple	tuple;
	Oid			save_userid;
	int			save_sec_context;
	List	   *copies;
	List	   *views;
	ListCell   *lc;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return;
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	relkind = ((Form_pg_class) GETSTRUCT(tuple))->relkind;
	ReleaseSysCache(tuple);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return;

	/* the copies of the table's columns in active migrations */
	copies = pgroll_query_rows("SELECT o.attnum, cc.new_column, '', 0 FROM pgroll.column_copies cc "
					  "JOIN pgroll.migrations m ON m.schema = cc.schema AND m.name = cc.migration "
					  "JOIN pg_catalog.pg_attribute o ON o.attrelid = cc.relid "
					  " AND o.attname = cc.old_column AND NOT o.attisdropped "
					  "WHERE NOT m.done AND cc.relid = $1::pg_catalog.regclass",
					  1, argtypes, values);
	/* pgroll's views over the table, in every version schema of its history */
	views = pgroll_query_rows("SELECT DISTINCT v.oid, v.relowner, "
					 "  pg_catalog.format('%I.%I', n.nspname, v.relname), 0 "
					 "FROM pg_catalog.pg_depend d "
					 "JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid "
					 "JOIN pg_catalog.pg_class v ON v.oid = r.ev_class "
					 "JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace "
					 "WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
					 "  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
					 "  AND d.refobjid = $1 AND d.deptype = 'n' AND v.relkind = 'v' "
					 "  AND EXISTS (SELECT FROM pgroll.migrations m "
					 "              WHERE n.nspname::pg_catalog.text = m.schema || '_' || "
					 "                    coalesce(m.migration ->> 'version_schema', m.name))",
					 1, argtypes, values);
	if (copies == NIL && views == NIL)
		return;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	foreach(lc, copies)
	{
		char	  **copy = lfirst(lc);
		AttrNumber	copy_attnum = get_attnum(relid, copy[1]);
		ListCell   *lg;

		if (copy_attnum == InvalidAttrNumber)
			continue;
		foreach(lg, pgroll_query_rows("SELECT x.grantee, '', '', 0 FROM pg_catalog.pg_attribute a, "
							 "  pg_catalog.aclexplode(a.attacl) x "
							 "WHERE a.attrelid = $1 AND a.attname = $2::name "
							 "  AND x.grantee <> $3",
							 3, (Oid[]) {OIDOID, TEXTOID, OIDOID},
							 (Datum[]) {ObjectIdGetDatum(relid), CStringGetTextDatum(copy[1]),
							 ObjectIdGetDatum(owner)}))
			pgroll_ddlf("REVOKE ALL (%s) ON %s FROM %s CASCADE", quote_identifier(copy[1]),
						pgroll_relation_name(relid), grantee_sql(((char **) lfirst(lg))[0]));
		privileges_copy_column(relid, (AttrNumber) atoi(copy[0]), copy[1]);
	}
	foreach(lc, views)
	{
		char	  **view = lfirst(lc);
		Oid			view_oid = (Oid) strtoul(view[0], NULL, 10);
		ListCell   *lg;

		SetUserIdAndSecContext((Oid) strtoul(view[1], NULL, 10),
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		foreach(lg, grantees_of(view_oid))
			pgroll_ddlf("REVOKE ALL ON %s FROM %s CASCADE", view[2],
						grantee_sql(((char **) lfirst(lg))[0]));
		privileges_grant_view(relid, view[2], view_columns(view_oid, relid, copies));
	}
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

void
privileges_refresh_schema(Oid nspid)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(nspid), CStringGetTextDatum(PRIVILEGES_OPEN_VERSION_JOB)};
	Oid			save_userid;
	int			save_sec_context;
	ListCell   *lc;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	/* the base schema's version schemas, and whether each waits for its opening */
	foreach(lc, pgroll_query_rows("SELECT v.nspname, v.nspowner, m.name, "
								  "  EXISTS (SELECT FROM pgroll.jobs j WHERE j.schema = m.schema "
								  "          AND j.migration = m.name AND j.description = $2 "
								  "          AND j.state IN ('queued', 'running')) "
								  "FROM pg_catalog.pg_namespace b "
								  "JOIN pgroll.migrations m ON m.schema = b.nspname "
								  "JOIN pg_catalog.pg_namespace v ON v.nspname::pg_catalog.text = "
								  "     m.schema || '_' || coalesce(m.migration ->> 'version_schema', m.name) "
								  "WHERE b.oid = $1",
								  2, argtypes, values))
	{
		char	  **row = lfirst(lc);
		char	   *usage = privileges_schema_usage_sql(nspid, row[0]);

		if (strcmp(row[3], "t") == 0)
		{
			Oid			jtypes[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
			Datum		jvalues[4] = {CStringGetTextDatum(get_namespace_name(nspid)),
				CStringGetTextDatum(row[2]), CStringGetTextDatum(PRIVILEGES_OPEN_VERSION_JOB),
			CStringGetTextDatum(usage ? usage : "SELECT")};

			/* not open yet: it opens to the roles that have USAGE then */
			run_as_owner("UPDATE pgroll.jobs SET command = $4 "
						 "WHERE schema = $1::name AND migration = $2 AND description = $3 "
						 "  AND state = 'queued'",
						 4, jtypes, jvalues, NULL);
			continue;
		}
		SetUserIdAndSecContext((Oid) strtoul(row[1], NULL, 10),
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		privileges_close_schema(row[0]);
		if (usage != NULL)
			pgroll_ddl(usage);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
}

void
privileges_sequence_for_inserters(Oid relid, const char *sequence)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	ListCell   *lc;

	foreach(lc, pgroll_query_rows("SELECT DISTINCT x.grantee FROM pg_catalog.pg_class c, "
								  "  pg_catalog.aclexplode(c.relacl) x "
								  "WHERE c.oid = $1 AND x.grantee <> c.relowner "
								  "  AND x.privilege_type = 'INSERT' "
								  "UNION "
								  "SELECT x.grantee FROM pg_catalog.pg_attribute a "
								  "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, "
								  "  pg_catalog.aclexplode(a.attacl) x "
								  "WHERE a.attrelid = $1 AND x.grantee <> c.relowner "
								  "  AND x.privilege_type = 'INSERT' "
								  "ORDER BY 1",
								  1, argtypes, values))
		pgroll_ddlf("GRANT USAGE, SELECT ON SEQUENCE %s TO %s", sequence,
					grantee_sql(((char **) lfirst(lc))[0]));
}
