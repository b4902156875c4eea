/*-------------------------------------------------------------------------
 *
 * document.c
 *	  Parse a pgroll migration document (jsonb) into the structures of
 *	  document.h.
 *
 * The format is the open-source pgroll tool's (its schema.json): an object
 * whose "operations" array holds one-key objects, the key naming the
 * operation.  Only shape is checked here: known keys, JSON types, required
 * fields, enumerations, identifier lengths and the rules between fields of
 * one object.  Everything that needs the catalog is left to src/ops/.
 *
 * Every error is 22023 (42622 for an identifier that is too long) and its
 * message starts with the JSON path of the offending value, for example
 * "operations[1].add_column.column.type: required".  jsonb does not keep the
 * document's key order, so each object is checked in a fixed order instead:
 * unknown keys first, then the fields in the order of the pgroll schema.
 * The same document therefore always reports the same first problem.
 *
 * src/document.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "ddl.h"
#include "document.h"
#include "fragments.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

/*
 * Where a value sits in the document: a chain of object keys and array
 * indexes from the value up to the root, kept on the C stack.  Its text form
 * is built only for an error message.  A NULL path is the document itself.
 */
typedef struct DocPath
{
	const struct DocPath *parent;	/* NULL for a top-level key */
	const char *key;			/* object key, or NULL for an array element */
	int			index;			/* array index when key is NULL */
} DocPath;

/* Flags of the get_* helpers */
#define F_REQUIRED	0x01		/* a missing key is an error */
#define F_NONEMPTY	0x02		/* an empty string or array is an error */
#define F_IDENT		0x04		/* the string (for a list: each string) is an
								 * identifier: non-empty and shorter than
								 * NAMEDATALEN bytes */
/* SQL fragments, checked with the grammar (fragments.c) */
#define F_EXPR		0x08		/* exactly one expression */
#define F_SEQ_OPTIONS 0x10		/* sequence options */
#define F_RELOPTIONS 0x20		/* storage parameters */
#define F_EXCLUDE	0x40		/* exclusion constraint elements */

/* Enumerations; an index into the first two is a PgrollConstraintType */
static const char *const constraint_types[] =
{"unique", "check", "primary_key", "foreign_key", "exclude", NULL};
static const char *const create_constraint_types[] =
{"unique", "check", "primary_key", "foreign_key", NULL};
static const char *const fk_actions[] =
{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT", NULL};
static const char *const fk_match_types[] =
{"SIMPLE", "FULL", "PARTIAL", NULL};
static const char *const identity_values[] = {"ALWAYS", "BY DEFAULT", NULL};
static const char *const index_methods[] =
{"btree", "hash", "gist", "spgist", "gin", "brin", NULL};
static const char *const sort_orders[] = {"ASC", "DESC", NULL};
static const char *const nulls_orders[] = {"FIRST", "LAST", NULL};
static const char *const replica_identities[] =
{"nothing", "default", "index", "full", NULL};

/* Operation names, in PgrollOpKind order */
static const char *const op_names[PGROLL_NUM_OP_KINDS + 1] = {
	"create_table",
	"add_column",
	"alter_column",
	"rename_column",
	"drop_column",
	"create_index",
	"drop_index",
	"drop_table",
	"rename_table",
	"sql",
	"create_constraint",
	"drop_multicolumn_constraint",
	"drop_constraint",
	"rename_constraint",
	"set_replica_identity",
	NULL
};

static void doc_error(const DocPath *path, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();
static void type_error(const DocPath *path, const char *expected,
					   const JsonbValue *v) pg_attribute_noreturn();


/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */

static void
append_path(StringInfo buf, const DocPath *path)
{
	if (path->parent != NULL)
		append_path(buf, path->parent);
	if (path->key == NULL)
		appendStringInfo(buf, "[%d]", path->index);
	else
	{
		if (buf->len > 0)
			appendStringInfoChar(buf, '.');
		appendStringInfoString(buf, path->key);
	}
}

/* "operations[1].add_column.column", or "document" for the root */
static const char *
path_string(const DocPath *path)
{
	StringInfoData buf;

	if (path == NULL)
		return "document";
	initStringInfo(&buf);
	append_path(&buf, path);
	return buf.data;
}

/* "a, b, c" from a NULL-terminated list, for hints */
static char *
join_names(const char *const *names)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; names[i] != NULL; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", names[i]);
	return buf.data;
}

/* Raise 22023 "<path>: <message>" */
static void
doc_error(const DocPath *path, const char *fmt,...)
{
	va_list		args;
	char	   *message;

	va_start(args, fmt);
	message = pgroll_format_va(fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: %s", path_string(path), message)));
}

static const char *
json_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ? "object" : "array";
		default:
			return "unknown";
	}
}

static void
type_error(const DocPath *path, const char *expected, const JsonbValue *v)
{
	doc_error(path, "expected %s, got %s", expected, json_type_name(v));
}

/* Refuse an empty identifier or one that PostgreSQL would truncate */
static void
check_identifier(const char *name, const DocPath *path)
{
	int			len = strlen(name);

	if (len == 0)
		doc_error(path, "must not be empty");
	if (len >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s: identifier \"%.*s...\" is too long",
						path_string(path),
						pg_mbcliplen(name, len, NAMEDATALEN - 1), name),
				 errdetail("Identifiers are limited to %d bytes.",
						   NAMEDATALEN - 1)));
}


