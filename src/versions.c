/*-------------------------------------------------------------------------
 *
 * versions.c
 *	  Version schemas and their views.
 *
 * A version schema holds one view per table of the schema, as the version
 * names it: columns in table order under their logical names, columns
 * dropped in the version left out, pgroll's _pgroll_* columns never shown.
 * Views are security_invoker, so row-level security and privileges are
 * checked against the client, and carry the column defaults, so an insert
 * through a view behaves as an insert into the table.  Views bind to the
 * table by OID: later renames of the table or its columns keep them valid.
 *
 * src/versions.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "ddl.h"
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
					view, quote_identifier(c->name), c->view_default);
	}
	pfree(sql.data);
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
 * Views one at a time first: each DROP VIEW tries its lock without queueing
 * and waits out the clients' transactions holding it (see ddl.c), so new
 * queries through the old version never queue behind the drop.
 */
void
versions_drop(const char *version_schema)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(version_schema)};
	List	   *views = NIL;
	ListCell   *lc;

	if (SPI_execute_with_args("SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							  "WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "  AND c.relkind OPERATOR(pg_catalog.=) 'v' ORDER BY c.oid",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the views of \"%s\"", version_schema);
	for (uint64 i = 0; i < SPI_processed; i++)
		views = lappend(views, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	foreach(lc, views)
		pgroll_ddlf("DROP VIEW IF EXISTS %s CASCADE",
					pgroll_qualified(version_schema, lfirst(lc)));
	pgroll_ddlf("DROP SCHEMA IF EXISTS %s CASCADE", quote_identifier(version_schema));
}
