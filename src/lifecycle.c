/*-------------------------------------------------------------------------
 *
 * lifecycle.c
 *	  pgroll.start, pgroll.complete, pgroll.rollback and pgroll.validate.
 *
 * Each runs in the caller's transaction and is all-or-nothing: an error
 * anywhere aborts the caller's transaction, and with it every table,
 * column, view, schema and history row the call made.  A per-schema lock
 * serialises the calls on one schema; calls on different schemas do not
 * wait for each other.
 *
 * src/lifecycle.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "backfill.h"
#include "ddl.h"
#include "document.h"
#include "faults.h"
#include "history.h"
#include "jobs.h"
#include "locks.h"
#include "model.h"
#include "ops/copies.h"
#include "ops/ops.h"
#include "privileges.h"
#include "subxact.h"
#include "triggers.h"
#include "versions.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(pgroll_start);
PG_FUNCTION_INFO_V1(pgroll_complete);
PG_FUNCTION_INFO_V1(pgroll_rollback);
PG_FUNCTION_INFO_V1(pgroll_validate);

/* Says which operation an error came from */
typedef struct OpErrorContext
{
	const char *phase;
	PgrollOperation *op;
} OpErrorContext;

static void
op_error_callback(void *arg)
{
	OpErrorContext *ec = arg;

	errcontext("pgroll %s of operation %d (%s)", ec->phase,
			   ec->op->position, pgroll_op_kind_name(ec->op->kind));
}

/*
 * start, complete and rollback change the schema: refuse at once, saying
 * why, in a read-only transaction and on a standby.
 */
/*
 * The library and pgroll's tables must be of one version: after a package
 * upgrade (new library) and before ALTER EXTENSION pgroll UPDATE, the
 * tables are still the old version's.
 */
static void
require_catalog_version(const char *function)
{
	char	   *version = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgroll'", true, 1);
	if (SPI_processed == 1)
		version = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (version != NULL && strcmp(version, PGROLL_CATALOG_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot run %s: pgroll %s is installed in this database, the library is %s",
						function, version, PGROLL_CATALOG_VERSION),
				 errhint("Run ALTER EXTENSION pgroll UPDATE.")));
	SPI_finish();
}

void
pgroll_require_writable(const char *function)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s on a standby", function),
				 errdetail("A migration changes the schema, which only the primary can do."),
				 errhint("Run it on the primary; the standby follows.")));
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s in a read-only transaction", function),
				 errdetail("A migration changes the schema.")));
	require_catalog_version(function);
}

/*
 * The schema to migrate: it must exist and the caller must be allowed to
 * create objects in it (a migration creates tables, columns and views).
 */
static Oid
target_schema(const char *schema)
{
	Oid			nspid = get_namespace_oid(schema, true);
	AclResult	aclresult;

	if (!OidIsValid(nspid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));
	if (pgroll_is_internal_name(schema) || strcmp(schema, "pgroll") == 0 ||
		IsCatalogNamespace(nspid) || isAnyTempNamespace(nspid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema \"%s\" cannot be migrated by pgroll", schema)));

	aclresult = pg_namespace_aclcheck(nspid, GetUserId(), ACL_CREATE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SCHEMA, schema);
	return nspid;
}

/* Refuse documents start cannot apply, before anything is changed */
static void
check_document(PgrollMigration *migration)
{
	ListCell   *lc;

	foreach(lc, migration->operations)
	{
		PgrollOperation *op = lfirst(lc);

		if (pgroll_op_methods(op->kind) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("operations[%d]: operation \"%s\" is not supported yet",
							op->position, pgroll_op_kind_name(op->kind))));

		/* as pgroll: raw SQL run at start cannot be mixed with other ops */
		if (op->kind == PGROLL_OP_SQL && !op->u.sql.on_complete &&
			list_length(migration->operations) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("operations[%d]: operation \"sql\" cannot be executed with other operations",
							op->position),
					 errhint("Put the sql operation in a migration of its own, "
							 "or set \"onComplete\": true.")));
	}
}

/*
 * Apply every operation's start to the model, and with execute also run
 * its DDL and record its state.  Without execute (validate), try_ddl lets
 * the operations try DDL on objects of their own, which the caller rolls
 * back.  Returns the model of the new version.
 */