/* An object key that is a column name; errors name the object's path */
static char *
key_identifier(const JsonbValue *key, const DocPath *path)
{
	char	   *name = pnstrdup(key->val.string.val, key->val.string.len);

	if (name[0] == '\0')
		doc_error(path, "empty column name");
	check_identifier(name, path);
	return name;
}


/* ---------------------------------------------------------------------
 * Typed access to object fields
 * ---------------------------------------------------------------------
 */

/* Position of the len-byte string s in a NULL-terminated list, or -1 */
static int
name_index(const char *s, int len, const char *const *names)
{
	for (int i = 0; names[i] != NULL; i++)
	{
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	}
	return -1;
}

static bool
string_in_list(const char *s, List *list)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp(s, (char *) lfirst(lc)) == 0)
			return true;
	}
	return false;
}

/* Refuse any key of obj that is not in the NULL-terminated list allowed */
static void
check_keys(JsonbContainer *obj, const DocPath *path,
		   const char *const *allowed)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY &&
			name_index(v.val.string.val, v.val.string.len, allowed) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: unknown key \"%.*s\"", path_string(path),
							v.val.string.len, v.val.string.val),
					 errhint("Allowed keys are: %s.", join_names(allowed))));
	}
}

/* The value of key in obj (stored in *buf), or NULL when absent */
static JsonbValue *
get_value(JsonbContainer *obj, const char *key, const DocPath *parent,
		  int flags, JsonbValue *buf)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), buf);

	if (v == NULL && (flags & F_REQUIRED))
	{
		DocPath		path = {parent, key};

		doc_error(&path, "required");
	}
	return v;
}

/* A string value, palloc'd; flags F_NONEMPTY and F_IDENT apply */
static char *
string_value(const JsonbValue *v, const DocPath *path, int flags)
{
	char	   *s;

	if (v->type != jbvString)
		type_error(path, "string", v);
	s = pnstrdup(v->val.string.val, v->val.string.len);
	if (flags & F_IDENT)
		check_identifier(s, path);
	else if ((flags & F_NONEMPTY) && s[0] == '\0')
		doc_error(path, "must not be empty");
	if (flags & F_EXPR)
		fragment_check_expression(s, path_string(path));
	if (flags & F_SEQ_OPTIONS)
		fragment_check_sequence_options(s, path_string(path));
	if (flags & F_RELOPTIONS)
		fragment_check_storage_parameters(s, path_string(path));
	if (flags & F_EXCLUDE)
		fragment_check_exclusion_elements(s, path_string(path));
	return s;
}

static JsonbContainer *
object_value(const JsonbValue *v, const DocPath *path)
{
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		type_error(path, "object", v);
	return v->val.binary.data;
}

static char *
get_string(JsonbContainer *obj, const char *key, const DocPath *parent,
		   int flags)
{
	DocPath		path = {parent, key};
	JsonbValue	buf;
	JsonbValue *v = get_value(obj, key, parent, flags, &buf);

	return v ? string_value(v, &path, flags) : NULL;
}

/* A boolean, false when absent; *present (if not NULL) says whether given */
static bool
get_bool(JsonbContainer *obj, const char *key, const DocPath *parent,
		 bool *present)
{
	DocPath		path = {parent, key};
	JsonbValue	buf;
	JsonbValue *v = get_value(obj, key, parent, 0, &buf);

	if (present)
		*present = (v != NULL);
	if (v == NULL)
		return false;
	if (v->type != jbvBool)
		type_error(&path, "boolean", v);
	return v->val.boolean;
}

/* A string that may also be JSON null (alter_column default and comment) */
static void
get_opt_string(JsonbContainer *obj, const char *key, const DocPath *parent,
			   int flags, PgrollOptString *out)
{
	DocPath		path = {parent, key};
	JsonbValue	buf;
	JsonbValue *v = get_value(obj, key, parent, 0, &buf);

	memset(out, 0, sizeof(PgrollOptString));
	if (v == NULL)
		return;
	out->present = true;
	if (v->type == jbvNull)
		out->is_null = true;
	else if (v->type == jbvString)
		out->value = string_value(v, &path, flags);
	else
		type_error(&path, "string or null", v);
}

static JsonbContainer *
get_object(JsonbContainer *obj, const char *key, const DocPath *parent,
		   int flags)
{
	DocPath		path = {parent, key};
	JsonbValue	buf;
	JsonbValue *v = get_value(obj, key, parent, flags, &buf);

	return v ? object_value(v, &path) : NULL;
}

/* An array; with F_NONEMPTY it must have at least one element */
static JsonbContainer *
get_array(JsonbContainer *obj, const char *key, const DocPath *parent,
		  int flags)
{
	DocPath		path = {parent, key};
	JsonbValue	buf;
	JsonbValue *v = get_value(obj, key, parent, flags, &buf);
	bool		nonempty = (flags & F_NONEMPTY) != 0;

	if (v == NULL)
		return NULL;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		type_error(&path, nonempty ? "a non-empty array" : "array", v);
	if (nonempty && JsonContainerSize(v->val.binary.data) == 0)
		doc_error(&path, "expected a non-empty array");
	return v->val.binary.data;
}

/*
 * An array of strings as a List of palloc'd char *, NIL when absent.
 * F_REQUIRED and F_NONEMPTY apply to the array, F_IDENT to each string.
 */
static List *
get_string_list(JsonbContainer *obj, const char *key, const DocPath *parent,
				int flags)
{
	DocPath		path = {parent, key};
	JsonbContainer *arr = get_array(obj, key, parent, flags);
	List	   *result = NIL;

	if (arr == NULL)
		return NIL;
	for (int i = 0; i < JsonContainerSize(arr); i++)
	{
		DocPath		elem = {&path, NULL, i};
		JsonbValue *v = getIthJsonbValueFromContainer(arr, i);

		result = lappend(result, string_value(v, &elem, flags & F_IDENT));
	}
	return result;
}

