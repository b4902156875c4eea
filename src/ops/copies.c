/*-------------------------------------------------------------------------
 *
 * copies.c
 *	  Rewriting a live column: the copy _pgroll_new_<col>.
 *
 * alter_column, create_constraint, drop_constraint and
 * drop_multicolumn_constraint change a column that old clients still use.
 * They work on a copy: at start the copy is added with everything of the
 * column that still applies (default, NOT NULL, checks, unique and primary
 * key constraints, foreign keys both ways, other indexes, comment, the
 * sequence a serial owns, identity), the sync trigger keeps column and
 * copy in step (up / down) and the backfill fills the copy.  Constraints
 * are added NOT VALID and validated, indexes built concurrently, by the
 * worker after the backfill.  At complete the old column is dropped and
 * the copy takes its name, and every copied object its original name;
 * at rollback the copy is dropped with everything on it.
 *
 * Several operations on one column share one copy: the first makes it,
 * later ones change it (a second type change is refused: it would rewrite
 * the table).
 *
 * src/ops/copies.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "ddl.h"
#include "expr.h"
#include "history.h"
#include "jobs.h"
#include "ops/carry_over.h"
#include "ops/constraint_sql.h"
#include "ops/copies.h"
#include "privileges.h"
#include "roles.h"
#include "subxact.h"

#define NEW_COLUMN_PREFIX	PGROLL_PREFIX "new_"

#define DEFAULT_MISFIT_HINT \
	"Give the column a default that fits in the operation (\"default\"), or none " \
	"(\"default\": null)."
#define COPY_PREFIX			PGROLL_PREFIX "dup_"
#define NOT_NULL_PREFIX		PGROLL_PREFIX "check_not_null_"
#define NOT_NULL_PREFIX_LIKE "\\_pgroll\\_check\\_not\\_null\\_"

/* ---------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------
 */

/* Is attnum in an int2[] text like "{1,2}"? */
static bool
attnum_in_list(const char *attnums, AttrNumber attnum)
{
	char	   *list = pstrdup(attnums);
	char	   *tok;
	char	   *save;

	for (tok = strtok_r(list, "{},", &save); tok; tok = strtok_r(NULL, "{},", &save))
	{
		if (atoi(tok) == attnum)
			return true;
	}
	return false;
}

/* The copy of an old column among a table's copies, or NULL */
static ColumnCopy *
copy_of(List *copies, AttrNumber old_attnum)
{
	ListCell   *lc;

	foreach(lc, copies)
	{
		ColumnCopy *copy = lfirst(lc);

		if (copy->old_attnum == old_attnum)
			return copy;
	}
	return NULL;
}

/* "a, _pgroll_new_b" from an int2[] text like "{1,2}", copied columns replaced */
static char *
column_list(Oid relid, const char *attnums, List *copies)
{
	StringInfoData buf;
	char	   *list = pstrdup(attnums);
	char	   *tok;
	char	   *save;
	bool		first = true;

	initStringInfo(&buf);
	for (tok = strtok_r(list, "{},", &save); tok; tok = strtok_r(NULL, "{},", &save))
	{
		AttrNumber	attnum = (AttrNumber) atoi(tok);
		ColumnCopy *copy = copy_of(copies, attnum);

		appendStringInfo(&buf, "%s%s", first ? "" : ", ",
						 copy ? quote_identifier(copy->physical) :
						 quote_identifier(get_attname(relid, attnum, false)));
		first = false;
	}
	return buf.data;
}

/* The copies, among all of the migration's, of the table's columns */
static List *
table_copies(List *all, Oid relid)
{
	List	   *copies = NIL;
	ListCell   *lc;

	foreach(lc, all)
	{
		ColumnCopy *copy = lfirst(lc);

		if (copy->relid == relid)
			copies = lappend(copies, copy);
	}
	return copies;
}

/* Is one of the columns (an int2[] text) of the table copied too? */
static bool
any_copied(List *all, Oid relid, const char *attnums)
{
	ListCell   *lc;

	foreach(lc, table_copies(all, relid))
		if (attnum_in_list(attnums, ((ColumnCopy *) lfirst(lc))->old_attnum))
			return true;
	return false;
}

/* The scope for rewriting the table's own DDL text: physical names, copied columns replaced */
static List *
physical_scope(Oid relid, List *copies)
{
	List	   *scope = NIL;
	ListCell   *lc;

	foreach(lc, expr_scope_of_table(relid))
	{
		ExprColumn *col = lfirst(lc);
		ColumnCopy *copy = copy_of(copies, col->attnum);

		if (copy != NULL)
			scope = expr_scope_add(scope, relid, copy->physical, col->name);
		else
			scope = lappend(scope, col);
	}
	return scope;
}

/*
 * An object of the old column that is not carried over to the copy because
 * it does not fit the new type (one of the expected conditions): said with
 * a WARNING, and recorded for pgroll.status() when start runs for real.
 */
static void
report_skipped(OpContext *ctx, const char *object, const char *reason)
{
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("%s is not carried over to the column's new type", object),
			 errdetail("%s", reason),
			 errhint("Add an equivalent that fits the new type in the migration.")));
	if (ctx->execute)
		history_record_skipped(ctx->schema, ctx->migration, object, reason);
}

/*
 * A check or default of the old column that cannot apply to the new type:
 * start refuses rather than drop it (its absence would let the new
 * version write what the old one forbids, or insert NULLs).
 */
static void
refuse_misfit(OpContext *ctx, const char *object, const char *reason, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s%s%s does not fit the column's new type",
					ctx->path ? ctx->path : "", ctx->path ? ": " : "", object),
			 errdetail("%s", reason),
			 errhint("%s", hint)));
}

typedef struct RewriteArgs
{
	const char *expr;
	Oid			relid;
	List	   *copies;
	bool		condition;
	char	   *result;
} RewriteArgs;

static void
rewrite_fn(void *arg)
{
	RewriteArgs *a = arg;
	List	   *scope = physical_scope(a->relid, a->copies);

	a->result = a->condition ?
		expr_to_table_sql(a->expr, a->relid, scope, "copy") :
		expr_rewrite_for_table(a->expr, a->relid, scope, "copy");
}

/*
 * Rewrite an expression of the table (a condition, or any expression) onto
 * the copies; NULL, with the reason, if it does not fit the new type.
 */
static char *
rewrite_onto_copy(const char *expr, Oid relid, List *copies, bool condition,
				  char **reason)
{
	RewriteArgs a = {expr, relid, copies, condition, NULL};
	ErrorData  *error = NULL;

	if (pgroll_subxact(rewrite_fn, &a, true, PGROLL_EXPECT_TYPE_MISFIT, NULL, &error))
		return a.result;
	*reason = pstrdup(error->message);
	FreeErrorData(error);
	return NULL;
}

static const char *
deferrable_clause(const char *deferrable, const char *deferred)
{
	if (strcmp(deferred, "t") == 0)
		return " DEFERRABLE INITIALLY DEFERRED";
	if (strcmp(deferrable, "t") == 0)
		return " DEFERRABLE";
	return "";
}

static const char *
fk_action(const char *code)
{
	switch (code[0])
	{
		case 'r':
			return "RESTRICT";
		case 'c':
			return "CASCADE";
		case 'n':
			return "SET NULL";
		case 'd':
			return "SET DEFAULT";
		default:
			return "NO ACTION";
	}
}

static const char *
fk_match(const char *code)
{
	return code[0] == 'f' ? "FULL" : code[0] == 'p' ? "PARTIAL" : "SIMPLE";
}

/*
 * ALTER TABLE rel ADD CONSTRAINT name FOREIGN KEY (cols) REFERENCES ...
 * NOT VALID, the referential options from a pg_constraint row's codes.
 */
static char *
foreign_key_sql(const char *rel, const char *name, const char *cols,
				const char *target, const char *target_cols, const char *set_cols,
				const char *match, const char *on_delete, const char *on_update,
				const char *deferrable, const char *deferred)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) "
					 "REFERENCES %s (%s) MATCH %s ON DELETE %s",
					 rel, quote_identifier(name), cols, target, target_cols,
					 fk_match(match), fk_action(on_delete));
	if (set_cols != NULL)
		appendStringInfo(&sql, " (%s)", set_cols);
	appendStringInfo(&sql, " ON UPDATE %s%s NOT VALID", fk_action(on_update),
					 deferrable_clause(deferrable, deferred));
	return sql.data;
}

void
column_copy_add_object(ColumnCopy *copy, const char *kind, Oid relid,
					   const char *copy_name, const char *original,
					   Oid original_relid, const char *clause)
{
	CopiedObject *obj = palloc0(sizeof(CopiedObject));

	obj->kind = kind;
	obj->relid = relid;
	obj->copy_name = pstrdup(copy_name);
	obj->original = pstrdup(original);
	obj->original_relid = original_relid;
	obj->clause = clause ? pstrdup(clause) : NULL;
	copy->objects = lappend(copy->objects, obj);
}

/* ---------------------------------------------------------------------
 * Copying the column's objects (start, execute mode)
 * ---------------------------------------------------------------------
 */