static Model *
start_operations(PgrollMigration *migration, const char *schema, Oid nspid,
				 const char *name, bool execute, bool try_ddl, SyncPlan *sync)
{
	Model	   *model = model_load(schema, nspid);
	bool		old_on_base = history_latest_version_schema(schema) == NULL;
	ListCell   *lc;

	foreach(lc, migration->operations)
	{
		PgrollOperation *op = lfirst(lc);
		OpContext	ctx = {0};
		OperationState state = {0};
		OpErrorContext ec = {execute ? "start" : "validation", op};
		ErrorContextCallback callback;

		state.position = op->position;
		state.operation = pgroll_op_kind_name(op->kind);
		ctx.schema = schema;
		ctx.nspid = nspid;
		ctx.migration = name;
		ctx.sync = sync;
		ctx.model = model;
		ctx.execute = execute;
		ctx.try_ddl = try_ddl;
		ctx.old_on_base = old_on_base;
		ctx.state = &state;
		ctx.path = psprintf("operations[%d].%s", op->position,
							pgroll_op_kind_name(op->kind));

		callback.callback = op_error_callback;
		callback.arg = &ec;
		callback.previous = error_context_stack;
		error_context_stack = &callback;

		pgroll_op_methods(op->kind)->start(op, &ctx);

		error_context_stack = callback.previous;

		if (execute)
		{
			history_save_state(schema, name, &state);
			CommandCounterIncrement();
			if (ctx.reload_model)
				model = model_load(schema, nspid);
		}
	}

	if (execute)
	{
		OpContext	ctx = {0};

		ctx.schema = schema;
		ctx.nspid = nspid;
		ctx.migration = name;
		ctx.sync = sync;
		ctx.model = model;
		ctx.execute = true;
		column_copies_finish(&ctx);
	}
	return model;
}

/*
 * As with pgroll, a migration's types, defaults and expressions name the
 * schema's objects unqualified: until the returned nest level is closed
 * (AtEOXact_GUC), search_path is the migrated schema.
 */
static int
use_schema_search_path(const char *schema)
{
	return pgroll_push_search_path(pgroll_schema_search_path(schema));
}

/* A text datum in the given context (the caller's, outliving SPI_finish) */
static text *
cstring_to_text_in(MemoryContext context, const char *value)
{
	MemoryContext old = MemoryContextSwitchTo(context);
	text	   *result = cstring_to_text(value);

	MemoryContextSwitchTo(old);
	return result;
}

static char *
migration_name(PgrollMigration *migration, text *name_arg)
{
	char	   *name = name_arg ? text_to_cstring(name_arg) : NULL;

	if (name && migration->name && strcmp(name, migration->name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration name \"%s\" differs from the document's name \"%s\"",
						name, migration->name)));
	if (name == NULL)
		name = migration->name;
	if (name == NULL || name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration name is required"),
				 errhint("Pass it as the name argument of pgroll.start or as the "
						 "document's \"name\" key.")));
	pgroll_check_identifier(name, "migration name");
	return name;
}

/*
 * Everything the trigger and the worker will run for the migration,
 * compiled now: a rule or a batch statement that cannot be built is an
 * error of start, never a failing (or crashing) worker later.
 */
static void
check_worker_statements(SyncPlan *sync, const char *schema)
{
	ListCell   *lc;

	foreach(lc, sync->tables)
	{
		TableSync  *table = lfirst(lc);

		if (table->rules != NIL || table->backfill)
			sync_compile(table->relid);
		if (table->backfill)
			backfill_check(table->relid, schema);
	}
}

/*
 * Open the new version to the roles that can use the base schema: USAGE
 * on the version schema (its views have the tables' grants already).
 * With a backfill, only once it is done (a job queued after it), so that
 * no application role reads a column the backfill has not filled yet.
 */
static void
open_version(SyncPlan *sync, const char *schema, Oid nspid, const char *migration,
			 const char *version_schema)
{
	char	   *usage = privileges_schema_usage_sql(nspid, version_schema);
	ListCell   *lc;

	foreach(lc, sync->tables)
	{
		if (((TableSync *) lfirst(lc))->backfill)
		{
			privileges_close_schema(version_schema);
			if (usage != NULL)
				jobs_enqueue_statement(schema, migration, "start",
									   PRIVILEGES_OPEN_VERSION_JOB,
									   usage, NULL);
			return;
		}
	}
	if (usage != NULL)
		pgroll_ddl(usage);
}

/*
 * pgroll.start(migration jsonb, name text, schema text) returns text
 *
 * Expand: record the migration, run each operation's expand DDL, and
 * create the new version schema.  Returns the version schema's name.
 */