/*
 * A string that must be one of allowed (compared case-insensitively).
 * Returns its index in allowed, or -1 when absent.
 */
static int
get_enum(JsonbContainer *obj, const char *key, const DocPath *parent,
		 int flags, const char *const *allowed)
{
	DocPath		path = {parent, key};
	char	   *s = get_string(obj, key, parent, flags);

	if (s == NULL)
		return -1;
	for (int i = 0; allowed[i] != NULL; i++)
	{
		if (pg_strcasecmp(s, allowed[i]) == 0)
			return i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: invalid value \"%s\"", path_string(&path), s),
			 errhint("Allowed values are: %s.", join_names(allowed))));
	return -1;					/* keep compiler quiet */
}

/* Like get_enum, but returns the canonical spelling, or dflt when absent */
static char *
get_enum_string(JsonbContainer *obj, const char *key, const DocPath *parent,
				int flags, const char *const *allowed, const char *dflt)
{
	int			i = get_enum(obj, key, parent, flags, allowed);

	if (i >= 0)
		return pstrdup(allowed[i]);
	return dflt ? pstrdup(dflt) : NULL;
}

/*
 * A { column: expression } object as a List of PgrollColumnExpr, in jsonb
 * key order.  The keys are column names.
 */
static List *
get_column_exprs(JsonbContainer *obj, const char *key, const DocPath *parent,
				 int flags)
{
	DocPath		path = {parent, key};
	JsonbContainer *map = get_object(obj, key, parent, flags);
	List	   *result = NIL;
	PgrollColumnExpr *ce = NULL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (map == NULL)
		return NIL;
	it = JsonbIteratorInit(map);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			ce = palloc0(sizeof(PgrollColumnExpr));
			ce->column = key_identifier(&v, &path);
		}
		else if (tok == WJB_VALUE)
		{
			DocPath		vpath = {&path, ce->column};

			ce->expr = string_value(&v, &vpath, 0);
			result = lappend(result, ce);
		}
	}
	return result;
}

/*
 * Check that a { column: expression } list has exactly one entry for each
 * of the constraint's columns.
 */
static void
check_column_exprs(List *exprs, List *columns, const char *key,
				   const DocPath *parent)
{
	DocPath		path = {parent, key};
	ListCell   *lc;

	foreach(lc, exprs)
	{
		PgrollColumnExpr *ce = lfirst(lc);

		if (!string_in_list(ce->column, columns))
			doc_error(&path, "column \"%s\" is not in \"columns\"", ce->column);
	}
	foreach(lc, columns)
	{
		const char *col = lfirst(lc);
		bool		found = false;
		ListCell   *lc2;

		foreach(lc2, exprs)
			found |= strcmp(((PgrollColumnExpr *) lfirst(lc2))->column, col) == 0;
		if (!found)
			doc_error(&path, "missing expression for column \"%s\"", col);
	}
}


/* ---------------------------------------------------------------------
 * Shared sub-objects.  Each parser takes the object that holds its key and
 * returns NULL when the key is absent.
 * ---------------------------------------------------------------------
 */

/* "check": { name, constraint, no_inherit } */
static PgrollCheck *
parse_check(JsonbContainer *parent, const DocPath *parent_path)
{
	static const char *const keys[] = {"name", "constraint", "no_inherit", NULL};
	DocPath		path = {parent_path, "check"};
	JsonbContainer *obj = get_object(parent, "check", parent_path, 0);
	PgrollCheck *check;

	if (obj == NULL)
		return NULL;
	check_keys(obj, &path, keys);
	check = palloc0(sizeof(PgrollCheck));
	check->name = get_string(obj, "name", &path, F_REQUIRED | F_IDENT);
	check->constraint = get_string(obj, "constraint", &path, F_EXPR |
								   F_REQUIRED | F_NONEMPTY);
	check->no_inherit = get_bool(obj, "no_inherit", &path, NULL);
	return check;
}

/*
 * "references": a foreign key.  The column-level form (columns and
 * alter_column) names the constraint and one column; the table-level form
 * (constraints) lists columns and may have on_delete_set_columns, each of
 * which must be one of owner_columns, the constraint's own columns.
 */