/* The copied columns' old attnums (int2[]) and the constraints left out (oid[]) */
static void
copies_arrays(List *copies, Datum *attnums, Datum *without)
{
	Datum	   *a = palloc(sizeof(Datum) * (list_length(copies) + 1));
	Datum	   *w = palloc(sizeof(Datum) * (list_length(copies) + 1));
	int			na = 0;
	int			nw = 0;
	ListCell   *lc;

	foreach(lc, copies)
	{
		ColumnCopy *copy = lfirst(lc);

		a[na++] = Int16GetDatum(copy->old_attnum);
		if (OidIsValid(copy->without_constraint))
			w[nw++] = ObjectIdGetDatum(copy->without_constraint);
	}
	*attnums = PointerGetDatum(construct_array(a, na, INT2OID, sizeof(int16), true, TYPALIGN_SHORT));
	*without = PointerGetDatum(construct_array(w, nw, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

static void
copy_checks(OpContext *ctx, Oid relid, List *copies, TableSync *sync)
{
	Oid			argtypes[3] = {OIDOID, INT2ARRAYOID, OIDARRAYOID};
	Datum		values[3];
	char	   *rel = pgroll_relation_name(relid);
	ColumnCopy *copy = linitial(copies);
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &values[2]);

	foreach(lc, pgroll_query_rows("SELECT conname, pg_catalog.pg_get_expr(conbin, conrelid), "
						   "       connoinherit FROM pg_catalog.pg_constraint "
						   "WHERE conrelid = $1 AND contype = 'c' AND conkey && $2 "
						   "  AND oid <> ALL ($3) AND conname::text NOT LIKE '\\_pgroll\\_%' "
						   "ORDER BY conname", 3, argtypes, values))
	{
		char	  **row = lfirst(lc);
		char	   *reason = NULL;
		char	   *expr = rewrite_onto_copy(row[1], relid, copies, true, &reason);
		char	   *name = op_internal_name(COPY_PREFIX, row[0]);

		/* a check that does not fit the new type is never dropped silently */
		if (expr == NULL ||
			!pgroll_ddl_try(psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s)%s NOT VALID",
									 rel, quote_identifier(name), expr,
									 strcmp(row[2], "t") == 0 ? " NO INHERIT" : ""),
							&reason))
			refuse_misfit(ctx, psprintf("check constraint \"%s\" of table \"%s\"", row[0],
										get_rel_name(relid)),
						  reason,
						  "Drop the check before this migration (or in a sql operation "
						  "before this one), or make the new type one it fits.");
		sync_add_job(sync, psprintf("validate check %s", row[0]),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(name)), NULL);
		column_copy_add_object(copy, "check", relid, name, row[0], InvalidOid, NULL);
	}
}

/* Unique and primary key constraints: a unique index on the copy, built concurrently */
static void
copy_unique(OpContext *ctx, Oid relid, List *copies, TableSync *sync)
{
	Oid			argtypes[3] = {OIDOID, INT2ARRAYOID, OIDARRAYOID};
	Datum		values[3];
	char	   *rel = pgroll_relation_name(relid);
	ColumnCopy *copy = linitial(copies);
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &values[2]);

	foreach(lc, pgroll_query_rows("SELECT c.conname, c.contype, c.conkey::text, "
						   "  (SELECT pg_catalog.array_agg(k)::text FROM pg_catalog.unnest(i.indkey) "
						   "     WITH ORDINALITY u(k, n) WHERE n > i.indnkeyatts), "
						   "  i.indnullsnotdistinct, c.condeferrable, c.condeferred, "
						   "  pg_catalog.array_to_string(ic.reloptions, ', ') "
						   "FROM pg_catalog.pg_constraint c "
						   "JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid "
						   "JOIN pg_catalog.pg_class ic ON ic.oid = c.conindid "
						   "WHERE c.conrelid = $1 AND c.contype IN ('u', 'p') "
						   "  AND (c.conkey && $2 OR i.indkey::pg_catalog.int2[] && $2) AND c.oid <> ALL ($3) "
						   "ORDER BY c.conname", 3, argtypes, values))
	{
		char	  **row = lfirst(lc);
		char	   *index = op_internal_name(COPY_PREFIX, row[0]);
		StringInfoData sql;

		/*
		 * A copy is a unique index built concurrently, made the constraint
		 * at complete; a partitioned table can have neither.
		 */
		if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s: %s \"%s\" of partitioned table \"%s\" covers the rewritten "
							"column and cannot be carried over to its copy",
							ctx->path, row[1][0] == 'p' ? "primary key" : "unique constraint",
							row[0], get_rel_name(relid)),
					 errdetail("PostgreSQL builds no index of a partitioned table concurrently "
							   "and makes no constraint of an existing one there."),
					 errhint("Change the column in a migration of its own after dropping "
							 "the constraint, or change it with a sql operation.")));
		initStringInfo(&sql);
		appendStringInfo(&sql, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
						 quote_identifier(index), rel,
						 column_list(relid, row[2], copies));
		if (row[3] != NULL)
			appendStringInfo(&sql, " INCLUDE (%s)",
							 column_list(relid, row[3], copies));
		if (strcmp(row[4], "t") == 0)
			appendStringInfoString(&sql, " NULLS NOT DISTINCT");
		if (row[7] != NULL && row[7][0] != '\0')
			appendStringInfo(&sql, " WITH (%s)", row[7]);
		sync_add_job(sync, psprintf("copy of %s", row[0]), sql.data, index);

		/*
		 * A deferrable unique constraint stays deferrable: once its index
		 * is built, the copy is made a deferrable constraint too (the
		 * worker runs it under pgroll's lock discipline).  A primary key
		 * waits for complete: it would set NOT NULL on the copy.
		 */
		if (row[1][0] == 'u' && strcmp(row[5], "t") == 0)
			sync_add_job(sync, psprintf("deferrable copy of %s", row[0]),
						 psprintf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s%s",
								  rel, quote_identifier(index), quote_identifier(index),
								  deferrable_clause(row[5], row[6])),
						 NULL);
		column_copy_add_object(copy, row[1][0] == 'p' ? "primary_key" : "unique",
							   relid, index, row[0], InvalidOid,
							   deferrable_clause(row[5], row[6]));
		if (row[1][0] == 'p')
		{
			ListCell   *lc2;

			/* a primary key column of the table that is being copied */
			foreach(lc2, copies)
			{
				ColumnCopy *c2 = lfirst(lc2);

				if (attnum_in_list(row[2], c2->old_attnum))
					column_copy_set_not_null(ctx, c2, true);
			}
		}
	}
}

/* Foreign keys of the table that use the column */
static void
copy_outgoing_fks(OpContext *ctx, Oid relid, List *copies, TableSync *sync)
{
	Oid			argtypes[3] = {OIDOID, INT2ARRAYOID, OIDARRAYOID};
	Datum		values[3];
	char	   *rel = pgroll_relation_name(relid);
	ColumnCopy *copy = linitial(copies);
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &values[2]);

	foreach(lc, pgroll_query_rows("SELECT c.conname, c.conkey::text, c.confrelid, c.confkey::text, "
						   "  c.confmatchtype, c.confdeltype, c.confupdtype, "
						   "  c.confdelsetcols::text, c.condeferrable, c.condeferred "
						   "FROM pg_catalog.pg_constraint c "
						   "WHERE c.conrelid = $1 AND c.contype = 'f' AND c.conkey && $2 "
						   "  AND c.oid <> ALL ($3) ORDER BY c.conname", 3, argtypes, values))
	{
		char	  **row = lfirst(lc);
		Oid			confrelid = (Oid) strtoul(row[2], NULL, 10);
		char	   *name = op_internal_name(COPY_PREFIX, row[0]);
		char	   *sql;
		char	   *reason = NULL;

		/*
		 * The referenced columns are copied too (an int to bigint of a key
		 * and of its references, say): the referenced table's copy of the
		 * key makes the one copy of the foreign key, copy to copy.
		 */
		if (any_copied(ctx->sync->copies, confrelid, row[3]))
			continue;
		check_not_partitioned(relid, copy->path,
							  psprintf("the copy of foreign key \"%s\"", row[0]));
		sql = foreign_key_sql(rel, name, column_list(relid, row[1], copies),
							  pgroll_relation_name(confrelid),
							  column_list(confrelid, row[3], NIL),
							  row[7] ? column_list(relid, row[7], copies) : NULL,
							  row[4], row[5], row[6], row[8], row[9]);
		if (!pgroll_ddl_try(sql, &reason))
		{
			/* the new type cannot reference the old target */
			report_skipped(ctx, psprintf("foreign key \"%s\"", row[0]), reason);
			continue;
		}
		sync_add_job(sync, psprintf("validate foreign key %s", row[0]),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(name)), NULL);
		column_copy_add_object(copy, "foreign_key", relid, name, row[0], InvalidOid, NULL);
	}
}

/*
 * Foreign keys of other tables that reference the column: once the copy's
 * unique index is built (a job), they get a copy referencing the copy.
 */
static void
copy_incoming_fks(OpContext *ctx, Oid relid, List *copies, TableSync *sync)
{
	Oid			argtypes[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2];
	Datum		unused;
	char	   *rel = pgroll_relation_name(relid);
	ColumnCopy *copy = linitial(copies);
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &unused);

	foreach(lc, pgroll_query_rows("SELECT c.conname, c.conrelid, c.conkey::text, c.confkey::text, "
						   "  c.confmatchtype, c.confdeltype, c.confupdtype, "
						   "  c.confdelsetcols::text, c.condeferrable, c.condeferred "
						   "FROM pg_catalog.pg_constraint c "
						   "WHERE c.confrelid = $1 AND c.contype = 'f' AND c.confkey && $2 "
						   "ORDER BY c.conname", 2, argtypes, values))
	{
		char	  **row = lfirst(lc);
		Oid			conrelid = (Oid) strtoul(row[1], NULL, 10);
		char	   *name = op_internal_name(COPY_PREFIX, row[0]);
		char	   *other = pgroll_relation_name(conrelid);
		char	   *sql;

		sql = foreign_key_sql(other, name,
							  column_list(conrelid, row[2], table_copies(ctx->sync->copies, conrelid)),
							  rel,
							  column_list(relid, row[3], copies),
							  row[7] ? column_list(conrelid, row[7], NIL) : NULL,
							  row[4], row[5], row[6], row[8], row[9]);
		sync_add_job(sync, psprintf("copy of foreign key %s", row[0]), sql, NULL);
		sync_add_job(sync, psprintf("validate foreign key %s", row[0]),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", other,
							  quote_identifier(name)), NULL);
		column_copy_add_object(copy, "foreign_key", conrelid, name, row[0], conrelid, NULL);
	}
}