Datum
pgroll_start(PG_FUNCTION_ARGS)
{
	Jsonb	   *document;
	PgrollMigration *migration;
	char	   *schema;
	char	   *name;
	char	   *version_schema;
	Oid			nspid;
	ActiveMigration *active;
	Model	   *model;
	SyncPlan	sync = {0};
	char	   *old_version_schema;
	int			nestlevel;
	MemoryContext caller;
	text	   *result;

	pgroll_require_writable("pgroll.start()");
	pgroll_fault_reset();

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("migration document must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema must not be null")));

	document = PG_GETARG_JSONB_P(0);
	migration = pgroll_parse_migration(document);
	name = migration_name(migration, PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1));
	schema = text_to_cstring(PG_GETARG_TEXT_PP(2));
	check_document(migration);

	nspid = target_schema(schema);
	version_schema = versions_schema_name(schema,
										  migration->version_schema ?
										  migration->version_schema : name);

	caller = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	history_lock_schema(nspid);

	active = history_active(schema);
	if (active != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a migration for schema \"%s\" is already in progress",
						schema),
				 errdetail("Migration \"%s\" is active.", active->name),
				 errhint("Complete it with pgroll.complete() or undo it with "
						 "pgroll.rollback() first.")));
	if (history_exists(schema, name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("migration \"%s\" has already been applied to schema \"%s\"",
						name, schema)));
	/*
	 * Starts on two schemas are not serialised, yet "x" + "y_z" and "x_y" +
	 * "z" name the same version schema: the second waits for the first here
	 * and then sees its schema, rather than failing on the catalog's index.
	 */
	pgroll_lock_name_xact(PGROLL_LOCK_VERSION_SCHEMA, version_schema);
	if (OidIsValid(get_namespace_oid(version_schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_SCHEMA),
				 errmsg("version schema \"%s\" already exists", version_schema),
				 errhint("Choose another migration name or \"version_schema\".")));

	old_version_schema = history_latest_version_schema(schema);
	history_insert(schema, name, document, history_latest(schema));
	CommandCounterIncrement();

	nestlevel = use_schema_search_path(schema);
	model = start_operations(migration, schema, nspid, name, true, false, &sync);
	versions_create(model, version_schema);
	sync_install(&sync, schema, name, version_schema, old_version_schema,
				 migration->version_schema ? migration->version_schema : name);
	open_version(&sync, schema, nspid, name, version_schema);
	column_copies_save(&sync, schema, name);
	CommandCounterIncrement();
	check_worker_statements(&sync, schema);
	AtEOXact_GUC(true, nestlevel);

	/* SPI_finish frees what was allocated since SPI_connect */
	result = cstring_to_text_in(caller, version_schema);
	pgroll_fault_check_swallowed();
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * What start recorded for each operation, in operation order.  Loaded
 * before complete or rollback changes anything: the state names columns,
 * and an earlier operation's complete may rename one a later one names.
 */
static OperationState **
load_operation_states(ActiveMigration *active, const char *schema, bool complete)
{
	PgrollMigration *migration = pgroll_parse_migration(active->document);
	int			n = list_length(migration->operations);
	OperationState **states = palloc0(sizeof(OperationState *) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		PgrollOperation *op = list_nth(migration->operations, i);

		states[i] = history_load_state(schema, active->name, op->position, complete);
	}
	return states;
}

/*
 * Run complete or rollback of every operation of the active migration:
 * complete in operation order, rollback in reverse.
 */
static bool
finish_operations(ActiveMigration *active, const char *schema, Oid nspid,
				  bool complete, OperationState **states)
{
	PgrollMigration *migration = pgroll_parse_migration(active->document);
	int			n = list_length(migration->operations);
	bool		refresh_views = false;

	for (int i = 0; i < n; i++)
	{
		PgrollOperation *op = list_nth(migration->operations,
									   complete ? i : n - 1 - i);
		const OpMethods *methods = pgroll_op_methods(op->kind);
		OpContext	ctx = {0};
		OpErrorContext ec = {complete ? "complete" : "rollback", op};
		ErrorContextCallback callback;

		ctx.schema = schema;
		ctx.nspid = nspid;
		ctx.migration = active->name;
		ctx.execute = true;
		ctx.state = states[complete ? i : n - 1 - i];
		ctx.path = psprintf("operations[%d].%s", op->position,
							pgroll_op_kind_name(op->kind));

		callback.callback = op_error_callback;
		callback.arg = &ec;
		callback.previous = error_context_stack;
		error_context_stack = &callback;

		if (complete)
			methods->complete(op, &ctx);
		else
			methods->rollback(op, &ctx);

		error_context_stack = callback.previous;
		CommandCounterIncrement();
		refresh_views |= ctx.refresh_views;
	}
	return refresh_views;
}

