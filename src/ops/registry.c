/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  Which functions implement which operation, and helpers they share.
 *
 * src/ops/registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "access/htup_details.h"
#include "common/hashfn.h"
#include "catalog/pg_collation.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "expr.h"
#include "ddl.h"
#include "executor/spi.h"
#include "ops/ops.h"
#include "subxact.h"

static const OpMethods *const methods_by_kind[PGROLL_NUM_OP_KINDS] = {
	[PGROLL_OP_CREATE_TABLE] = &create_table_methods,
	[PGROLL_OP_DROP_TABLE] = &drop_table_methods,
	[PGROLL_OP_RENAME_TABLE] = &rename_table_methods,
	[PGROLL_OP_RENAME_COLUMN] = &rename_column_methods,
	[PGROLL_OP_DROP_COLUMN] = &drop_column_methods,
	[PGROLL_OP_RENAME_CONSTRAINT] = &rename_constraint_methods,
	[PGROLL_OP_SET_REPLICA_IDENTITY] = &set_replica_identity_methods,
	[PGROLL_OP_SQL] = &raw_sql_methods,
	[PGROLL_OP_ADD_COLUMN] = &add_column_methods,
	[PGROLL_OP_CREATE_INDEX] = &create_index_methods,
	[PGROLL_OP_DROP_INDEX] = &drop_index_methods,
	[PGROLL_OP_ALTER_COLUMN] = &alter_column_methods,
	[PGROLL_OP_CREATE_CONSTRAINT] = &create_constraint_methods,
	[PGROLL_OP_DROP_CONSTRAINT] = &drop_constraint_methods,
	[PGROLL_OP_DROP_MULTICOLUMN_CONSTRAINT] = &drop_multicolumn_constraint_methods,
};

const OpMethods *
pgroll_op_methods(PgrollOpKind kind)
{
	Assert(kind >= 0 && kind < PGROLL_NUM_OP_KINDS);
	return methods_by_kind[kind];
}

char *
op_path(OpContext *ctx, const char *field)
{
	return psprintf("%s.%s", ctx->path, field);
}

Oid
op_table_relid(OpContext *ctx, ModelTable *table)
{
	if (!OidIsValid(table->relid) && ctx->execute)
		table->relid = get_relname_relid(table->physical, ctx->nspid);
	return table->relid;
}

char *
op_internal_name(const char *prefix, const char *name)
{
	char	   *result = psprintf("%s%s", prefix, name);
	size_t		len = strlen(result);
	uint32		hash;
	int			keep;

	if (len < NAMEDATALEN)
		return result;

	/*
	 * Too long: cut, and end with a hash of the whole name, so that names
	 * that differ only past the cut do not become the same name.
	 */
	hash = DatumGetUInt32(hash_any((const unsigned char *) result, len));
	keep = pg_mbcliplen(result, len, NAMEDATALEN - 1 - 9);
	return psprintf("%.*s_%08x", keep, result, hash);
}

typedef struct TypeParse
{
	const char *type;
	ColumnDef  *column;
} TypeParse;

static void
parse_type_fn(void *arg)
{
	TypeParse  *tp = arg;
	List	   *stmts = raw_parser(psprintf("CREATE TABLE pgroll_type (c %s\n)", tp->type),
								   RAW_PARSE_DEFAULT);
	CreateStmt *create;

	if (list_length(stmts) != 1 || !IsA(linitial_node(RawStmt, stmts)->stmt, CreateStmt))
		return;
	create = (CreateStmt *) linitial_node(RawStmt, stmts)->stmt;
	if (list_length(create->tableElts) == 1 && IsA(linitial(create->tableElts), ColumnDef))
		tp->column = linitial(create->tableElts);
}

/*
 * A document's column type as PostgreSQL's grammar reads it: exactly one
 * type name, optionally with COLLATE, and nothing else ("int, evil text",
 * "int DEFAULT 1" and "int); DROP ..." are no types).  Error 42601 naming
 * path otherwise.
 */
static ColumnDef *
parse_column_type(const char *type, const char *path)
{
	TypeParse	tp = {type, NULL};
	ColumnDef  *column;

	if (!pgroll_subxact(parse_type_fn, &tp, true, PGROLL_EXPECT_SYNTAX, NULL, NULL))
		tp.column = NULL;
	column = tp.column;
	if (column == NULL || column->typeName->setof || column->typeName->pct_type ||
		column->constraints != NIL || column->raw_default != NULL ||
		column->identity != '\0' || column->generated != '\0' || column->is_not_null ||
		column->storage != '\0' || column->compression != NULL || column->fdwoptions != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s: \"%s\" is not a type", path, type),
				 errhint("Give a type name, optionally followed by COLLATE and a collation.")));
	return column;
}