/* Indexes on the column that no constraint owns */
static void
copy_indexes(OpContext *ctx, Oid relid, List *copies, TableSync *sync)
{
	Oid			argtypes[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2];
	Datum		unused;
	ColumnCopy *copy = linitial(copies);
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &unused);

	foreach(lc, pgroll_query_rows("SELECT ic.relname, i.indexrelid, i.indisunique, am.amname, "
						   "  i.indnkeyatts, i.indnatts, "
						   "  pg_catalog.pg_get_expr(i.indpred, i.indrelid), "
						   "  pg_catalog.array_to_string(ic.reloptions, ', '), "
						   "  i.indnullsnotdistinct "
						   "FROM pg_catalog.pg_index i "
						   "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
						   "JOIN pg_catalog.pg_am am ON am.oid = ic.relam "
						   "WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint "
						   "      WHERE conindid = i.indexrelid AND contype IN ('p', 'u', 'x')) "
						   "  AND ic.relname::text NOT LIKE '\\_pgroll\\_%' "
						   "  AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
						   "      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
						   "        AND d.objid = i.indexrelid AND d.refobjid = $1 AND d.refobjsubid = ANY ($2)) "
						   "ORDER BY ic.relname", 2, argtypes, values))
	{
		char	  **row = lfirst(lc);
		Oid			indexrelid = (Oid) strtoul(row[1], NULL, 10);
		int			nkeys = atoi(row[4]);
		int			natts = atoi(row[5]);
		char	   *name = op_internal_name(COPY_PREFIX, row[0]);
		StringInfoData sql;
		bool		ok = true;
		char	   *reason = NULL;

		initStringInfo(&sql);
		appendStringInfo(&sql, "USING %s (", quote_identifier(row[3]));
		for (int k = 1; k <= natts && ok; k++)
		{
			Oid			argtypes2[2] = {OIDOID, INT4OID};
			Datum		values2[2] = {ObjectIdGetDatum(indexrelid), Int32GetDatum(k)};
			char	  **col;
			char	   *expr;

			/* the column or expression, then its collation, opclass and order */
			col = linitial(pgroll_query_rows("SELECT pg_catalog.pg_get_indexdef($1, $2, false), "
									  "  CASE WHEN i.indkey[$2 - 1] <> 0 AND i.indcollation[$2 - 1] <> 0 "
									  "        AND i.indcollation[$2 - 1] <> a.attcollation "
									  "       THEN i.indcollation[$2 - 1]::pg_catalog.regcollation::text END, "
									  "  CASE WHEN NOT opc.opcdefault THEN pg_catalog.quote_ident(n.nspname) "
									  "       || '.' || pg_catalog.quote_ident(opc.opcname) END, "
									  "  (i.indoption[$2 - 1] & 1) <> 0, (i.indoption[$2 - 1] & 2) <> 0 "
									  "FROM pg_catalog.pg_index i "
									  "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid "
									  "      AND a.attnum = i.indkey[$2 - 1] "
									  "LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[$2 - 1] "
									  "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = opc.opcnamespace "
									  "WHERE i.indexrelid = $1",
									  2, argtypes2, values2));
			expr = rewrite_onto_copy(col[0], relid, copies, false, &reason);
			if (expr == NULL)
			{
				ok = false;
				break;
			}
			if (k == nkeys + 1)
				appendStringInfoString(&sql, ") INCLUDE (");
			else if (k > 1)
				appendStringInfoString(&sql, ", ");
			if (k > nkeys)
			{
				/* INCLUDE takes plain columns */
				appendStringInfoString(&sql, expr);
				continue;
			}
			appendStringInfo(&sql, "(%s)", expr);
			if (col[1] != NULL)
				appendStringInfo(&sql, " COLLATE %s", col[1]);
			if (col[2] != NULL)
				appendStringInfo(&sql, " %s", col[2]);
			if (col[3] != NULL && strcmp(col[3], "t") == 0)
				appendStringInfoString(&sql, " DESC");
			if (col[4] != NULL)
				appendStringInfoString(&sql, strcmp(col[4], "t") == 0 ?
									   (strcmp(col[3], "t") == 0 ? "" : " NULLS FIRST") :
									   (strcmp(col[3], "t") == 0 ? " NULLS LAST" : ""));
		}
		appendStringInfoChar(&sql, ')');
		if (strcmp(row[8], "t") == 0)
			appendStringInfoString(&sql, " NULLS NOT DISTINCT");
		if (row[7] != NULL && row[7][0] != '\0')
			appendStringInfo(&sql, " WITH (%s)", row[7]);
		if (row[6] != NULL)
		{
			char	   *pred = rewrite_onto_copy(row[6], relid, copies, true, &reason);

			if (pred == NULL)
				ok = false;
			else
				appendStringInfo(&sql, " WHERE %s", pred);
		}
		if (!ok)
		{
			report_skipped(ctx, psprintf("index \"%s\"", row[0]), reason);
			continue;
		}
		(void) op_queue_index_build(ctx, sync, relid, name, strcmp(row[2], "t") == 0, sql.data,
									psprintf("copy of index %s", row[0]));
		column_copy_add_object(copy, "index", relid, name, row[0], InvalidOid, NULL);
	}
}

/* The sequences the column owns (a serial's, OWNED BY), qualified and quoted */
static List *
owned_sequences(Oid relid, AttrNumber attnum)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, pgroll_query_rows("SELECT pg_catalog.quote_ident(n.nspname) || '.' || "
								  "       pg_catalog.quote_ident(s.relname) FROM pg_catalog.pg_depend d "
								  "JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
								  "JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace "
								  "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
								  "  AND d.refobjid = $1 AND d.refobjsubid = $2 AND d.deptype = 'a'",
								  2, argtypes, values))
		names = lappend(names, ((char **) lfirst(lc))[0]);
	return names;
}

/* A sequence the column owns (serial) must not go when the old column does */
static void
copy_sequence_ownership(ColumnCopy *copy)
{
	ListCell   *lc;

	foreach(lc, owned_sequences(copy->relid, copy->old_attnum))
		column_copy_add_object(copy, "sequence", copy->relid, lfirst(lc), lfirst(lc),
							   InvalidOid, NULL);
}

/* ---------------------------------------------------------------------
 * Making and changing copies
 * ---------------------------------------------------------------------
 */

typedef struct DefaultArgs
{
	const char *expr;
	Oid			type;
	int32		typmod;
} DefaultArgs;

static void
check_default_fn(void *arg)
{
	DefaultArgs *a = arg;

	(void) expr_check_default(a->expr, a->type, a->typmod, "default");
}

/*
 * The planner's and storage settings of the column, onto its copy:
 * statistics target, n_distinct, a compression or storage set by hand
 * (where the new type can take it).
 */
static void
copy_column_settings(Oid relid, AttrNumber old_attnum, const char *physical)
{
	Oid			argtypes[3] = {OIDOID, INT2OID, TEXTOID};
	Datum		values[3] = {ObjectIdGetDatum(relid), Int16GetDatum(old_attnum),
	CStringGetTextDatum(physical)};
	char	  **row;
	char	   *rel = pgroll_relation_name(relid);

	row = linitial(pgroll_query_rows("SELECT o.attstattarget, "
									 "  (SELECT pg_catalog.string_agg(pg_catalog.format('%s = %s', "
									 "     x.option_name, x.option_value), ', ') "
									 "   FROM pg_catalog.pg_options_to_table(o.attoptions) x "
									 "   WHERE x.option_name IN ('n_distinct', 'n_distinct_inherited')), "
									 "  CASE WHEN o.attcompression <> '' AND nt.typstorage <> 'p' "
									 "       THEN CASE o.attcompression WHEN 'l' THEN 'lz4' ELSE 'pglz' END END, "
									 "  CASE WHEN o.attstorage <> ot.typstorage AND nt.typstorage <> 'p' "
									 "       THEN CASE o.attstorage WHEN 'p' THEN 'PLAIN' "
									 "            WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' "
									 "            ELSE 'EXTENDED' END END "
									 "FROM pg_catalog.pg_attribute o "
									 "JOIN pg_catalog.pg_attribute n ON n.attrelid = o.attrelid "
									 " AND n.attname = $3::name "
									 "JOIN pg_catalog.pg_type nt ON nt.oid = n.atttypid "
									 "JOIN pg_catalog.pg_type ot ON ot.oid = o.atttypid "
									 "WHERE o.attrelid = $1 AND o.attnum = $2",
									 3, argtypes, values));
	if (atoi(row[0]) >= 0)
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %s", rel,
					quote_identifier(physical), row[0]);
	if (row[1] != NULL && row[1][0] != '\0')
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET (%s)", rel,
					quote_identifier(physical), row[1]);
	if (row[2] != NULL)
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s", rel,
					quote_identifier(physical), row[2]);
	if (row[3] != NULL)
		pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s", rel,
					quote_identifier(physical), row[3]);
}

/*
 * An identity's sequence goes with the old column at complete (the copy
 * gets a new identity): nothing else may depend on it.
 */