static ActiveMigration *
require_active(const char *schema, Oid nspid, const char *action)
{
	ActiveMigration *active;

	history_lock_schema(nspid);
	active = history_active(schema);
	if (active == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no active migration in schema \"%s\" to %s", schema, action)));
	return active;
}

/* complete refuses: detail says what is wrong, hint what to do */
static void
refuse_complete(ActiveMigration *active, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("migration \"%s\" cannot complete", active->name),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/*
 * What complete relies on, checked rather than assumed: every copied
 * constraint and index in place and valid, the sync triggers never
 * disabled, every row backfilled (whatever row-level security says).
 */
static void
check_complete_invariants(ActiveMigration *active, Oid nspid)
{
	const char *rollback = "Roll the migration back with pgroll.rollback().";
	const char *restart = "Roll the migration back with pgroll.rollback() and start it again.";
	char	   *problem;

	problem = column_copies_incomplete(get_namespace_name(nspid), active->name);
	if (problem != NULL)
		refuse_complete(active, psprintf("The %s.", problem), rollback);
	problem = sync_disabled_table(nspid);
	if (problem != NULL)
		refuse_complete(active,
						psprintf("The sync trigger of table %s was disabled; rows written "
								 "meanwhile may differ between the versions.", problem),
						restart);
	problem = backfill_unfinished_table(nspid);
	if (problem != NULL)
		refuse_complete(active,
						psprintf("Table %s has rows the backfill has not reached.", problem),
						"Rows written while the sync trigger was disabled (ALTER TABLE ... "
						"DISABLE TRIGGER) are not backfilled; roll the migration back with "
						"pgroll.rollback() and start it again.");
}

/*
 * Work is unfinished and no worker runs it (a restored database, a worker
 * that could not start): start one now, not at commit, since complete's
 * refusal rolls the transaction back.  Returns what to add to the refusal.
 */
static const char *
start_idle_worker(const char *schema)
{
	if (worker_is_running(schema))
		return "";
	switch (worker_start(MyDatabaseId, schema))
	{
		case WORKER_STARTED:
			return "; no worker was running it, one has been started";
		case WORKER_DEFERRED:
			return "; no worker is running it, and none can start until a "
				"background worker slot is free";
		case WORKER_NOT_STARTED:
			break;
	}
	return "; no worker is running it, and none could be started";
}

/*
 * pgroll.complete(schema text) returns text
 *
 * Contract: drop the previous version schema, run each operation's
 * contract DDL, mark the migration done.  Returns the migration's name.
 */
Datum
pgroll_complete(PG_FUNCTION_ARGS)
{
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			nspid = target_schema(schema);
	ActiveMigration *active;
	ListCell   *lc;
	char	   *blocking;
	char	   *previous;
	bool		failed = false;
	bool		paused = false;
	bool		refresh;
	OperationState **states;
	SavedCopies *copies;
	Model	   *model;
	MemoryContext caller;
	text	   *result;

	pgroll_require_writable("pgroll.complete()");
	pgroll_fault_reset();

	caller = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	active = require_active(schema, nspid, "complete");

	blocking = jobs_blocking_complete(schema, active->name, &failed, &paused);
	if (blocking != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\" cannot complete yet", active->name),
				 errdetail("%s%s.", blocking, failed || paused ? "" : start_idle_worker(schema)),
				 failed ?
				 errhint("Roll the migration back with pgroll.rollback().") :
				 paused ?
				 errhint("Resume it with SELECT pgroll.resume(%s), then wait for it.",
						 quote_literal_cstr(schema)) :
				 errhint("Wait for the work to finish, e.g. with CALL pgroll.wait(%s).",
						 quote_literal_cstr(schema))));

	check_complete_invariants(active, nspid);
	states = load_operation_states(active, schema, true);
	copies = column_copies_load(schema, active->name);

	/* the previous version is retired; versions retired before are dropped */
	previous = history_parent_version_schema(schema, active->name);
	foreach(lc, history_stale_version_schemas(schema, active->version_schema))
	{
		if (previous != NULL && strcmp(lfirst(lc), previous) == 0)
			versions_retire(previous, active->version_schema);
		else
			versions_drop((char *) lfirst(lc));
	}
	sync_remove(nspid);
	CommandCounterIncrement();

	refresh = finish_operations(active, schema, nspid, true, states);
	column_copies_complete(copies);
	CommandCounterIncrement();
	model = model_load(schema, nspid);
	if (refresh || !versions_complete(model, active->version_schema))
	{
		/*
		 * Raw SQL changed the schema, or views of the new version were
		 * dropped by hand: the new version shows the schema as it is.
		 */
		char	   *usage;

		versions_drop(active->version_schema);
		CommandCounterIncrement();
		versions_create(model, active->version_schema);
		usage = privileges_schema_usage_sql(nspid, active->version_schema);
		if (usage != NULL)
			pgroll_ddl(usage);
	}

	history_mark_done(schema, active->name);

	result = cstring_to_text_in(caller, active->name);
	pgroll_fault_check_swallowed();
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * pgroll.rollback(schema text) returns text
 *
 * Undo the active migration: drop its version schema, undo each
 * operation in reverse order, forget the migration.
 */
