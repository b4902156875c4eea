/*-------------------------------------------------------------------------
 *
 * create_index.c
 *	  create_index: built with CREATE INDEX CONCURRENTLY by the worker.
 *
 * start	check the index, queue the concurrent build (after the table's
 *			backfill, if it has one, so the build sees the final values)
 * complete	nothing (complete waits until the build is done)
 * rollback	queue DROP INDEX CONCURRENTLY (also removes an invalid index a
 *			failed or interrupted build left behind)
 *
 * On a partitioned table: the index on the parent alone, then each leaf
 * partition's built concurrently and attached (build_on_partitions).
 *
 * Columns and the predicate use the new version's names; a column added by
 * the same migration is indexed under its _pgroll_new_ name.
 *
 * The build runs after start has committed, where a mistake can only make
 * the job fail.  So start (and validate) check everything first: the
 * collations and operator classes by name, then the whole definition by
 * building it on an empty stand-in table that is rolled back.
 *
 * src/ops/create_index.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/varlena.h"

#include "ddl.h"
#include "expr.h"
#include "jobs.h"
#include "ops/ops.h"

/*
 * The qualified name a document's collation or operator class name stands
 * for: the whole string when an object has that name (collation names such
 * as "en_US.utf8" have dots in them), else "schema.name", split at the
 * first dot.  exists(names, arg) looks an object up without error.
 */
static List *
object_names(const char *name, bool (*exists) (List *names, void *arg), void *arg)
{
	List	   *whole = list_make1(makeString(pstrdup(name)));
	const char *dot = strchr(name, '.');

	if (dot == NULL || exists(whole, arg))
		return whole;
	return list_make2(makeString(pnstrdup(name, dot - name)),
					  makeString(pstrdup(dot + 1)));
}

static bool
collation_exists(List *names, void *arg)
{
	return OidIsValid(get_collation_oid(names, true));
}

static bool
opclass_exists(List *names, void *arg)
{
	return OidIsValid(get_opclass_oid(*(Oid *) arg, names, true));
}

static List *
collation_names(const char *name)
{
	return object_names(name, collation_exists, NULL);
}

static List *
opclass_names(const char *name, Oid amoid)
{
	return object_names(name, opclass_exists, &amoid);
}

/*
 * What follows "CREATE INDEX name ON relation" for ci, whose columns are
 * named names (one per index column, in order); predicate is the
 * condition as SQL for the table, or NULL.
 */
static char *
index_definition(PgrollCreateIndex *ci, Oid amoid, List *names, const char *predicate)
{
	StringInfoData sql;
	ListCell   *lc;
	ListCell   *ln;

	initStringInfo(&sql);
	if (ci->method)
		appendStringInfo(&sql, "USING %s ", quote_identifier(ci->method));
	appendStringInfoString(&sql, "(");
	forboth(lc, ci->columns, ln, names)
	{
		PgrollIndexField *f = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&sql, ", ");
		appendStringInfoString(&sql, quote_identifier(lfirst(ln)));
		if (f->collate)
			appendStringInfo(&sql, " COLLATE %s",
							 NameListToQuotedString(collation_names(f->collate)));
		if (f->opclass_name)
		{
			appendStringInfo(&sql, " %s",
							 NameListToQuotedString(opclass_names(f->opclass_name, amoid)));
			if (f->opclass_params != NIL)
			{
				ListCell   *lp;

				appendStringInfoString(&sql, " (");
				foreach(lp, f->opclass_params)
					appendStringInfo(&sql, "%s%s", foreach_current_index(lp) ? ", " : "",
									 (char *) lfirst(lp));
				appendStringInfoChar(&sql, ')');
			}
		}
		if (f->sort)
			appendStringInfo(&sql, " %s", f->sort);
		if (f->nulls)
			appendStringInfo(&sql, " NULLS %s", f->nulls);
	}
	appendStringInfoChar(&sql, ')');
	if (ci->storage_parameters)
		appendStringInfo(&sql, " WITH (%s)", ci->storage_parameters);
	if (predicate)
		appendStringInfo(&sql, " WHERE %s", predicate);
	return sql.data;
}

static char *
index_statement(PgrollCreateIndex *ci, Oid amoid, bool concurrently, const char *index_name,
				const char *relation, List *names, const char *predicate)
{
	return psprintf("CREATE %sINDEX %s%s ON %s %s", ci->unique ? "UNIQUE " : "",
					concurrently ? "CONCURRENTLY " : "", quote_identifier(index_name),
					relation, index_definition(ci, amoid, names, predicate));
}