static void
refuse_sequence_dependents(OpContext *ctx, const char *sequence, const char *column)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(sequence)};
	List	   *rows;

	int			nestlevel;

	/* named with their schemas: start runs with the migrated schema on the path */
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	rows = pgroll_query_rows("SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
							 "FROM pg_catalog.pg_depend d "
							 "WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							 "  AND d.refobjid = $1::pg_catalog.regclass AND d.deptype = 'n' "
							 "ORDER BY 1",
							 1, argtypes, values);
	AtEOXact_GUC(true, nestlevel);
	if (rows == NIL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("%s: cannot replace identity column \"%s\" because other objects depend "
					"on its sequence %s", ctx->path, column, sequence),
			 errdetail("Depending on it: %s.", pgroll_rows_list(rows)),
			 errhint("The column gets a new identity at complete and its sequence goes; "
					 "drop or change the dependent objects first.")));
}

/*
 * Does a default expression fit a type?  (validate mode: no DDL to try)
 * When it does not, *reason says why.
 */
static bool
default_fits(const char *expr, Oid type, int32 typmod, char **reason)
{
	DefaultArgs a = {expr, type, typmod};
	ErrorData  *error = NULL;

	if (pgroll_subxact(check_default_fn, &a, true, PGROLL_EXPECT_TYPE_MISFIT, NULL, &error))
		return true;
	*reason = pstrdup(error->message);
	FreeErrorData(error);
	return false;
}

ColumnCopy *
column_copy_find(OpContext *ctx, ModelTable *table, ModelColumn *column)
{
	ListCell   *lc;

	if (column->source == NULL)
		return NULL;
	foreach(lc, ctx->sync->copies)
	{
		ColumnCopy *copy = lfirst(lc);

		if (copy->relid == table->relid && strcmp(copy->physical, column->physical) == 0)
			return copy;
	}
	return NULL;
}

void
column_copy_set_not_null(OpContext *ctx, ColumnCopy *copy, bool not_null)
{
	char	   *rel;

	if (copy == NULL || copy->not_null == not_null)
		return;
	copy->not_null = not_null;
	if (!ctx->execute)
		return;
	rel = pgroll_relation_name(copy->relid);
	if (not_null)
	{
		copy->not_null_check = op_internal_name(NOT_NULL_PREFIX, copy->name);
		pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
					rel, quote_identifier(copy->not_null_check),
					quote_identifier(copy->physical));
		sync_add_job(sync_table(ctx->sync, copy->relid),
					 psprintf("validate NOT NULL of %s", copy->name),
					 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", rel,
							  quote_identifier(copy->not_null_check)), NULL);
	}
	else if (copy->not_null_check != NULL)
	{
		pgroll_ddlf("ALTER TABLE %s DROP CONSTRAINT %s", rel,
					quote_identifier(copy->not_null_check));
		copy->not_null_check = NULL;
	}
}

ColumnCopy *
column_copy(OpContext *ctx, ModelTable *table, ModelColumn *column, CopyOptions *opts)
{
	ColumnCopy *copy = column_copy_find(ctx, table, column);
	Oid			type = OidIsValid(opts->type) ? opts->type : column->type;
	int32		typmod = OidIsValid(opts->type) ? opts->typmod : column->typmod;
	char	   *rel;
	TableSync  *sync;
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2];
	char	  **att;
	char	   *reason = NULL;

	if (column->source != NULL || pgroll_is_internal_name(column->physical))
	{
		if (OidIsValid(opts->type) &&
			(opts->type != column->type || opts->typmod != column->typmod))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" already changes in this migration; "
							"its type can only change once", column->name),
					 errhint("Change the type in the first operation on the column.")));
		if (column->source == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" is added by this migration", column->name),
					 errhint("Give the column its final definition in add_column.")));
		if (copy != NULL && opts->drop_not_null)
			column_copy_set_not_null(ctx, copy, false);
		return copy;
	}

	/*
	 * complete drops the old column without CASCADE: what depends on it
	 * outside the table (a view, a generated column, a function body) would
	 * stop complete after the backfill.  Foreign keys of other tables that
	 * reference it get copies of their own.
	 */
	check_no_inheritance_children(table->relid, ctx->path);
	if (OidIsValid(table->relid))
		check_no_dependents(ctx, table->relid, get_attnum(table->relid, column->physical),
							psprintf("column \"%s\"", column->name), ctx->path, true);

	column->source = column->physical;
	column->physical = op_internal_name(NEW_COLUMN_PREFIX, column->name);
	column->type = type;
	column->typmod = typmod;
	if (!ctx->execute)
	{
		char	   *reason = NULL;

		/* a default that does not fit the new type is never dropped silently */
		if (column->view_default != NULL && OidIsValid(opts->type) && !opts->replaces_default &&
			!default_fits(column->view_default, type, typmod, &reason))
			refuse_misfit(ctx, psprintf("default of column \"%s\"", column->name), reason,
						  DEFAULT_MISFIT_HINT);

		/* validate: a placeholder, so that later operations see the copy */
		copy = palloc0(sizeof(ColumnCopy));
		copy->relid = table->relid;
		copy->name = pstrdup(column->name);
		copy->physical = column->physical;
		ctx->sync->copies = lappend(ctx->sync->copies, copy);
		return copy;
	}

	rel = pgroll_relation_name(table->relid);
	sync = sync_table(ctx->sync, table->relid);
	sync->backfill = true;

	copy = palloc0(sizeof(ColumnCopy));
	copy->relid = table->relid;
	copy->path = pstrdup(ctx->path);
	copy->old_attnum = get_attnum(table->relid, column->source);
	copy->name = pstrdup(column->name);
	copy->physical = column->physical;
	ctx->sync->copies = lappend(ctx->sync->copies, copy);

	values[0] = ObjectIdGetDatum(table->relid);
	values[1] = Int16GetDatum(copy->old_attnum);
	att = linitial(pgroll_query_rows("SELECT a.attnotnull, a.attidentity, "
							  "  CASE WHEN a.attgenerated = '' THEN "
							  "       pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, "
							  "  pg_catalog.col_description(a.attrelid, a.attnum), "
							  "  CASE WHEN a.attcollation <> t.typcollation "
							  "       THEN a.attcollation::pg_catalog.regcollation::text END, "
							  "  pg_catalog.pg_get_serial_sequence($1::pg_catalog.regclass::text, "
							  "                                    a.attname) "
							  "FROM pg_catalog.pg_attribute a "
							  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
							  "LEFT JOIN pg_catalog.pg_attrdef d "
							  "       ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
							  "WHERE a.attrelid = $1 AND a.attnum = $2",
							  2, argtypes, values));

	pgroll_ddlf("ALTER TABLE %s ADD COLUMN %s %s%s", rel, quote_identifier(copy->physical),
				format_type_with_typemod(type, typmod),
				att[4] && type == get_atttype(table->relid, copy->old_attnum) ?
				psprintf(" COLLATE %s", att[4]) : "");
	copy->new_attnum = get_attnum(table->relid, copy->physical);
	privileges_copy_column(table->relid, copy->old_attnum, copy->physical);
	copy_column_settings(table->relid, copy->old_attnum, copy->physical);

	/*
	 * A column that draws from a sequence (identity, serial): the copy gets
	 * no default until complete; the trigger fills it from the number the
	 * old column's default drew (sync_add_fill_rule), so that an insert
	 * draws one number, not two.  A serial's view in the new version keeps
	 * the column's default, as pgroll's does (the new version looks the
	 * same before and after complete): an insert there draws for the view
	 * and for the old column.
	 */
	if (att[1][0] != '\0')
	{
		refuse_sequence_dependents(ctx, att[5], column->name);
		copy->identity = att[1][0];
		copy->draws = true;
		if (type != INT2OID && type != INT4OID && type != INT8OID)
		{
			report_skipped(ctx, psprintf("identity of column \"%s\"", column->name),
						   psprintf("an identity column must be smallint, integer or bigint, "
									"not %s", format_type_be(type)));
			copy->identity = '\0';
		}
	}
	else if (att[2] != NULL && !opts->replaces_default &&
			 strncmp(att[2], "nextval(", strlen("nextval(")) == 0)
	{
		if (!default_fits(att[2], type, typmod, &reason))
			refuse_misfit(ctx, psprintf("default of column \"%s\"", column->name), reason,
						  DEFAULT_MISFIT_HINT);
		copy->identity = 's';
		copy->draws = true;
	}
	else if (att[2] != NULL && !opts->replaces_default &&
			 !pgroll_ddl_try(psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
									  rel, quote_identifier(copy->physical), att[2]), &reason))
		refuse_misfit(ctx, psprintf("default of column \"%s\"", column->name), reason,
					  DEFAULT_MISFIT_HINT);
	if (att[3] != NULL)
		pgroll_ddlf("COMMENT ON COLUMN %s.%s IS %s", rel, quote_identifier(copy->physical),
					pgroll_literal(att[3]));

	copy->without_constraint = opts->without_constraint;
	copy_sequence_ownership(copy);
	if (strcmp(att[0], "t") == 0 && !opts->drop_not_null)
		column_copy_set_not_null(ctx, copy, true);
	return copy;
}

/*
 * What a partition defines itself on a rewritten column of a partitioned
 * table (a check, an index, a default, NOT NULL, a comment, a grant of
 * its own) is not copied: pgroll copies the partitioned table's objects,
 * which its partitions inherit.  Refused at start rather than dropped with
 * the old column at complete.
 */