Datum
pgroll_rollback(PG_FUNCTION_ARGS)
{
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			nspid = target_schema(schema);
	ActiveMigration *active;
	OperationState **states;
	SavedCopies *copies;
	MemoryContext caller;
	text	   *result;

	pgroll_require_writable("pgroll.rollback()");
	pgroll_fault_reset();

	caller = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	active = require_active(schema, nspid, "roll back");
	states = load_operation_states(active, schema, false);
	copies = column_copies_load(schema, active->name);

	jobs_cancel(schema, active->name);
	versions_drop(active->version_schema);
	sync_remove(nspid);
	column_copies_rollback(copies);
	CommandCounterIncrement();
	(void) finish_operations(active, schema, nspid, false, states);
	history_delete(schema, active->name);

	result = cstring_to_text_in(caller, active->name);
	pgroll_fault_check_swallowed();
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * The checks of start that need the migration's name or version schema,
 * when the document gives them: the version schema's name fits, the
 * version schema does not exist, the migration has not been applied.
 */
static void
validate_names(PgrollMigration *migration, const char *schema)
{
	const char *version = migration->version_schema ?
		migration->version_schema : migration->name;
	char	   *version_schema;

	if (version == NULL)
		return;					/* start takes the name from its argument */
	version_schema = versions_schema_name(schema, version);
	if (migration->name != NULL && history_exists(schema, migration->name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("migration \"%s\" has already been applied to schema \"%s\"",
						migration->name, schema)));
	if (OidIsValid(get_namespace_oid(version_schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_SCHEMA),
				 errmsg("version schema \"%s\" already exists", version_schema),
				 errhint("Choose another migration name or \"version_schema\".")));
}

typedef struct ValidateArgs
{
	PgrollMigration *migration;
	const char *schema;
	Oid			nspid;
	bool		try_ddl;
} ValidateArgs;

static void
validate_operations(void *arg)
{
	ValidateArgs *a = arg;
	SyncPlan	sync = {0};

	(void) start_operations(a->migration, a->schema, a->nspid, NULL, false, a->try_ddl,
							&sync);
}

/*
 * pgroll.validate(migration jsonb, schema text) returns boolean
 *
 * Check a document against the live schema as start would, without
 * changing anything.  Returns true or raises the error start would raise.
 *
 * Everything runs in a subtransaction that is rolled back at the end, error
 * or not: operations may try DDL there that creates objects of their own
 * (create_table creates its table, for PostgreSQL to check the definition
 * and for later operations to see it), never DDL on existing objects, so
 * no lock is taken that the application's queries could wait for.  In a
 * read-only transaction (or on a standby) nothing is tried, and what only
 * DDL can check is left to start.
 */
Datum
pgroll_validate(PG_FUNCTION_ARGS)
{
	PgrollMigration *migration = pgroll_parse_migration(PG_GETARG_JSONB_P(0));
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			nspid;
	int			nestlevel;
	bool		try_ddl = !XactReadOnly;
	ValidateArgs args;

	pgroll_fault_reset();

	check_document(migration);
	nspid = target_schema(schema);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	validate_names(migration, schema);
	nestlevel = use_schema_search_path(schema);

	/* tried and undone, whatever happens; an error is raised as it was */
	args.migration = migration;
	args.schema = schema;
	args.nspid = nspid;
	args.try_ddl = try_ddl;
	(void) pgroll_subxact(validate_operations, &args, false, PGROLL_EXPECT_NOTHING,
						  NULL, NULL);

	AtEOXact_GUC(true, nestlevel);
	pgroll_fault_check_swallowed();
	SPI_finish();

	PG_RETURN_BOOL(true);
}