/*
 * The collation and operator class of each column exist and fit its type
 * in the new version, with PostgreSQL's messages and SQLSTATEs, naming the
 * field.
 */
static void
check_fields(PgrollCreateIndex *ci, OpContext *ctx, ModelTable *table, Oid amoid)
{
	const char *method = ci->method ? ci->method : "btree";
	ListCell   *lc;

	foreach(lc, ci->columns)
	{
		PgrollIndexField *f = lfirst(lc);
		ModelColumn *col = model_get_column(table, f->column, op_path(ctx, "columns"));
		char	   *path = psprintf("%s.columns[%d]", ctx->path, foreach_current_index(lc));

		if (!OidIsValid(col->type))
			continue;			/* not known before the table is created */

		if (f->collate)
		{
			if (!OidIsValid(get_collation_oid(collation_names(f->collate), true)))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("%s.collate: collation \"%s\" for encoding \"%s\" does not exist",
								path, f->collate, GetDatabaseEncodingName())));
			if (!type_is_collatable(col->type))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("%s.collate: collations are not supported by type %s",
								path, format_type_be(col->type))));
		}

		if (f->opclass_name)
		{
			Oid			opclass = get_opclass_oid(amoid, opclass_names(f->opclass_name, amoid),
												  true);

			if (!OidIsValid(opclass))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("%s.opclass.name: operator class \"%s\" does not exist for access method \"%s\"",
								path, f->opclass_name, method)));
			if (!IsBinaryCoercible(col->type, get_opclass_input_type(opclass)))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("%s.opclass.name: operator class \"%s\" does not accept data type %s",
								path, f->opclass_name, format_type_be(col->type))));
		}
		else if (!OidIsValid(GetDefaultOpClass(col->type, amoid)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("%s.column: data type %s has no default operator class for access method \"%s\"",
							path, format_type_be(col->type), method),
					 errhint("Give an operator class (\"opclass\") for the column.")));
	}
}

/*
 * The collation a column has (or, only planned, will have) in the new
 * version.
 */
static Oid
column_collation(ModelTable *table, ModelColumn *col)
{
	AttrNumber	attnum = get_attnum(table->relid, col->physical);
	Oid			type;
	int32		typmod;
	Oid			collation;

	/* a planned copy of the same type keeps the old column's collation */
	if (attnum == InvalidAttrNumber && col->source != NULL)
		attnum = get_attnum(table->relid, col->source);
	if (attnum == InvalidAttrNumber)
		return get_typcollation(col->type);
	get_atttypetypmodcoll(table->relid, attnum, &type, &typmod, &collation);
	return type == col->type ? collation : get_typcollation(col->type);
}

typedef struct IndexTrial
{
	char	   *table_sql;
	char	   *index_sql;
} IndexTrial;

static void
run_index_trial(void *arg)
{
	IndexTrial *trial = arg;

	pgroll_ddl(trial->table_sql);
	pgroll_ddl(trial->index_sql);
}

/*
 * Build the index on an empty table with the same columns (under their
 * names and types in the new version), in a subtransaction that is rolled
 * back.  Whatever CREATE INDEX checks (operator class parameters, storage
 * parameters, what the access method supports, an immutable predicate) is
 * then checked now.  Takes no lock on the user's table.
 */