static void
refuse_partition_local_objects(Oid relid, List *copies)
{
	Oid			argtypes[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2];
	Datum		unused;
	List	   *rows;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return;
	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &unused);
	rows = pgroll_query_rows("WITH RECURSIVE tree(relid) AS ("
							 "  SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent = $1 "
							 "  UNION SELECT h.inhrelid FROM tree t "
							 "  JOIN pg_catalog.pg_inherits h ON h.inhparent = t.relid), "
							 "cols(relid, attnum, attname, parent_attnum) AS ("
							 "  SELECT a.attrelid, a.attnum, a.attname, p.attnum FROM tree t "
							 "  JOIN pg_catalog.pg_attribute a ON a.attrelid = t.relid "
							 "  JOIN pg_catalog.pg_attribute p ON p.attrelid = $1 "
							 "   AND p.attnum = ANY ($2) AND p.attname = a.attname) "
							 "SELECT pg_catalog.format('constraint %I of %s', c.conname, "
							 "       c.conrelid::pg_catalog.regclass) "
							 "FROM pg_catalog.pg_constraint c JOIN cols ON c.conrelid = cols.relid "
							 "WHERE c.coninhcount = 0 AND cols.attnum = ANY (c.conkey) "
							 "UNION "
							 "SELECT pg_catalog.format('index %I of %s', ic.relname, i.indrelid::pg_catalog.regclass) "
							 "FROM pg_catalog.pg_index i JOIN cols ON i.indrelid = cols.relid "
							 "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
							 "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							 " AND d.objid = i.indexrelid AND d.refobjid = cols.relid AND d.refobjsubid = cols.attnum "
							 "WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid) "
							 "  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid "
							 "                  AND k.conrelid = i.indrelid) "
							 "UNION "
							 "SELECT pg_catalog.format('%s of column %I of %s', x.what, cols.attname, "
							 "       cols.relid::pg_catalog.regclass) "
							 "FROM cols "
							 "JOIN pg_catalog.pg_attribute a ON a.attrelid = cols.relid AND a.attnum = cols.attnum "
							 "JOIN pg_catalog.pg_attribute p ON p.attrelid = $1 AND p.attnum = cols.parent_attnum "
							 "CROSS JOIN LATERAL (VALUES "
							 "  ('the default', a.atthasdef AND pg_catalog.pg_get_expr((SELECT d.adbin "
							 "      FROM pg_catalog.pg_attrdef d "
							 "      WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum), a.attrelid) "
							 "    IS DISTINCT FROM pg_catalog.pg_get_expr((SELECT d.adbin FROM pg_catalog.pg_attrdef d "
							 "      WHERE d.adrelid = p.attrelid AND d.adnum = p.attnum), p.attrelid)), "
							 "  ('NOT NULL', a.attnotnull AND NOT p.attnotnull), "
							 "  ('the comment', pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL), "
							 "  ('grants', a.attacl IS NOT NULL)) x(what, differs) "
							 "WHERE x.differs "
							 "ORDER BY 1",
							 2, argtypes, values);
	if (rows == NIL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s: partitions of table %s have objects of their own on a column the "
					"migration rewrites", ((ColumnCopy *) linitial(copies))->path,
					pgroll_relation_name(relid)),
			 errdetail("pgroll copies the partitioned table's objects, not a partition's, "
					   "and complete would drop these with the old column: %s.",
					   pgroll_rows_list(rows)),
			 errhint("Define them on the partitioned table, or drop them before the migration.")));
}

/*
 * An exclusion constraint has no concurrent build: its index is made under
 * a lock that blocks reads and writes for the whole build, so a copy of it
 * would be downtime, and without a copy complete would drop it with the
 * old column.  Refused at start.
 */
static void
refuse_exclusion_constraints(Oid relid, List *copies)
{
	Oid			argtypes[3] = {OIDOID, INT2ARRAYOID, OIDARRAYOID};
	Datum		values[3];
	List	   *rows;
	ListCell   *lc;

	values[0] = ObjectIdGetDatum(relid);
	copies_arrays(copies, &values[1], &values[2]);
	/* columns of the constraint, or of expressions of its index */
	rows = pgroll_query_rows("SELECT c.conname, a.attnum, a.attname FROM pg_catalog.pg_constraint c "
							 "JOIN pg_catalog.pg_attribute a ON a.attrelid = $1 "
							 " AND a.attnum = ANY ($2) "
							 "WHERE c.conrelid = $1 AND c.contype = 'x' AND c.oid <> ALL ($3) "
							 "  AND (a.attnum = ANY (c.conkey) "
							 "       OR EXISTS (SELECT FROM pg_catalog.pg_depend d "
							 "                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							 "                    AND d.objid = c.conindid AND d.refobjid = $1 "
							 "                    AND d.refobjsubid = a.attnum)) "
							 "ORDER BY 1, 2 LIMIT 1",
							 3, argtypes, values);
	if (rows == NIL)
		return;
	foreach(lc, copies)
	{
		ColumnCopy *copy = lfirst(lc);
		char	  **row = linitial(rows);

		if (copy->old_attnum != atoi(row[1]))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: exclusion constraint \"%s\" of table %s covers column \"%s\", "
						"which the migration rewrites",
						copy->path, row[0], pgroll_relation_name(relid), row[2]),
				 errdetail("PostgreSQL builds an exclusion constraint's index only under a "
						   "lock that blocks reads and writes, so the column's copy cannot "
						   "get one without downtime, and complete would drop it with the "
						   "old column."),
				 errhint("Drop the constraint in a migration before this one and add it "
						 "again after complete (\"sql\" operations).")));
	}
}

/* ---------------------------------------------------------------------
 * Views and statistics objects over a replaced column (carry_over.c)
 * ---------------------------------------------------------------------
 */

/* The old columns of the copies, as carry_over.c takes them */
static List *
replaced_columns(List *copies, bool saved)
{
	List	   *columns = NIL;
	ListCell   *lc;

	foreach(lc, copies)
	{
		ReplacedColumn *col = palloc(sizeof(ReplacedColumn));

		if (saved)
		{
			char	  **c = lfirst(lc);

			col->relid = (Oid) strtoul(c[0], NULL, 10);
			col->attnum = (AttrNumber) atoi(c[1]);
		}
		else
		{
			ColumnCopy *copy = lfirst(lc);

			col->relid = copy->relid;
			col->attnum = copy->old_attnum;
		}
		columns = lappend(columns, col);
	}
	return columns;
}

typedef struct CarryOverTrial
{
	List	   *copies;
	CarryOver  *carry;
} CarryOverTrial;

/* What complete will do, with the old columns renamed out of the way */
static void
carry_over_trial(void *arg)
{
	CarryOverTrial *trial = arg;
	ListCell   *lc;

	carry_over_drop(trial->carry);
	foreach(lc, trial->copies)
	{
		ColumnCopy *copy = lfirst(lc);
		char	   *old = get_attname(copy->relid, copy->old_attnum, false);

		pgroll_ddlf("ALTER TABLE %s RENAME COLUMN %s TO %s", pgroll_relation_name(copy->relid),
					quote_identifier(old),
					quote_identifier(op_internal_name(PGROLL_PREFIX "old_", old)));
		pgroll_ddlf("ALTER TABLE %s RENAME COLUMN %s TO %s", pgroll_relation_name(copy->relid),
					pgroll_column_name(copy->relid, copy->new_attnum), quote_identifier(old));
	}
	carry_over_restore(trial->carry);
}

/*
 * start: the views and statistics objects complete will carry over are
 * made once on the copies, and undone.  One the new type does not fit is
 * refused now (2BP01), not found at complete.
 */
static void
try_carry_over(List *copies)
{
	CarryOverTrial trial;
	ErrorData  *error;
	const char *path;

	if (copies == NIL)
		return;
	trial.copies = copies;
	trial.carry = carry_over_save(replaced_columns(copies, false));
	if (trial.carry == NULL)
		return;
	path = ((ColumnCopy *) linitial(copies))->path;
	carry_over_check_owners(trial.carry, path);
	if (!pgroll_subxact(carry_over_trial, &trial, false, PGROLL_EXPECT_TYPE_MISFIT, path, &error))
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("%s: %s cannot be carried over to the rewritten column",
						path, carry_over_current(trial.carry)),
				 errdetail("Made again on the new column: %s", error->message),
				 errhint("Change or drop the dependent object first, in this migration or "
						 "before it.")));
}

void
column_copies_finish(OpContext *ctx)
{
	List	   *relids = NIL;
	ListCell   *lc;

	if (!ctx->execute)
		return;
	foreach(lc, ctx->sync->copies)
		relids = list_append_unique_oid(relids, ((ColumnCopy *) lfirst(lc))->relid);

	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		List	   *copies = NIL;
		TableSync  *sync = sync_table(ctx->sync, relid);
		ListCell   *lcopy;

		foreach(lcopy, ctx->sync->copies)
		{
			ColumnCopy *copy = lfirst(lcopy);

			if (copy->relid == relid)
				copies = lappend(copies, copy);
		}
		/* what these steps refuse is told under the path of the table's first copy */
		ctx->path = ((ColumnCopy *) linitial(copies))->path;
		refuse_exclusion_constraints(relid, copies);
		refuse_partition_local_objects(relid, copies);
		foreach(lcopy, copies)
		{
			ColumnCopy *c = lfirst(lcopy);

			Oid			type;
			int32		typmod;
			Oid			collation;

			if (!c->draws)
				continue;
			get_atttypetypmodcoll(relid, c->new_attnum, &type, &typmod, &collation);
			sync_add_fill_rule(sync, c->physical, type, typmod);
		}
		copy_checks(ctx, relid, copies, sync);
		copy_unique(ctx, relid, copies, sync);
		copy_outgoing_fks(ctx, relid, copies, sync);
		copy_incoming_fks(ctx, relid, copies, sync);
		copy_indexes(ctx, relid, copies, sync);
	}
	try_carry_over(ctx->sync->copies);
}

