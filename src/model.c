/*-------------------------------------------------------------------------
 *
 * model.c
 *	  The schema as one version sees it (see model.h).
 *
 * Loading reads the catalog through SPI and takes no lock on the user's
 * tables: a migration must not queue behind (or in front of) the
 * application just to look at the schema.
 *
 * src/model.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "model.h"

static const char *tables_query =
"SELECT c.oid, c.relname, a.attname, "
"       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, "
"       a.atttypid, a.atttypmod, a.attnotnull "
"FROM pg_catalog.pg_class c "
"LEFT JOIN pg_catalog.pg_attribute a "
"       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
"      AND a.attname::pg_catalog.text NOT LIKE '\\_pgroll\\_%' "
"LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
"WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
"  AND c.relname::pg_catalog.text NOT LIKE '\\_pgroll\\_%' "
"  AND (($1 <> 0 AND c.relnamespace = $1) OR c.oid = $2) "
"ORDER BY c.relname, a.attnum";

static const char *constraints_query =
"SELECT conrelid, conname FROM pg_catalog.pg_constraint "
"WHERE conrelid <> 0 AND ((connamespace = $1 AND $1 <> 0) OR conrelid = $2)";

static const char *indexes_query =
"SELECT i.indrelid, c.relname FROM pg_catalog.pg_index i "
"JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
"WHERE (c.relnamespace = $1 AND $1 <> 0) OR i.indrelid = $2";

static char *
spi_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

static Oid
spi_oid(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/* A name column of the current SPI row, without a copy */
static const char *
spi_name(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);

	return isnull ? NULL : NameStr(*DatumGetName(d));
}

/*
 * The tables by OID, so that each catalog row finds its table at once: a
 * list search per row is quadratic in the number of tables.
 */
typedef struct TableByRelid
{
	Oid			relid;			/* hash key */
	ModelTable *table;
} TableByRelid;

static HTAB *
tables_by_relid(List *tables)
{
	HASHCTL		ctl = {0};
	HTAB	   *hash;
	ListCell   *lc;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(TableByRelid);
	ctl.hcxt = CurrentMemoryContext;
	hash = hash_create("pgroll tables by relid", Max(list_length(tables), 16), &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, tables)
	{
		ModelTable *t = lfirst(lc);
		TableByRelid *entry = hash_search(hash, &t->relid, HASH_ENTER, NULL);

		entry->table = t;
	}
	return hash;
}

static ModelTable *
table_by_relid(HTAB *hash, Oid relid)
{
	TableByRelid *entry = hash_search(hash, &relid, HASH_FIND, NULL);

	return entry ? entry->table : NULL;
}

/*
 * Read tables (all of namespace nspid, or the one relation relid) with
 * their columns, constraint names and index names.  SPI must be connected;
 * the result is allocated in the caller's memory context.
 */
static List *
read_tables(Oid nspid, Oid relid)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		values[2] = {ObjectIdGetDatum(nspid), ObjectIdGetDatum(relid)};
	List	   *tables = NIL;
	ModelTable *t = NULL;
	HTAB	   *by_relid;
	MemoryContext spicxt;
	int			rc;

	rc = SPI_execute_with_args(tables_query, 2, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the tables of the schema: %s",
			 SPI_result_code_string(rc));

	spicxt = MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = spi_oid(i, 1);
		char	   *attname = spi_text(i, 3);

		/* a table's rows are consecutive (ordered by name, then attnum) */
		if (t == NULL || t->relid != oid)
		{
			t = palloc0(sizeof(ModelTable));
			t->relid = oid;
			t->name = spi_text(i, 2);
			t->physical = pstrdup(t->name);
			tables = lappend(tables, t);
		}
		if (attname != NULL)
		{
			ModelColumn *c = palloc0(sizeof(ModelColumn));

			c->name = attname;
			c->physical = pstrdup(attname);
			c->view_default = spi_text(i, 4);
			c->type = spi_oid(i, 5);
			c->typmod = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
													SPI_tuptable->tupdesc, 6, &isnull));
			c->not_null = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 7, &isnull));
			t->columns = lappend(t->columns, c);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	by_relid = tables_by_relid(tables);
	MemoryContextSwitchTo(spicxt);

	rc = SPI_execute_with_args(constraints_query, 2, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read constraints: %s", SPI_result_code_string(rc));
	MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		t = table_by_relid(by_relid, spi_oid(i, 1));
		if (t != NULL)
			t->constraints = lappend(t->constraints, spi_text(i, 2));
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(spicxt);

	rc = SPI_execute_with_args(indexes_query, 2, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read indexes: %s", SPI_result_code_string(rc));
	MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		t = table_by_relid(by_relid, spi_oid(i, 1));
		if (t != NULL)
			t->indexes = lappend(t->indexes, spi_text(i, 2));
	}
	SPI_freetuptable(SPI_tuptable);
	hash_destroy(by_relid);
	MemoryContextSwitchTo(spicxt);

	return tables;
}

/* A view's table (hash entry; the key is the table's logical name) */
typedef struct ModelTableByName
{
	char		name[NAMEDATALEN];
	ModelTable *table;
} ModelTableByName;

/*
 * Put each table's columns in the order the latest version shows them.
 * A rewritten column's copy is added at the end of the table and takes
 * the old column's place at complete; the versions keep it where it was,
 * so that a client sees the same column order from one version to the
 * next.  Columns the latest version does not show come last.
 */