static void
try_index(PgrollCreateIndex *ci, OpContext *ctx, ModelTable *table, Oid amoid)
{
	char	   *stand_in = pgroll_qualified(ctx->schema,
											psprintf(PGROLL_PREFIX "trial_%d", MyProcPid));
	StringInfoData sql;
	IndexTrial	trial;
	List	   *names = NIL;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (", stand_in);
	foreach(lc, table->columns)
	{
		ModelColumn *col = lfirst(lc);
		Oid			collation;

		if (col->hidden)
			continue;
		if (!OidIsValid(col->type))
			return;				/* not known before the table is created */
		appendStringInfo(&sql, "%s%s %s", first ? "" : ", ", quote_identifier(col->name),
						 format_type_with_typemod(col->type, col->typmod));
		collation = column_collation(table, col);
		if (OidIsValid(collation) && collation != get_typcollation(col->type))
			appendStringInfo(&sql, " COLLATE %s", generate_collation_name(collation));
		first = false;
	}
	appendStringInfoChar(&sql, ')');
	trial.table_sql = sql.data;

	foreach(lc, ci->columns)
		names = lappend(names, ((PgrollIndexField *) lfirst(lc))->column);
	trial.index_sql = index_statement(ci, amoid, false, ci->name, stand_in, names,
									  ci->predicate ?
									  psprintf("(%s\n)", ci->predicate) : NULL);

	op_try(ctx->path, run_index_trial, &trial);
}

/*
 * A partitioned table's index cannot be built concurrently (PostgreSQL's
 * rule).  So: the index on the parent alone (ON ONLY: an empty, invalid
 * index, made at once), the same on every sub-partitioned partition,
 * attached to its parent's; then, for each leaf partition, a concurrent
 * build by the worker and the attach.  Once every partition's index is
 * attached the parent's index is valid.  The partitions' indexes are
 * named <index>_<partition>.
 */
static char *
build_on_partitions(OpContext *ctx, TableSync *sync, Oid relid, const char *name,
					bool unique, const char *definition, const char *description)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	const char *create = unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX";
	List	   *parts = NIL;
	List	   *index_of = NIL;	/* pairs: partition relid, its index name */
	StringInfoData names;
	ListCell   *lc;

	if (SPI_execute_with_args("SELECT t.relid, t.parentrelid, t.isleaf "
							  "FROM pg_catalog.pg_partition_tree($1) t "
							  "WHERE t.level > 0 ORDER BY t.level, t.relid",
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the partitions of \"%s\"", get_rel_name(relid));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid		   *p = palloc(sizeof(Oid) * 3);

		p[0] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		p[1] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		p[2] = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		parts = lappend(parts, p);
	}

	pgroll_ddlf("%s %s ON ONLY %s %s", create, quote_identifier(name),
				pgroll_relation_name(relid), definition);
	index_of = lappend(index_of, list_make2(&relid, (char *) name));

	initStringInfo(&names);
	appendStringInfoString(&names, quote_identifier(name));
	foreach(lc, parts)
	{
		Oid		   *p = lfirst(lc);
		char	   *part_index = op_internal_name("", psprintf("%s_%s", name, get_rel_name(p[0])));
		char	   *parent_index = NULL;
		char	   *attach;
		ListCell   *li;

		/* the worker looks for a partition's index in the migrated schema */
		if (get_rel_namespace(p[0]) != ctx->nspid)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s: partition \"%s\" of table \"%s\" is in another schema",
							ctx->path, pgroll_relation_name(p[0]), get_rel_name(relid)),
					 errhint("Move the partition into schema \"%s\" first.", ctx->schema)));
		if (OidIsValid(get_relname_relid(part_index, ctx->nspid)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
							ctx->path, part_index, ctx->schema),
					 errdetail("It is the name of the index on partition \"%s\".",
							   get_rel_name(p[0]))));
		foreach(li, index_of)
		{
			List	   *pair = lfirst(li);

			if (*(Oid *) linitial(pair) == p[1])
				parent_index = lsecond(pair);
		}
		Assert(parent_index != NULL);
		attach = psprintf("ALTER INDEX %s ATTACH PARTITION %s",
						  pgroll_qualified(ctx->schema, parent_index),
						  pgroll_qualified(ctx->schema, part_index));
		if (!p[2])
		{
			/* sub-partitioned: its own ON ONLY index, attached at once */
			pgroll_ddlf("%s %s ON ONLY %s %s", create, quote_identifier(part_index),
						pgroll_relation_name(p[0]), definition);
			pgroll_ddl(attach);
			index_of = lappend(index_of, list_make2(&p[0], part_index));
		}
		else
		{
			sync_add_job(sync, psprintf("%s on partition %s", description, get_rel_name(p[0])),
						 psprintf("%s CONCURRENTLY %s ON %s %s", create,
								  quote_identifier(part_index), pgroll_relation_name(p[0]),
								  definition),
						 part_index);
			sync_add_job(sync, psprintf("attach index %s to %s", part_index, parent_index),
						 attach, NULL);
		}
		appendStringInfo(&names, ",%s", quote_identifier(part_index));
	}
	return names.data;
}

char *
op_queue_index_build(OpContext *ctx, TableSync *sync, Oid relid, const char *name,
					 bool unique, const char *definition, const char *description)
{
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		return build_on_partitions(ctx, sync, relid, name, unique, definition, description);
	sync_add_job(sync, description,
				 psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s %s", unique ? "UNIQUE " : "",
						  quote_identifier(name), pgroll_relation_name(relid), definition),
				 name);
	return NULL;
}