List *
op_table_scope_old(OpContext *ctx, ModelTable *table)
{
	List	   *scope = NIL;
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ModelColumn *col = lfirst(lc);

		const char *physical = col->source ? col->source : col->physical;

		if (col->hidden)
			continue;
		/* validate: a column an earlier operation only planned to add */
		if (!ctx->execute && get_attnum(table->relid, physical) == InvalidAttrNumber)
			scope = expr_scope_add_planned(scope, col->name, col->type, col->typmod);
		else
			scope = expr_scope_add(scope, table->relid, physical, col->name);
	}
	return scope;
}

/* ---------------------------------------------------------------------
 * Persisting, completing, rolling back
 * ---------------------------------------------------------------------
 */

void
column_copies_save(SyncPlan *plan, const char *schema, const char *migration)
{
	ListCell   *lc;

	foreach(lc, plan->copies)
	{
		ColumnCopy *copy = lfirst(lc);
		Oid			argtypes[8] = {TEXTOID, TEXTOID, OIDOID, INT2OID, INT2OID, TEXTOID,
		BOOLOID, CHAROID};
		Datum		values[8];
		ListCell   *lo;

		values[0] = CStringGetTextDatum(schema);
		values[1] = CStringGetTextDatum(migration);
		values[2] = ObjectIdGetDatum(copy->relid);
		values[3] = Int16GetDatum(copy->old_attnum);
		values[4] = Int16GetDatum(copy->new_attnum);
		values[5] = CStringGetTextDatum(copy->name);
		values[6] = BoolGetDatum(copy->not_null);
		values[7] = CharGetDatum(copy->identity);
		/* by name: a restored database has the same names, not the same numbers */
		run_as_owner("INSERT INTO pgroll.column_copies (schema, migration, relid, old_column, "
					 "  new_column, name, not_null, identity) "
					 "SELECT $1::name, $2, $3, o.attname, n.attname, $6, $7, $8 "
					 "FROM pg_catalog.pg_attribute o, pg_catalog.pg_attribute n "
					 "WHERE o.attrelid = $3 AND o.attnum = $4 "
					 "  AND n.attrelid = $3 AND n.attnum = $5",
					 8, argtypes, values, NULL);
		if (SPI_processed != 1)
			elog(ERROR, "column copy of attribute %d of relation %u not found",
				 copy->old_attnum, copy->relid);

		foreach(lo, copy->objects)
		{
			CopiedObject *obj = lfirst(lo);
			Oid			otypes[8] = {TEXTOID, TEXTOID, OIDOID, TEXTOID, TEXTOID, TEXTOID,
			OIDOID, TEXTOID};
			Datum		ovalues[8];
			char		onulls[8] = {' ', ' ', ' ', ' ', ' ', ' ',
				OidIsValid(obj->original_relid) ? ' ' : 'n', obj->clause ? ' ' : 'n'};

			ovalues[0] = CStringGetTextDatum(schema);
			ovalues[1] = CStringGetTextDatum(migration);
			ovalues[2] = ObjectIdGetDatum(obj->relid);
			ovalues[3] = CStringGetTextDatum(obj->kind);
			ovalues[4] = CStringGetTextDatum(obj->copy_name);
			ovalues[5] = CStringGetTextDatum(obj->original);
			ovalues[6] = ObjectIdGetDatum(obj->original_relid);
			ovalues[7] = obj->clause ? CStringGetTextDatum(obj->clause) : (Datum) 0;
			run_as_owner("INSERT INTO pgroll.copied_objects (schema, migration, relid, kind, "
						 "  copy_name, original, original_relid, clause) "
						 "VALUES ($1::name, $2, $3, $4, $5, $6, $7, $8)",
						 8, otypes, ovalues, onulls);
		}
	}
}

/* Rows of pgroll.column_copies / copied_objects for the migration, as the owner */
static List *
owner_rows(const char *sql, const char *schema, const char *migration)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(migration)};

	run_as_owner(sql, 2, argtypes, values, NULL);
	return pgroll_spi_rows();
}

/* The identity sequence of the column, qualified and quoted */
static char *
identity_sequence(Oid relid, AttrNumber attnum)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};

	return ((char **) linitial(pgroll_query_rows("SELECT pg_catalog.pg_get_serial_sequence("
												 "  $1::pg_catalog.regclass::text, a.attname) "
												 "FROM pg_catalog.pg_attribute a "
												 "WHERE a.attrelid = $1 AND a.attnum = $2",
												 2, argtypes, values)))[0];
}

/* The ACL (as text, or NULL if default) and owner of the column's identity sequence */
static char *
sequence_acl(Oid relid, AttrNumber attnum, Oid *owner)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(identity_sequence(relid, attnum))};
	char	  **row;

	row = linitial(pgroll_query_rows("SELECT c.relacl::pg_catalog.text, c.relowner "
									 "FROM pg_catalog.pg_class c "
									 "WHERE c.oid = $1::pg_catalog.regclass",
									 1, argtypes, values));
	*owner = (Oid) strtoul(row[1], NULL, 10);
	return row[0];
}

/* The column's default expression, or NULL */
static char *
column_default(Oid relid, AttrNumber attnum)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	List	   *rows = pgroll_query_rows("SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
										 "FROM pg_catalog.pg_attrdef d "
										 "WHERE d.adrelid = $1 AND d.adnum = $2",
										 2, argtypes, values);

	return rows == NIL ? NULL : ((char **) linitial(rows))[0];
}

/*
 * The options of the old column's identity, to give the copy the same
 * identity: it continues after the sequence's last value, with its
 * increment, cache and cycling, and its bounds unless they were just the
 * old type's defaults (a wider type then gets its own).
 */
static char *
identity_options(Oid relid, AttrNumber old_attnum)
{
	Oid			argtypes[2] = {OIDOID, INT2OID};
	Datum		values[2] = {ObjectIdGetDatum(relid), Int16GetDatum(old_attnum)};
	char	  **seq;
	StringInfoData buf;
	int64		increment;
	int64		last;
	bool		default_min;
	bool		default_max;

	seq = linitial(pgroll_query_rows("SELECT s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, "
							  "  pg_catalog.pg_sequence_last_value(s.seqrelid), s.seqstart, "
							  "  s.seqmin = CASE WHEN s.seqincrement > 0 THEN 1 "
							  "    WHEN s.seqtypid = 'pg_catalog.int2'::pg_catalog.regtype THEN -32768 "
							  "    WHEN s.seqtypid = 'pg_catalog.int4'::pg_catalog.regtype THEN -2147483648 "
							  "    ELSE -9223372036854775808 END, "
							  "  s.seqmax = CASE WHEN s.seqincrement < 0 THEN -1 "
							  "    WHEN s.seqtypid = 'pg_catalog.int2'::pg_catalog.regtype THEN 32767 "
							  "    WHEN s.seqtypid = 'pg_catalog.int4'::pg_catalog.regtype THEN 2147483647 "
							  "    ELSE 9223372036854775807 END "
							  "FROM pg_catalog.pg_sequence s "
							  "WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence("
							  "  $1::pg_catalog.regclass::text, "
							  "  (SELECT attname FROM pg_catalog.pg_attribute "
							  "   WHERE attrelid = $1 AND attnum = $2))::pg_catalog.regclass",
							  2, argtypes, values));
	increment = atoll(seq[0]);
	last = seq[5] ? atoll(seq[5]) + increment : atoll(seq[6]);
	default_min = strcmp(seq[7], "t") == 0;
	default_max = strcmp(seq[8], "t") == 0;

	initStringInfo(&buf);
	appendStringInfo(&buf, "START WITH %lld INCREMENT BY %lld CACHE %s %s",
					 (long long) last, (long long) increment, seq[3],
					 strcmp(seq[4], "t") == 0 ? "CYCLE" : "NO CYCLE");
	if (!default_min)
		appendStringInfo(&buf, " MINVALUE %s", seq[1]);
	if (!default_max)
		appendStringInfo(&buf, " MAXVALUE %s", seq[2]);
	return buf.data;
}

/*
 * The migration's copies and copied objects as start recorded them, the
 * columns resolved from their names to attribute numbers.  Loaded before
 * complete or rollback changes anything (an operation's complete may
 * rename a column).
 */
SavedCopies *
column_copies_load(const char *schema, const char *migration)
{
	SavedCopies *saved = palloc0(sizeof(SavedCopies));

	saved->schema = pstrdup(schema);
	saved->migration = pstrdup(migration);
	/* with the constraint each copy stands for, which complete may rename first */
	saved->objects = owner_rows("SELECT o.kind, o.relid::pg_catalog.oid, o.copy_name, o.original, "
								"  o.original_relid::pg_catalog.oid, o.clause, "
								"  CASE WHEN o.kind <> ALL ('{index,sequence}') THEN "
								"    (SELECT c.oid FROM pg_catalog.pg_constraint c "
								"     WHERE c.conrelid = o.relid AND c.conname = o.original) END "
								"FROM pgroll.copied_objects o "
								"WHERE o.schema = $1::name AND o.migration = $2 ORDER BY o.position",
								schema, migration);
	saved->copies = owner_rows("SELECT cc.relid::pg_catalog.oid, "
							   "  (SELECT a.attnum FROM pg_catalog.pg_attribute a "
							   "   WHERE a.attrelid = cc.relid AND a.attname = cc.old_column "
							   "     AND NOT a.attisdropped), "
							   "  (SELECT a.attnum FROM pg_catalog.pg_attribute a "
							   "   WHERE a.attrelid = cc.relid AND a.attname = cc.new_column "
							   "     AND NOT a.attisdropped), "
							   "  cc.name, cc.not_null, cc.identity, cc.old_column, cc.new_column "
							   "FROM pgroll.column_copies cc "
							   "WHERE cc.schema = $1::name AND cc.migration = $2 "
							   "ORDER BY 1, 3",
							   schema, migration);
	return saved;
}

