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
 * start and validate check that "up" and "down" parse, so that a typo is
 * not found only when complete or rollback runs them.  Only the syntax:
 * they may use objects that earlier statements create, so they are not
 * analyzed.
 *
 * src/ops/raw_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "parser/parser.h"

#include "ddl.h"
#include "ops/ops.h"

static void
parse_fn(void *arg)
{
	(void) raw_parser((const char *) arg, RAW_PARSE_DEFAULT);
}

/* A syntax error in sql is an error naming path */
static void
check_syntax(const char *sql, const char *path)
{
	op_try(path, parse_fn, (void *) sql);
}

static void
raw_sql_start(PgrollOperation *op, OpContext *ctx)
{
	PgrollSql  *sql = &op->u.sql;

	check_syntax(sql->up, op_path(ctx, "up"));
	if (sql->down != NULL)
		check_syntax(sql->down, op_path(ctx, "down"));
	if (sql->on_complete || !ctx->execute)
		return;
	pgroll_exec_script(sql->up, ctx->schema);
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