static void
create_index_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollCreateIndex *ci = &op->u.create_index;
	ModelTable *table = model_get_table(ctx->model, ci->table, op_path(ctx, "table"));
	const char *method = ci->method ? ci->method : "btree";
	Oid			amoid;
	ListCell   *lc;
	List	   *physical = NIL;
	char	   *predicate = NULL;
	char	   *sql;
	List	   *parsed;

	model_check_not_reserved(ci->name, op_path(ctx, "name"));
	if (model_has_index(ctx->model, ci->name) ||
		OidIsValid(get_relname_relid(ci->name, ctx->nspid)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("%s: relation \"%s\" already exists in schema \"%s\"",
						op_path(ctx, "name"), ci->name, ctx->schema)));
	foreach(lc, ci->columns)
		physical = lappend(physical,
						   model_get_column(table, ((PgrollIndexField *) lfirst(lc))->column,
											psprintf("%s.columns[%d].column", ctx->path,
													 foreach_current_index(lc)))->physical);
	table->indexes = lappend(table->indexes, ci->name);

	amoid = get_index_am_oid(method, true);
	if (!OidIsValid(amoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s: access method \"%s\" does not exist",
						op_path(ctx, "method"), method)));

	if (!OidIsValid(op_table_relid(ctx, table)))
	{
		/* validate, read-only: the table is planned, not created */
		check_fields(ci, ctx, table, amoid);
		return;
	}

	/*
	 * The worker runs the statement later: every fragment must be right
	 * now.  validate has no columns to rewrite the predicate for (a column
	 * this migration adds is only planned), so it checks the predicate and
	 * the statement with the predicate as written.
	 */
	if (ci->predicate && ctx->execute)
		predicate = expr_to_table_sql(ci->predicate, table->relid,
									  op_table_scope(ctx, table),
									  op_path(ctx, "predicate"));
	else if (ci->predicate)
	{
		expr_check_table_condition(ci->predicate, op_table_scope(ctx, table),
								   op_path(ctx, "predicate"));
		predicate = psprintf("(%s\n)", ci->predicate);
	}
	sql = index_statement(ci, amoid, true, ci->name, pgroll_relation_name(table->relid),
						  physical, predicate);
	parsed = pg_parse_query(sql);
	if (list_length(parsed) != 1 || !IsA(linitial_node(RawStmt, parsed)->stmt, IndexStmt))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s: a SQL fragment of the index definition ends the statement",
						ctx->path),
				 errdetail("Generated statement: %s", sql)));

	check_fields(ci, ctx, table, amoid);
	if (ctx->execute || ctx->try_ddl)
		try_index(ci, ctx, table, amoid);
	if (!ctx->execute)
		return;

	ctx->state->relid = table->relid;
	/* on a partitioned table: the partitions' indexes, for rollback */
	ctx->state->saved = op_queue_index_build(ctx, sync_table(ctx->sync, table->relid),
											 table->relid, ci->name, ci->unique,
											 index_definition(ci, amoid, physical, predicate),
											 psprintf("create index %s", ci->name));
	if (ctx->state->saved == NULL)
		ctx->state->saved = pstrdup(ci->name);
}

static void
create_index_complete(PgrollOperation *op, OpContext *ctx)
{
}

static void
create_index_rollback(PgrollOperation *op, OpContext *ctx)
{
	List	   *names = NIL;
	ListCell   *lc;

	/*
	 * On a partitioned table (the state lists the partitions' indexes):
	 * a partitioned index cannot be dropped concurrently.  Dropping it
	 * drops the attached partitions' indexes; those not attached yet (a
	 * build the rollback interrupted) are dropped one by one.
	 */
	if (ctx->state->saved != NULL && strchr(ctx->state->saved, ',') != NULL &&
		SplitIdentifierString(pstrdup(ctx->state->saved), ',', &names))
	{
		foreach(lc, names)
			pgroll_ddlf("DROP INDEX IF EXISTS %s",
						pgroll_qualified(ctx->schema, lfirst(lc)));
		return;
	}
	jobs_enqueue_statement(ctx->schema, ctx->migration, "rollback",
						   psprintf("drop index %s", op->u.create_index.name),
						   psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
									pgroll_qualified(ctx->schema, op->u.create_index.name)),
						   NULL);
}

const OpMethods create_index_methods = {
	.start = create_index_start,
	.complete = create_index_complete,
	.rollback = create_index_rollback,
};