/* Complete needs both columns of every copy */
static void
check_copies_present(SavedCopies *saved)
{
	ListCell   *lc;

	foreach(lc, saved->copies)
	{
		char	  **c = lfirst(lc);

		if (c[1] == NULL || c[2] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of table %s, which the migration rewrites, no longer exists",
							c[1] == NULL ? c[6] : c[7],
							pgroll_relation_name((Oid) strtoul(c[0], NULL, 10))),
					 errhint("It was dropped or renamed outside of pgroll while the "
							 "migration was active; roll the migration back with pgroll.rollback().")));
	}
}

/*
 * The partitions' indexes of an index on a partitioned table (the whole
 * tree), as rows (partition oid, index name), read before complete drops
 * the old column's.
 */
static List *
partition_index_names(const char *nsp, const char *index)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(nsp), CStringGetTextDatum(index)};

	return pgroll_query_rows("WITH RECURSIVE tree AS ("
							 "  SELECT c.oid FROM pg_catalog.pg_class c "
							 "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							 "  WHERE n.nspname = $1::name AND c.relname = $2::name "
							 "  UNION ALL "
							 "  SELECT h.inhrelid FROM pg_catalog.pg_inherits h "
							 "  JOIN tree ON h.inhparent = tree.oid) "
							 "SELECT i.indrelid, ic.relname "
							 "FROM tree JOIN pg_catalog.pg_class ic ON ic.oid = tree.oid "
							 "JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid "
							 "WHERE ic.relname <> $2::name ORDER BY 2",
							 2, argtypes, values);
}

/*
 * The partitions' indexes of a copied index on a partitioned table were
 * named after the copy (build_on_partitions): now that the index has its
 * name, each takes the name the partition's index of the old column had
 * (originals: rows of partition_index_names), or <index>_<partition>, where
 * that name is free.
 */
static void
rename_partition_indexes(const char *nsp, const char *index, List *originals)
{
	ListCell   *lc;

	foreach(lc, partition_index_names(nsp, index))
	{
		char	  **row = lfirst(lc);
		char	   *name = NULL;
		ListCell   *lo;

		foreach(lo, originals)
		{
			char	  **original = lfirst(lo);

			if (strcmp(original[0], row[0]) == 0)
				name = original[1];
		}
		if (name == NULL || OidIsValid(get_relname_relid(name, get_namespace_oid(nsp, false))))
			name = op_internal_name("", psprintf("%s_%s", index,
												 get_rel_name((Oid) strtoul(row[0], NULL, 10))));
		if (!OidIsValid(get_relname_relid(name, get_namespace_oid(nsp, false))))
			pgroll_ddlf("ALTER INDEX %s RENAME TO %s", pgroll_qualified(nsp, row[1]),
						quote_identifier(name));
	}
}

/*
 * An index or constraint made on an old column while the migration was
 * active has no copy: complete would drop it with the column.  Refused,
 * named, rather than lost (what the migration drops itself, and the copies'
 * originals, are not such objects).
 */
static void
check_no_new_objects(SavedCopies *saved)
{
	Oid			argtypes[4] = {OIDARRAYOID, INT2ARRAYOID, TEXTARRAYOID, TEXTOID};
	Datum		values[4];
	int			n = list_length(saved->copies);
	Datum	   *relids = palloc(sizeof(Datum) * (n + 1));
	Datum	   *attnums = palloc(sizeof(Datum) * (n + 1));
	Datum	   *originals = palloc(sizeof(Datum) * (list_length(saved->objects) + 1));
	int			noriginals = 0;
	List	   *rows;
	ListCell   *lc;

	if (n == 0)
		return;
	foreach(lc, saved->copies)
	{
		char	  **c = lfirst(lc);

		relids[foreach_current_index(lc)] = ObjectIdGetDatum((Oid) strtoul(c[0], NULL, 10));
		attnums[foreach_current_index(lc)] = Int16GetDatum((int16) atoi(c[1]));
	}
	foreach(lc, saved->objects)
		originals[noriginals++] = CStringGetTextDatum(((char **) lfirst(lc))[3]);
	values[0] = PointerGetDatum(construct_array(relids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(attnums, n, INT2OID, sizeof(int16), true,
												TYPALIGN_SHORT));
	values[2] = PointerGetDatum(construct_array(originals, noriginals, TEXTOID, -1, false,
												TYPALIGN_INT));
	values[3] = CStringGetTextDatum(saved->migration);
	rows = pgroll_query_rows("WITH cols(relid, attnum) AS ("
							 "  SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), "
							 "                           pg_catalog.unnest($2::pg_catalog.int2[]))), "
							 "dropped(name) AS ("
							 "  SELECT pg_catalog.jsonb_path_query(m.migration, "
							 "    '$.operations[*].*.name ? (@.type() == \"string\")') #>> '{}' "
							 "  FROM pgroll.migrations m "
							 "  WHERE m.name = $4 AND m.schema = (SELECT n.nspname FROM pg_catalog.pg_class c "
							 "    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
							 "    WHERE c.oid = $1[1]) "
							 "  UNION ALL "
							 /* reported at start as not carried over: "foreign key "x"", "index "x"" */
							 "  SELECT pg_catalog.substring(s.object, '\"(.*)\"$') "
							 "  FROM pgroll.skipped_objects s WHERE s.migration = $4) "
							 "SELECT pg_catalog.format('index %I on %s', ic.relname, cols.relid::pg_catalog.regclass) "
							 "FROM cols JOIN pg_catalog.pg_depend d "
							 "  ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
							 " AND d.refobjid = cols.relid AND d.refobjsubid = cols.attnum "
							 "JOIN pg_catalog.pg_class ic ON ic.oid = d.objid AND ic.relkind IN ('i', 'I') "
							 "WHERE ic.relname::pg_catalog.text <> ALL ($3) "
							 "  AND ic.relname::pg_catalog.text NOT IN (SELECT name FROM dropped) "
							 "  AND ic.relname::pg_catalog.text NOT LIKE '\\_pgroll\\_%' "
							 "  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = ic.oid "
							 "                  AND k.conname::pg_catalog.text = ANY ($3)) "
							 "UNION "
							 "SELECT pg_catalog.format('constraint %I on %s', k.conname, k.conrelid::pg_catalog.regclass) "
							 "FROM cols JOIN pg_catalog.pg_constraint k "
							 "  ON (k.conrelid = cols.relid AND cols.attnum = ANY (k.conkey)) "
							 "  OR (k.confrelid = cols.relid AND cols.attnum = ANY (k.confkey)) "
							 "WHERE k.contype IN ('c', 'f', 'u', 'p', 'x') "
							 "  AND k.conname::pg_catalog.text <> ALL ($3) "
							 "  AND k.conname::pg_catalog.text NOT IN (SELECT name FROM dropped) "
							 "  AND k.conname::pg_catalog.text NOT LIKE '\\_pgroll\\_%' "
							 "ORDER BY 1",
							 4, argtypes, values);
	if (rows == NIL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s was made on a column the migration rewrites while the migration was active",
					((char **) linitial(rows))[0]),
			 errdetail("It has no copy on the new column, and complete would drop it with the "
					   "old column."),
			 errhint("Drop it and make it again after complete, or roll the migration back "
					 "with pgroll.rollback().")));
}

/*
 * Swap each copy in: the old column goes, the copy takes its name, NOT
 * NULL for real (the validated check spares the scan), the copied objects
 * their names, an identity comes back with its sequence's position.
 */