static PgrollForeignKey *
parse_foreign_key(JsonbContainer *parent, const DocPath *parent_path,
				  bool table_level, List *owner_columns)
{
	static const char *const column_keys[] = {"name", "table", "column",
		"on_delete", "on_update", "match_type", "deferrable",
	"initially_deferred", NULL};
	static const char *const table_keys[] = {"table", "columns",
		"on_delete", "on_update", "match_type", "on_delete_set_columns",
	NULL};
	DocPath		path = {parent_path, "references"};
	JsonbContainer *obj = get_object(parent, "references", parent_path, 0);
	PgrollForeignKey *fk;

	if (obj == NULL)
		return NULL;
	check_keys(obj, &path, table_level ? table_keys : column_keys);
	fk = palloc0(sizeof(PgrollForeignKey));
	if (!table_level)
		fk->name = get_string(obj, "name", &path, F_REQUIRED | F_IDENT);
	fk->table = get_string(obj, "table", &path, F_REQUIRED | F_IDENT);
	if (!table_level)
		fk->column = get_string(obj, "column", &path, F_REQUIRED | F_IDENT);
	else
		fk->columns = get_string_list(obj, "columns", &path,
									  F_REQUIRED | F_NONEMPTY | F_IDENT);
	fk->on_delete = get_enum_string(obj, "on_delete", &path, 0, fk_actions,
									"NO ACTION");
	fk->on_update = get_enum_string(obj, "on_update", &path, 0, fk_actions,
									"NO ACTION");
	fk->match_type = get_enum_string(obj, "match_type", &path, 0,
									 fk_match_types, "SIMPLE");
	if (!table_level)
	{
		fk->deferrable = get_bool(obj, "deferrable", &path, NULL);
		fk->initially_deferred = get_bool(obj, "initially_deferred", &path,
										  NULL);
	}
	else
	{
		DocPath		set_path = {&path, "on_delete_set_columns"};
		int			i = 0;
		ListCell   *lc;

		fk->on_delete_set_columns = get_string_list(obj,
													"on_delete_set_columns",
													&path, F_IDENT);
		if (fk->on_delete_set_columns != NIL &&
			strcmp(fk->on_delete, "SET NULL") != 0 &&
			strcmp(fk->on_delete, "SET DEFAULT") != 0)
			doc_error(&set_path,
					  "only allowed when on_delete is SET NULL or SET DEFAULT");
		foreach(lc, fk->on_delete_set_columns)
		{
			DocPath		elem = {&set_path, NULL, i++};

			if (!string_in_list(lfirst(lc), owner_columns))
				doc_error(&elem, "column \"%s\" is not one of the constraint's columns",
						  (char *) lfirst(lc));
		}
	}
	return fk;
}

/* "generated": { expression } or { identity: {...} }, into col */
static void
parse_generated(JsonbContainer *parent, const DocPath *parent_path,
				PgrollColumn *col)
{
	static const char *const keys[] = {"expression", "identity", NULL};
	static const char *const identity_keys[] = {"sequence_options",
	"user_specified_values", NULL};
	DocPath		path = {parent_path, "generated"};
	DocPath		id_path = {&path, "identity"};
	JsonbContainer *obj = get_object(parent, "generated", parent_path, 0);
	JsonbContainer *identity;

	if (obj == NULL)
		return;
	check_keys(obj, &path, keys);
	if (JsonContainerSize(obj) != 1)
		doc_error(&path, "expected exactly one of \"expression\" and \"identity\"");
	col->generated_expression = get_string(obj, "expression", &path,
										   F_NONEMPTY | F_EXPR);
	identity = get_object(obj, "identity", &path, 0);
	if (identity != NULL)
	{
		check_keys(identity, &id_path, identity_keys);
		col->identity = palloc0(sizeof(PgrollIdentity));
		col->identity->sequence_options = get_string(identity,
													 "sequence_options",
													 &id_path, F_SEQ_OPTIONS);
		/* ALWAYS unless given as BY DEFAULT (identity_values[1]) */
		col->identity->always = get_enum(identity, "user_specified_values",
										 &id_path, 0, identity_values) != 1;
	}
}

/* A column of create_table or add_column */
static PgrollColumn *
parse_column(JsonbContainer *obj, const DocPath *path)
{
	static const char *const keys[] = {"name", "type", "nullable", "unique",
		"pk", "default", "comment", "check", "references", "generated",
	NULL};
	PgrollColumn *col = palloc0(sizeof(PgrollColumn));

	check_keys(obj, path, keys);
	col->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);
	col->type = get_string(obj, "type", path, F_REQUIRED | F_NONEMPTY);
	col->nullable = get_bool(obj, "nullable", path, NULL);
	col->unique = get_bool(obj, "unique", path, NULL);
	col->pk = get_bool(obj, "pk", path, NULL);
	col->default_expr = get_string(obj, "default", path, F_EXPR);
	col->comment = get_string(obj, "comment", path, 0);
	col->check = parse_check(obj, path);
	col->references = parse_foreign_key(obj, path, false, NIL);
	parse_generated(obj, path, col);
	return col;
}

/* "index_parameters": { tablespace, storage_parameters, include_columns } */
static PgrollIndexParameters *
parse_index_parameters(JsonbContainer *parent, const DocPath *parent_path)
{
	static const char *const keys[] = {"tablespace", "storage_parameters",
	"include_columns", NULL};
	DocPath		path = {parent_path, "index_parameters"};
	JsonbContainer *obj = get_object(parent, "index_parameters",
									 parent_path, 0);
	PgrollIndexParameters *ip;

	if (obj == NULL)
		return NULL;
	check_keys(obj, &path, keys);
	ip = palloc0(sizeof(PgrollIndexParameters));
	ip->tablespace = get_string(obj, "tablespace", &path, F_IDENT);
	ip->storage_parameters = get_string(obj, "storage_parameters", &path, F_RELOPTIONS);
	ip->include_columns = get_string_list(obj, "include_columns", &path,
										  F_IDENT);
	return ip;
}

/* "exclude": { index_method, elements, predicate } */
static PgrollExclude *
parse_exclude(JsonbContainer *parent, const DocPath *parent_path)
{
	static const char *const keys[] = {"index_method", "elements",
	"predicate", NULL};
	DocPath		path = {parent_path, "exclude"};
	JsonbContainer *obj = get_object(parent, "exclude", parent_path, 0);
	PgrollExclude *ex;

	if (obj == NULL)
		return NULL;
	check_keys(obj, &path, keys);
	ex = palloc0(sizeof(PgrollExclude));
	ex->index_method = get_string(obj, "index_method", &path, F_NONEMPTY);
	ex->elements = get_string(obj, "elements", &path,
							  F_REQUIRED | F_NONEMPTY | F_EXCLUDE);
	ex->predicate = get_string(obj, "predicate", &path, F_EXPR);
	return ex;
}