static void
order_like_latest_version(Model *model)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(model->schema)};
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spicxt;
	HTAB	   *by_name;
	HASHCTL		ctl = {0};
	ListCell   *lt;
	ModelTable *t = NULL;
	List	   *ordered = NIL;
	const char *view = NULL;
	int			rc;

	rc = SPI_execute_with_args("SELECT c.relname, a.attname FROM pg_catalog.pg_class c "
							   "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
							   "WHERE c.relkind = 'v' AND a.attnum > 0 AND c.relnamespace = "
							   "  (SELECT oid FROM pg_catalog.pg_namespace "
							   "   WHERE nspname::text = pgroll.find_version_schema($1::name, 0)) "
							   "ORDER BY c.relname, a.attnum",
							   1, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT || SPI_processed == 0)
		return;

	/* the tables by name, so that each view finds its table at once */
	spicxt = MemoryContextSwitchTo(caller);
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(ModelTableByName);
	ctl.hcxt = caller;
	by_name = hash_create("pgroll tables by name", Max(list_length(model->tables), 16),
						  &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lt, model->tables)
	{
		ModelTable *table = lfirst(lt);
		ModelTableByName *entry = hash_search(by_name, table->name, HASH_ENTER, NULL);

		entry->table = table;
	}

	/*
	 * A view's rows are consecutive, in column order: its table's columns
	 * that the view shows move, in that order, to the front.
	 */
	for (uint64 i = 0; i <= SPI_processed; i++)
	{
		const char *relname = i < SPI_processed ? spi_name(i, 1) : NULL;
		const char *attname;
		ListCell   *lc;

		if (view == NULL || relname == NULL || strcmp(relname, view) != 0)
		{
			ModelTableByName *entry;

			if (ordered != NIL)
				t->columns = list_concat(ordered, t->columns);
			ordered = NIL;
			if (relname == NULL)
				break;
			view = relname;
			entry = hash_search(by_name, relname, HASH_FIND, NULL);
			t = entry ? entry->table : NULL;
		}
		if (t == NULL)
			continue;
		attname = spi_name(i, 2);
		foreach(lc, t->columns)
		{
			ModelColumn *c = lfirst(lc);

			if (strcmp(c->name, attname) == 0)
			{
				ordered = lappend(ordered, c);
				t->columns = foreach_delete_current(t->columns, lc);
				break;
			}
		}
	}
	hash_destroy(by_name);
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(spicxt);
}

Model *
model_load(const char *schema, Oid nspid)
{
	Model	   *model = palloc0(sizeof(Model));

	model->schema = pstrdup(schema);
	model->nspid = nspid;
	model->tables = read_tables(nspid, InvalidOid);
	order_like_latest_version(model);
	return model;
}

ModelTable *
model_read_table(Oid relid)
{
	List	   *tables = read_tables(InvalidOid, relid);

	if (tables == NIL)
		elog(ERROR, "relation %u not found", relid);
	return linitial(tables);
}

ModelTable *
model_find_table(Model *model, const char *name)
{
	ListCell   *lc;

	foreach(lc, model->tables)
	{
		ModelTable *t = lfirst(lc);

		if (!t->hidden && strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

ModelTable *
model_get_table(Model *model, const char *name, const char *path)
{
	ModelTable *t = model_find_referenced_table(model, name, path);

	/* refused here, not later by the DDL or in the worker, with nothing applied */
	if (OidIsValid(t->relid) && !pg_class_ownercheck(t->relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s: must be owner of table \"%s\"", path, name)));
	return t;
}

ModelTable *
model_find_referenced_table(Model *model, const char *name, const char *path)
{
	ModelTable *t = model_find_table(model, name);

	if (t == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: table \"%s\" does not exist in schema \"%s\"",
						path, name, model->schema)));
	return t;
}

void
model_check_table_absent(Model *model, const char *name, const char *path)
{
	if (model_find_table(model, name) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("%s: table \"%s\" already exists in schema \"%s\"",
						path, name, model->schema)));
}

ModelColumn *
model_find_column(ModelTable *table, const char *name)
{
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ModelColumn *c = lfirst(lc);

		if (!c->hidden && strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

ModelColumn *
model_get_column(ModelTable *table, const char *name, const char *path)
{
	ModelColumn *c = model_find_column(table, name);

	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s: column \"%s\" does not exist in table \"%s\"",
						path, name, table->name)));
	return c;
}

void
model_check_column_absent(ModelTable *table, const char *name, const char *path)
{
	if (model_find_column(table, name) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("%s: column \"%s\" already exists in table \"%s\"",
						path, name, table->name)));
}

bool
model_has_constraint(ModelTable *table, const char *name)
{
	ListCell   *lc;

	foreach(lc, table->constraints)
	{
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	}
	return false;
}

bool
model_has_index(Model *model, const char *name)
{
	ListCell   *lt;

	foreach(lt, model->tables)
	{
		ModelTable *t = lfirst(lt);
		ListCell   *li;

		foreach(li, t->indexes)
		{
			if (strcmp((char *) lfirst(li), name) == 0)
				return true;
		}
	}
	return false;
}

void
model_check_not_reserved(const char *name, const char *path)
{
	if (pgroll_is_internal_name(name))
		ereport(ERROR,
				(errcode(ERRCODE_RESERVED_NAME),
				 errmsg("%s: name \"%s\" is reserved", path, name),
				 errdetail("Names starting with \"%s\" are used by pgroll itself.",
						   PGROLL_PREFIX)));
}