void
column_copies_complete(SavedCopies *saved)
{
	List	   *objects = saved->objects;
	List	   *copies = saved->copies;
	List	   *renamed = NIL;
	List	   *replica_identities = NIL;
	List	   *clustered = NIL;
	List	   *partition_indexes = NIL;	/* per object: rows of partition_index_names */
	CarryOver  *carry;
	ListCell   *lc;

	check_copies_present(saved);

	/*
	 * A copy takes the name of the constraint it stands for, as that is
	 * now: a rename_constraint of the same migration has renamed it.
	 */
	foreach(lc, objects)
	{
		char	  **o = lfirst(lc);
		char	   *current = o[6] ? get_constraint_name((Oid) strtoul(o[6], NULL, 10)) : NULL;

		if (current != NULL)
			o[3] = current;
	}
	check_no_new_objects(saved);

	/* foreign keys of other tables on the old column, and sequences it owns */
	foreach(lc, objects)
	{
		char	  **o = lfirst(lc);
		Oid			relid = (Oid) strtoul(o[1], NULL, 10);

		if (strcmp(o[0], "foreign_key") == 0 && o[4] != NULL)
			pgroll_ddlf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
						pgroll_relation_name(relid), quote_identifier(o[3]));
	}

	/* an index over an old column that is the replica identity or clusters the table: its copy will */
	foreach(lc, objects)
	{
		char	  **o = lfirst(lc);
		ListCell   *lr;
		Oid			argtypes[3] = {OIDOID, TEXTOID, OIDOID};
		Datum		values[3] = {ObjectIdGetDatum((Oid) strtoul(o[1], NULL, 10)),
		CStringGetTextDatum(o[3]), ObjectIdGetDatum(o[6] ? (Oid) strtoul(o[6], NULL, 10) : InvalidOid)};

		if (strcmp(o[0], "index") != 0 && strcmp(o[0], "unique") != 0 &&
			strcmp(o[0], "primary_key") != 0)
			continue;
		foreach(lr, pgroll_query_rows("SELECT i.indisreplident, i.indisclustered "
									  "FROM pg_catalog.pg_index i "
									  "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
									  "WHERE i.indrelid = $1 "
									  "  AND (ic.relname = $2::name OR i.indexrelid = "
									  "       (SELECT conindid FROM pg_catalog.pg_constraint WHERE oid = $3))",
									  3, argtypes, values))
		{
			char	  **flags = lfirst(lr);

			if (strcmp(flags[0], "t") == 0)
				replica_identities = lappend(replica_identities, o);
			if (strcmp(flags[1], "t") == 0)
				clustered = lappend(clustered, o);
		}
	}

	/* the names of the partitions' indexes of an index over an old column */
	foreach(lc, objects)
	{
		char	  **o = lfirst(lc);
		Oid			relid = (Oid) strtoul(o[1], NULL, 10);
		List	   *names = NIL;

		if (strcmp(o[0], "index") == 0)
			names = partition_index_names(get_namespace_name(get_rel_namespace(relid)), o[3]);
		partition_indexes = lappend(partition_indexes, names);
	}

	/* views and statistics objects over the old columns follow their copies */
	carry = carry_over_save(replaced_columns(copies, true));
	carry_over_drop(carry);

	foreach(lc, copies)
	{
		char	  **c = lfirst(lc);
		Oid			relid = (Oid) strtoul(c[0], NULL, 10);
		AttrNumber	old_attnum = (AttrNumber) atoi(c[1]);
		AttrNumber	new_attnum = (AttrNumber) atoi(c[2]);
		char	   *rel = pgroll_relation_name(relid);
		char	   *name = c[3];
		char	   *identity_opts = NULL;
		char	   *serial_default = NULL;
		char	   *identity_acl = NULL;
		Oid			identity_owner = InvalidOid;
		char	   *current;
		char	   *old_name;
		ListCell   *lo;

		/* a sequence the old column owns (a serial's) goes over to the copy */
		foreach(lo, owned_sequences(relid, old_attnum))
			pgroll_ddlf("ALTER SEQUENCE %s OWNED BY %s.%s", (char *) lfirst(lo), rel,
						pgroll_column_name(relid, new_attnum));
		if (c[5][0] == 'a' || c[5][0] == 'd')
		{
			identity_opts = identity_options(relid, old_attnum);
			identity_acl = sequence_acl(relid, old_attnum, &identity_owner);
		}
		/* a serial's copy takes the old column's default, which drew its numbers */
		if (c[5][0] == 's')
			serial_default = column_default(relid, old_attnum);

		/* the copy's default uses the identity's sequence, which goes with the column */
		if (identity_opts != NULL)
			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", rel,
						pgroll_column_name(relid, new_attnum));
		old_name = get_attname(relid, old_attnum, false);
		pgroll_ddlf("ALTER TABLE %s DROP COLUMN %s", rel, quote_identifier(old_name));
		current = get_attname(relid, new_attnum, false);
		if (pgroll_is_internal_name(current))
		{
			op_rename_column(relid, current, name);
			current = name;
		}
		/* carried-over views name the column as they knew it: for now it has that name */
		if (carry != NULL && strcmp(current, old_name) != 0)
		{
			op_rename_column(relid, current, old_name);
			renamed = lappend(renamed, list_make3(c[0], old_name, current));
		}
		if (strcmp(c[4], "t") == 0)
		{
			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", rel,
						pgroll_column_name(relid, new_attnum));
			pgroll_ddlf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", rel,
						quote_identifier(op_internal_name(NOT_NULL_PREFIX, name)));
		}
		if (serial_default != NULL)
		{
			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", rel,
						pgroll_column_name(relid, new_attnum), serial_default);
		}
		if (identity_opts != NULL)
		{
			char	   *col = pgroll_column_name(relid, new_attnum);

			pgroll_ddlf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (%s)",
						rel, col, c[5][0] == 'a' ? "ALWAYS" : "BY DEFAULT", identity_opts);
			/* the identity's new sequence gets the grants the old one had */
			if (identity_acl != NULL)
				privileges_restore(psprintf("SEQUENCE %s",
											identity_sequence(relid, new_attnum)),
								   NULL, identity_acl, identity_owner, 's');
		}
	}
	/* the copied objects take their names */
	foreach(lc, objects)
	{
		char	  **o = lfirst(lc);
		Oid			relid = (Oid) strtoul(o[1], NULL, 10);
		char	   *rel = pgroll_relation_name(relid);
		const char *copy = quote_identifier(o[2]);
		const char *original = quote_identifier(o[3]);

		if (strcmp(o[0], "check") == 0 || strcmp(o[0], "foreign_key") == 0)
		{
			if (strcmp(o[2], o[3]) != 0)
				pgroll_ddlf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", rel, copy, original);
		}
		else if (strcmp(o[0], "index") == 0)
		{
			char	   *nsp = get_namespace_name(get_rel_namespace(relid));

			pgroll_ddlf("ALTER INDEX %s RENAME TO %s", pgroll_qualified(nsp, o[2]), original);
			rename_partition_indexes(nsp, o[3],
									 list_nth(partition_indexes, foreach_current_index(lc)));
		}
		else if (strcmp(o[0], "unique") == 0 &&
				 OidIsValid(get_relation_constraint_oid(relid, o[2], true)))
			pgroll_ddlf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", rel, copy, original);
		else if (strcmp(o[0], "unique") == 0 || strcmp(o[0], "primary_key") == 0)
			pgroll_ddlf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s", rel, original,
						strcmp(o[0], "unique") == 0 ? "UNIQUE" : "PRIMARY KEY", copy,
						o[5] ? o[5] : "");
	}

	foreach(lc, replica_identities)
	{
		char	  **o = lfirst(lc);

		pgroll_ddlf("ALTER TABLE %s REPLICA IDENTITY USING INDEX %s",
					pgroll_relation_name((Oid) strtoul(o[1], NULL, 10)), quote_identifier(o[3]));
	}
	foreach(lc, clustered)
	{
		char	  **o = lfirst(lc);

		pgroll_ddlf("ALTER TABLE %s CLUSTER ON %s",
					pgroll_relation_name((Oid) strtoul(o[1], NULL, 10)), quote_identifier(o[3]));
	}

	/*
	 * The views, once the copies are the table's constraints (a view may
	 * group by the primary key), then the columns their final names.
	 */
	carry_over_restore(carry);
	foreach(lc, renamed)
	{
		List	   *r = lfirst(lc);

		op_rename_column((Oid) strtoul(linitial(r), NULL, 10), lsecond(r), lthird(r));
	}
}

char *
column_copies_incomplete(const char *schema, const char *migration)
{
	List	   *problems;

	problems = owner_rows("SELECT pg_catalog.format('%s \"%s\" (copied as \"%s\" on %s) %s', "
						  "       o.kind, o.original, o.copy_name, o.relid::pg_catalog.regclass, "
						  "       CASE WHEN o.kind IN ('check', 'foreign_key') THEN "
						  "              CASE WHEN c.oid IS NULL THEN 'is missing' "
						  "                   WHEN NOT c.convalidated THEN 'is not validated' END "
						  "            ELSE CASE WHEN i.indexrelid IS NULL THEN 'is missing' "
						  "                      WHEN NOT i.indisvalid THEN 'is not valid' END END) "
						  "FROM pgroll.copied_objects o "
						  "JOIN pg_catalog.pg_class t ON t.oid = o.relid "
						  "LEFT JOIN pg_catalog.pg_constraint c "
						  "       ON o.kind IN ('check', 'foreign_key') "
						  "      AND c.conrelid = o.relid AND c.conname = o.copy_name "
						  "LEFT JOIN pg_catalog.pg_class ic "
						  "       ON o.kind IN ('unique', 'primary_key', 'index') "
						  "      AND ic.relnamespace = t.relnamespace AND ic.relname = o.copy_name "
						  "      AND ic.relkind IN ('i', 'I') "
						  "LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid "
						  "WHERE o.schema = $1::name AND o.migration = $2 AND o.kind <> 'sequence' "
						  "  AND CASE WHEN o.kind IN ('check', 'foreign_key') "
						  "           THEN c.oid IS NULL OR NOT c.convalidated "
						  "           ELSE i.indexrelid IS NULL OR NOT i.indisvalid END "
						  "UNION ALL "
						  /* the NOT VALID checks that stand for NOT NULL on the copies */
						  "SELECT pg_catalog.format('NOT NULL check \"%s\" on %s is not validated', "
						  "       c.conname, c.conrelid::pg_catalog.regclass) "
						  "FROM pgroll.column_copies cc "
						  "JOIN pg_catalog.pg_constraint c ON c.conrelid = cc.relid "
						  "WHERE cc.schema = $1::name AND cc.migration = $2 AND c.contype = 'c' "
						  "  AND c.conname::pg_catalog.text LIKE '" NOT_NULL_PREFIX_LIKE "%' "
						  "  AND NOT c.convalidated "
						  "LIMIT 1",
						  schema, migration);
	return problems == NIL ? NULL : ((char **) linitial(problems))[0];
}

/* Drop the copies with everything on them (copies of foreign keys elsewhere too) */
void
column_copies_rollback(SavedCopies *saved)
{
	ListCell   *lc;

	foreach(lc, saved->copies)
	{
		char	  **c = lfirst(lc);

		/* a copy already gone has nothing left to drop */
		if (c[2] != NULL)
			pgroll_ddlf("ALTER TABLE %s DROP COLUMN %s CASCADE",
						pgroll_relation_name((Oid) strtoul(c[0], NULL, 10)),
						quote_identifier(c[7]));
	}
}