/* "<key>: required when type is ..." */
static void
require_for_type(bool given, const char *key, const DocPath *parent,
				 const char *type)
{
	DocPath		path = {parent, key};

	if (!given)
		doc_error(&path, "required when type is \"%s\"", type);
}

/* "<key>: not allowed when type is ..." */
static void
forbid_for_type(bool given, const char *key, const DocPath *parent,
				const char *type)
{
	DocPath		path = {parent, key};

	if (given)
		doc_error(&path, "not allowed when type is \"%s\"", type);
}

/*
 * The fields a create_table constraint shares with create_constraint, and
 * the rules that tie them to the constraint type.  The caller has checked
 * the keys; types is the list of allowed types, and columns_required makes
 * "columns" mandatory whatever the type.
 */
static PgrollConstraint *
parse_constraint(JsonbContainer *obj, const DocPath *path,
				 const char *const *types, bool columns_required)
{
	PgrollConstraint *c = palloc0(sizeof(PgrollConstraint));
	const char *type;

	c->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);
	c->type = (PgrollConstraintType) get_enum(obj, "type", path, F_REQUIRED,
											  types);
	type = types[c->type];
	c->columns = get_string_list(obj, "columns", path,
								 F_NONEMPTY | F_IDENT |
								 (columns_required ? F_REQUIRED : 0));
	c->check = get_string(obj, "check", path, F_NONEMPTY | F_EXPR);
	c->references = parse_foreign_key(obj, path, true, c->columns);
	c->deferrable = get_bool(obj, "deferrable", path, NULL);
	c->initially_deferred = get_bool(obj, "initially_deferred", path, NULL);
	c->nulls_not_distinct = get_bool(obj, "nulls_not_distinct", path, NULL);
	c->no_inherit = get_bool(obj, "no_inherit", path, NULL);
	c->index_parameters = parse_index_parameters(obj, path);
	c->exclude = parse_exclude(obj, path);

	switch (c->type)
	{
		case PGROLL_CONSTRAINT_UNIQUE:
		case PGROLL_CONSTRAINT_PRIMARY_KEY:
			require_for_type(c->columns != NIL, "columns", path, type);
			break;
		case PGROLL_CONSTRAINT_CHECK:
			require_for_type(c->check != NULL, "check", path, type);
			forbid_for_type(c->deferrable, "deferrable", path, type);
			forbid_for_type(c->index_parameters != NULL, "index_parameters",
							path, type);
			forbid_for_type(c->nulls_not_distinct, "nulls_not_distinct",
							path, type);
			break;
		case PGROLL_CONSTRAINT_FOREIGN_KEY:
			require_for_type(c->columns != NIL, "columns", path, type);
			require_for_type(c->references != NULL, "references", path, type);
			break;
		case PGROLL_CONSTRAINT_EXCLUDE:
			require_for_type(c->exclude != NULL, "exclude", path, type);
			break;
	}
	return c;
}

/*
 * One create_index column: an object { column, collate, sort, nulls,
 * opclass }, or, in pgroll's older map form, the same object without
 * "column" under the column's name (column given).
 */
static PgrollIndexField *
parse_index_field(JsonbContainer *obj, const DocPath *path, char *column)
{
	static const char *const keys[] = {"column", "collate", "sort", "nulls",
	"opclass", NULL};
	static const char *const opclass_keys[] = {"name", "params", NULL};
	DocPath		opclass_path = {path, "opclass"};
	PgrollIndexField *field = palloc0(sizeof(PgrollIndexField));
	JsonbContainer *opclass;

	/* the map form has no "column": skip it in the allowed keys */
	check_keys(obj, path, column ? keys + 1 : keys);
	field->column = column ? column :
		get_string(obj, "column", path, F_REQUIRED | F_IDENT);
	field->collate = get_string(obj, "collate", path, F_NONEMPTY);
	field->sort = get_enum_string(obj, "sort", path, 0, sort_orders, NULL);
	field->nulls = get_enum_string(obj, "nulls", path, 0, nulls_orders, NULL);
	opclass = get_object(obj, "opclass", path, 0);
	if (opclass != NULL)
	{
		check_keys(opclass, &opclass_path, opclass_keys);
		field->opclass_name = get_string(opclass, "name", &opclass_path,
										 F_REQUIRED | F_NONEMPTY);
		field->opclass_params = get_string_list(opclass, "params",
												&opclass_path, 0);
	}
	return field;
}

/*
 * create_index "columns": an array of IndexField objects, or pgroll's older
 * forms, an array of column names or an object { column: {options} }.
 */