/* serial, bigserial and smallserial are no types, but column types */
static bool
serial_type(TypeName *typename, Oid *typid)
{
	static const struct
	{
		const char *name;
		Oid			typid;
	}			serials[] = {
		{"serial", INT4OID}, {"serial4", INT4OID},
		{"bigserial", INT8OID}, {"serial8", INT8OID},
		{"smallserial", INT2OID}, {"serial2", INT2OID},
	};

	if (list_length(typename->names) != 1 || typename->typmods != NIL ||
		typename->arrayBounds != NIL || typename->setof)
		return false;
	for (int i = 0; i < lengthof(serials); i++)
	{
		if (strcmp(strVal(linitial(typename->names)), serials[i].name) == 0)
		{
			*typid = serials[i].typid;
			return true;
		}
	}
	return false;
}

static void
type_of_column(ColumnDef *column, const char *type, const char *path, Oid *typid,
			   int32 *typmod, bool *serial)
{
	Type		tup;

	*typmod = -1;
	*serial = serial_type(column->typeName, typid);
	if (*serial)
		return;
	tup = LookupTypeName(NULL, column->typeName, typmod, true);
	if (tup == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: type \"%s\" does not exist", path, type)));
	*typid = typeTypeId(tup);
	ReleaseSysCache(tup);
}

void
op_resolve_type(const char *type, Oid *typid, int32 *typmod, bool *serial,
				const char *path)
{
	type_of_column(parse_column_type(type, path), type, path, typid, typmod, serial);
}

char *
op_type_sql(const char *type, const char *path)
{
	ColumnDef  *column = parse_column_type(type, path);
	Oid			typid;
	int32		typmod;
	bool		serial;
	char	   *sql;

	type_of_column(column, type, path, &typid, &typmod, &serial);
	if (serial)
		sql = pstrdup(strVal(linitial(column->typeName->names)));
	else
		sql = format_type_extended(typid, typmod,
								   FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
	if (column->collClause != NULL)
	{
		Oid			collid = LookupCollation(NULL, column->collClause->collname, -1);
		HeapTuple	tuple = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
		Form_pg_collation coll;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for collation %u", collid);
		coll = (Form_pg_collation) GETSTRUCT(tuple);
		sql = psprintf("%s COLLATE %s", sql,
					   quote_qualified_identifier(get_namespace_name(coll->collnamespace),
												  NameStr(coll->collname)));
		ReleaseSysCache(tuple);
	}
	return sql;
}

List *
op_table_scope(OpContext *ctx, ModelTable *table)
{
	List	   *scope = NIL;
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ModelColumn *col = lfirst(lc);

		if (col->hidden)
			continue;
		/* validate adds no columns: _pgroll_new_<c> is only planned */
		if (!ctx->execute &&
			get_attnum(table->relid, col->physical) == InvalidAttrNumber)
			scope = expr_scope_add_planned(scope, col->name, col->type, col->typmod);
		else
			scope = expr_scope_add(scope, table->relid, col->physical, col->name);
	}
	return scope;
}

void
op_try(const char *path, void (*fn) (void *arg), void *arg)
{
	/* tried and undone, whatever happens */
	(void) pgroll_subxact(fn, arg, false, PGROLL_EXPECT_NOTHING, path, NULL);
}

void
op_rename_column(Oid relid, const char *from, const char *to)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), CStringGetTextDatum(from)};
	List	   *indexes = NIL;
	ListCell   *lc;

	pgroll_ddlf("ALTER TABLE %s RENAME COLUMN %s TO %s", pgroll_relation_name(relid),
				quote_identifier(from), quote_identifier(to));

	/* an index keeps the names its columns had when it was built */
	if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
							  "FROM pg_catalog.pg_index i "
							  "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
							  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							  "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indexrelid "
							  "WHERE i.indrelid = $1 AND a.attname = $2::pg_catalog.name "
							  "ORDER BY 1", 2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the indexes of relation %u", relid);
	for (uint64 i = 0; i < SPI_processed; i++)
		indexes = lappend(indexes, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	foreach(lc, indexes)
		pgroll_ddlf("ALTER TABLE %s RENAME COLUMN %s TO %s", (char *) lfirst(lc),
					quote_identifier(from), quote_identifier(to));
}
