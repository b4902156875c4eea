/*-------------------------------------------------------------------------
 *
 * raw_sql.c
 *	  sql: the user's own SQL.
 *
 * start	run "up" (unless onComplete), then re-read the schema
 * complete	with onComplete: run "up", then rebuild the new version's views
 * rollback	run "down" if given
 *
 * The SQL runs as the calling role, with the same lock discipline as the
 * generated DDL, and with search_path set to the migrated schema, so that
 * unqualified names mean its tables (as with pgroll).
 *
 * src/ops/raw_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "ddl.h"
#include "ops/ops.h"

static void
raw_sql_start(PgrollOperation *op, OpContext *ctx)
{
	if (op->u.sql.on_complete || !ctx->execute)
		return;
	pgroll_exec_script(op->u.sql.up, ctx->schema);
	ctx->reload_model = true;
}

static void
raw_sql_complete(PgrollOperation *op, OpContext *ctx)
{
	if (!op->u.sql.on_complete)
		return;
	pgroll_exec_script(op->u.sql.up, ctx->schema);
	ctx->refresh_views = true;
}

static void
raw_sql_rollback(PgrollOperation *op, OpContext *ctx)
{
	if (op->u.sql.down != NULL && !op->u.sql.on_complete)
		pgroll_exec_script(op->u.sql.down, ctx->schema);
}

const OpMethods raw_sql_methods = {
	.start = raw_sql_start,
	.complete = raw_sql_complete,
	.rollback = raw_sql_rollback,
};