static List *
parse_index_fields(JsonbContainer *parent, const DocPath *parent_path)
{
	DocPath		path = {parent_path, "columns"};
	JsonbValue	buf;
	JsonbValue *v = get_value(parent, "columns", parent_path, F_REQUIRED,
							  &buf);
	JsonbContainer *jc;
	List	   *result = NIL;

	if (v->type != jbvBinary)
		type_error(&path, "a non-empty array", v);
	jc = v->val.binary.data;
	if (JsonContainerSize(jc) == 0)
		doc_error(&path, "expected a non-empty array");

	if (JsonContainerIsObject(jc))
	{
		JsonbIterator *it = JsonbIteratorInit(jc);
		JsonbValue	kv;
		JsonbIteratorToken tok;
		char	   *column = NULL;

		while ((tok = JsonbIteratorNext(&it, &kv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				column = key_identifier(&kv, &path);
			}
			else if (tok == WJB_VALUE)
			{
				DocPath		col_path = {&path, column};

				result = lappend(result,
								 parse_index_field(object_value(&kv, &col_path),
												   &col_path, column));
			}
		}
		return result;
	}

	for (int i = 0; i < JsonContainerSize(jc); i++)
	{
		DocPath		elem = {&path, NULL, i};
		JsonbValue *ev = getIthJsonbValueFromContainer(jc, i);
		PgrollIndexField *field;

		CHECK_FOR_INTERRUPTS();
		if (ev->type == jbvString)
		{
			field = palloc0(sizeof(PgrollIndexField));
			field->column = string_value(ev, &elem, F_IDENT);
		}
		else if (ev->type == jbvBinary && JsonContainerIsObject(ev->val.binary.data))
			field = parse_index_field(ev->val.binary.data, &elem, NULL);
		else
			type_error(&elem, "object or string", ev);
		result = lappend(result, field);
	}
	return result;
}


/* ---------------------------------------------------------------------
 * Operations.  Each parser fills its member of op->u; obj is the value of
 * the operation's key and path its location.
 * ---------------------------------------------------------------------
 */

typedef void (*OpParser) (JsonbContainer *obj, const DocPath *path,
						  PgrollOperation *op);

static void
parse_create_table(JsonbContainer *obj, const DocPath *path,
				   PgrollOperation *op)
{
	static const char *const keys[] = {"name", "columns", "constraints",
	"comment", NULL};
	static const char *const constraint_keys[] = {"name", "type", "columns",
		"check", "references", "deferrable", "initially_deferred",
		"nulls_not_distinct", "no_inherit", "index_parameters", "exclude",
	NULL};
	PgrollCreateTable *ct = &op->u.create_table;
	DocPath		cols_path = {path, "columns"};
	DocPath		cons_path = {path, "constraints"};
	JsonbContainer *arr;

	check_keys(obj, path, keys);
	ct->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);

	/* PostgreSQL allows a table without columns, and so does pgroll */
	arr = get_array(obj, "columns", path, F_REQUIRED);
	for (int i = 0; i < JsonContainerSize(arr); i++)
	{
		DocPath		elem = {&cols_path, NULL, i};
		JsonbContainer *cobj;

		CHECK_FOR_INTERRUPTS();
		cobj = object_value(getIthJsonbValueFromContainer(arr, i), &elem);
		ct->columns = lappend(ct->columns, parse_column(cobj, &elem));
	}

	arr = get_array(obj, "constraints", path, 0);
	for (int i = 0; arr != NULL && i < JsonContainerSize(arr); i++)
	{
		DocPath		elem = {&cons_path, NULL, i};
		JsonbContainer *cobj;

		CHECK_FOR_INTERRUPTS();
		cobj = object_value(getIthJsonbValueFromContainer(arr, i), &elem);
		check_keys(cobj, &elem, constraint_keys);
		ct->constraints = lappend(ct->constraints,
								  parse_constraint(cobj, &elem,
												   constraint_types, false));
	}

	ct->comment = get_string(obj, "comment", path, 0);
}

static void
parse_add_column(JsonbContainer *obj, const DocPath *path,
				 PgrollOperation *op)
{
	static const char *const keys[] = {"table", "column", "up", NULL};
	PgrollAddColumn *ac = &op->u.add_column;
	DocPath		col_path = {path, "column"};

	check_keys(obj, path, keys);
	ac->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	ac->column = parse_column(get_object(obj, "column", path, F_REQUIRED),
							  &col_path);
	ac->up = get_string(obj, "up", path, 0);
}

static void
parse_alter_column(JsonbContainer *obj, const DocPath *path,
				   PgrollOperation *op)
{
	static const char *const keys[] = {"table", "column", "up", "down",
		"type", "nullable", "default", "comment", "check", "unique",
	"references", NULL};
	static const char *const unique_keys[] = {"name", NULL};
	PgrollAlterColumn *ac = &op->u.alter_column;
	DocPath		unique_path = {path, "unique"};
	JsonbContainer *unique;

	check_keys(obj, path, keys);
	ac->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	ac->column = get_string(obj, "column", path, F_REQUIRED | F_IDENT);
	ac->up = get_string(obj, "up", path, 0);
	ac->down = get_string(obj, "down", path, 0);
	ac->type = get_string(obj, "type", path, F_NONEMPTY);
	ac->nullable.value = get_bool(obj, "nullable", path,
								  &ac->nullable.present);
	get_opt_string(obj, "default", path, F_EXPR, &ac->default_expr);
	get_opt_string(obj, "comment", path, 0, &ac->comment);
	ac->check = parse_check(obj, path);
	unique = get_object(obj, "unique", path, 0);
	if (unique != NULL)
	{
		check_keys(unique, &unique_path, unique_keys);
		ac->unique_name = get_string(unique, "name", &unique_path,
									 F_REQUIRED | F_IDENT);
	}
	ac->references = parse_foreign_key(obj, path, false, NIL);

	if (ac->type == NULL && !ac->nullable.present &&
		!ac->default_expr.present && !ac->comment.present &&
		ac->check == NULL && ac->unique_name == NULL &&
		ac->references == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: no change given", path_string(path)),
				 errhint("Give at least one of type, nullable, default, comment, check, unique or references.")));
}

static void
parse_rename_column(JsonbContainer *obj, const DocPath *path,
					PgrollOperation *op)
{
	static const char *const keys[] = {"table", "from", "to", NULL};
	PgrollRenameColumn *rc = &op->u.rename_column;

	check_keys(obj, path, keys);
	rc->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	rc->from = get_string(obj, "from", path, F_REQUIRED | F_IDENT);
	rc->to = get_string(obj, "to", path, F_REQUIRED | F_IDENT);
}

static void
parse_drop_column(JsonbContainer *obj, const DocPath *path,
				  PgrollOperation *op)
{
	static const char *const keys[] = {"table", "column", "down", NULL};
	PgrollDropColumn *dc = &op->u.drop_column;

	check_keys(obj, path, keys);
	dc->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	dc->column = get_string(obj, "column", path, F_REQUIRED | F_IDENT);
	dc->down = get_string(obj, "down", path, 0);
}

static void
parse_create_index(JsonbContainer *obj, const DocPath *path,
				   PgrollOperation *op)
{
	static const char *const keys[] = {"name", "table", "columns", "method",
	"unique", "predicate", "storage_parameters", NULL};
	PgrollCreateIndex *ci = &op->u.create_index;

	check_keys(obj, path, keys);
	ci->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);
	ci->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	ci->columns = parse_index_fields(obj, path);
	ci->method = get_enum_string(obj, "method", path, 0, index_methods, NULL);
	ci->unique = get_bool(obj, "unique", path, NULL);
	ci->predicate = get_string(obj, "predicate", path, F_EXPR);
	ci->storage_parameters = get_string(obj, "storage_parameters", path, F_RELOPTIONS);
}

static void
parse_drop_index(JsonbContainer *obj, const DocPath *path,
				 PgrollOperation *op)
{
	static const char *const keys[] = {"name", NULL};

	check_keys(obj, path, keys);
	op->u.drop_index.name = get_string(obj, "name", path,
									   F_REQUIRED | F_IDENT);
}

static void
parse_drop_table(JsonbContainer *obj, const DocPath *path,
				 PgrollOperation *op)
{
	static const char *const keys[] = {"name", NULL};

	check_keys(obj, path, keys);
	op->u.drop_table.name = get_string(obj, "name", path,
									   F_REQUIRED | F_IDENT);
}

static void
parse_rename_table(JsonbContainer *obj, const DocPath *path,
				   PgrollOperation *op)
{
	static const char *const keys[] = {"from", "to", NULL};
	PgrollRenameTable *rt = &op->u.rename_table;

	check_keys(obj, path, keys);
	rt->from = get_string(obj, "from", path, F_REQUIRED | F_IDENT);
	rt->to = get_string(obj, "to", path, F_REQUIRED | F_IDENT);
}

/* sql: "down" undoes "up" at rollback, so it has no meaning onComplete */
static void
parse_sql(JsonbContainer *obj, const DocPath *path, PgrollOperation *op)
{
	static const char *const keys[] = {"up", "down", "onComplete", NULL};
	PgrollSql  *sql = &op->u.sql;
	DocPath		down_path = {path, "down"};

	check_keys(obj, path, keys);
	sql->up = get_string(obj, "up", path, F_REQUIRED | F_NONEMPTY);
	sql->down = get_string(obj, "down", path, 0);
	sql->on_complete = get_bool(obj, "onComplete", path, NULL);
	if (sql->down != NULL && sql->on_complete)
		doc_error(&down_path, "not allowed when onComplete is true");
}

static void
parse_create_constraint(JsonbContainer *obj, const DocPath *path,
						PgrollOperation *op)
{
	static const char *const keys[] = {"table", "name", "type", "columns",
		"check", "no_inherit", "deferrable", "initially_deferred",
		"nulls_not_distinct", "references", "index_parameters", "up", "down",
	NULL};
	PgrollCreateConstraint *cc = &op->u.create_constraint;
	PgrollConstraint *c;

	check_keys(obj, path, keys);
	cc->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	c = parse_constraint(obj, path, create_constraint_types, true);
	cc->name = c->name;
	cc->type = c->type;
	cc->columns = c->columns;
	cc->check = c->check;
	cc->no_inherit = c->no_inherit;
	cc->deferrable = c->deferrable;
	cc->initially_deferred = c->initially_deferred;
	cc->nulls_not_distinct = c->nulls_not_distinct;
	cc->references = c->references;
	cc->index_parameters = c->index_parameters;

	cc->up = get_column_exprs(obj, "up", path, F_REQUIRED);
	check_column_exprs(cc->up, cc->columns, "up", path);
	cc->down = get_column_exprs(obj, "down", path, F_REQUIRED);
	check_column_exprs(cc->down, cc->columns, "down", path);
}

static void
parse_drop_multicolumn_constraint(JsonbContainer *obj, const DocPath *path,
								  PgrollOperation *op)
{
	static const char *const keys[] = {"table", "name", "up", "down", NULL};
	PgrollDropMulticolumnConstraint *dm = &op->u.drop_multicolumn_constraint;

	check_keys(obj, path, keys);
	dm->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	dm->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);
	dm->up = get_column_exprs(obj, "up", path, 0);
	dm->down = get_column_exprs(obj, "down", path, F_REQUIRED);
}

static void
parse_drop_constraint(JsonbContainer *obj, const DocPath *path,
					  PgrollOperation *op)
{
	static const char *const keys[] = {"table", "name", "up", "down", NULL};
	PgrollDropConstraint *dc = &op->u.drop_constraint;

	check_keys(obj, path, keys);
	dc->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	dc->name = get_string(obj, "name", path, F_REQUIRED | F_IDENT);
	dc->up = get_string(obj, "up", path, 0);
	dc->down = get_string(obj, "down", path, F_REQUIRED);
}

static void
parse_rename_constraint(JsonbContainer *obj, const DocPath *path,
						PgrollOperation *op)
{
	static const char *const keys[] = {"table", "from", "to", NULL};
	PgrollRenameConstraint *rc = &op->u.rename_constraint;

	check_keys(obj, path, keys);
	rc->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	rc->from = get_string(obj, "from", path, F_REQUIRED | F_IDENT);
	rc->to = get_string(obj, "to", path, F_REQUIRED | F_IDENT);
}

/* set_replica_identity: "index" is given exactly when the type is index */
static void
parse_set_replica_identity(JsonbContainer *obj, const DocPath *path,
						   PgrollOperation *op)
{
	static const char *const keys[] = {"table", "identity", NULL};
	static const char *const identity_keys[] = {"type", "index", NULL};
	PgrollSetReplicaIdentity *ri = &op->u.set_replica_identity;
	DocPath		id_path = {path, "identity"};
	JsonbContainer *identity;
	bool		is_index;

	check_keys(obj, path, keys);
	ri->table = get_string(obj, "table", path, F_REQUIRED | F_IDENT);
	identity = get_object(obj, "identity", path, F_REQUIRED);
	check_keys(identity, &id_path, identity_keys);
	ri->identity_type = get_enum_string(identity, "type", &id_path,
										F_REQUIRED, replica_identities, NULL);
	is_index = strcmp(ri->identity_type, "index") == 0;
	ri->index = get_string(identity, "index", &id_path, F_IDENT);
	if (is_index)
		require_for_type(ri->index != NULL, "index", &id_path, "index");
	else
		forbid_for_type(ri->index != NULL, "index", &id_path,
						ri->identity_type);
}

/* Parsers in PgrollOpKind order */
static const OpParser op_parsers[PGROLL_NUM_OP_KINDS] = {
	parse_create_table,
	parse_add_column,
	parse_alter_column,
	parse_rename_column,
	parse_drop_column,
	parse_create_index,
	parse_drop_index,
	parse_drop_table,
	parse_rename_table,
	parse_sql,
	parse_create_constraint,
	parse_drop_multicolumn_constraint,
	parse_drop_constraint,
	parse_rename_constraint,
	parse_set_replica_identity,
};


/* ---------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------
 */

/* operations[i]: an object with exactly one key, the operation's name */
static PgrollOperation *
parse_operation(const JsonbValue *v, const DocPath *path, int position)
{
	DocPath		op_path = {path, NULL};
	PgrollOperation *op;
	JsonbContainer *jc;
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	value;
	int			kind;
	char	   *name;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		type_error(path, "an object with exactly one key", v);
	jc = v->val.binary.data;
	if (JsonContainerSize(jc) != 1)
		doc_error(path, "expected an object with exactly one key, got %d keys",
				  (int) JsonContainerSize(jc));

	it = JsonbIteratorInit(jc);
	(void) JsonbIteratorNext(&it, &key, true);	/* WJB_BEGIN_OBJECT */
	(void) JsonbIteratorNext(&it, &key, true);	/* WJB_KEY */
	(void) JsonbIteratorNext(&it, &value, true);	/* WJB_VALUE */
	name = pnstrdup(key.val.string.val, key.val.string.len);
	kind = name_index(key.val.string.val, key.val.string.len, op_names);
	if (kind < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown operation \"%s\"", path_string(path), name),
				 errhint("Valid operations are: %s.", join_names(op_names))));

	op_path.key = op_names[kind];
	op = palloc0(sizeof(PgrollOperation));
	op->kind = (PgrollOpKind) kind;
	op->position = position;
	op_parsers[kind] (object_value(&value, &op_path), &op_path, op);
	return op;
}

/*
 * Parse a migration document; see document.h.  The result and all its
 * strings are palloc'd in CurrentMemoryContext.
 */
PgrollMigration *
pgroll_parse_migration(Jsonb *doc)
{
	static const char *const keys[] = {"name", "version_schema",
	"operations", NULL};
	DocPath		ops_path = {NULL, "operations"};
	PgrollMigration *m;
	JsonbContainer *ops;

	if (!JB_ROOT_IS_OBJECT(doc))
		doc_error(NULL, "expected an object");

	check_keys(&doc->root, NULL, keys);
	m = palloc0(sizeof(PgrollMigration));
	m->name = get_string(&doc->root, "name", NULL, F_IDENT);
	m->version_schema = get_string(&doc->root, "version_schema", NULL,
								   F_IDENT);
	ops = get_array(&doc->root, "operations", NULL, F_REQUIRED | F_NONEMPTY);
	for (int i = 0; i < JsonContainerSize(ops); i++)
	{
		DocPath		elem = {&ops_path, NULL, i};
		JsonbValue *v = getIthJsonbValueFromContainer(ops, i);

		CHECK_FOR_INTERRUPTS();
		m->operations = lappend(m->operations, parse_operation(v, &elem, i));
	}
	return m;
}

const char *
pgroll_op_kind_name(PgrollOpKind kind)
{
	if ((int) kind < 0 || kind >= PGROLL_NUM_OP_KINDS)
		elog(ERROR, "invalid pgroll operation kind %d", (int) kind);
	return op_names[kind];
}
