/*-------------------------------------------------------------------------
 *
 * constraint_sql.h
 *	  SQL text for constraint clauses shared by several operations:
 *	  foreign key references, column lists, index parameters.
 *
 * src/ops/constraint_sql.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_CONSTRAINT_SQL_H
#define PGROLL_CONSTRAINT_SQL_H

#include "lib/stringinfo.h"

#include "document.h"
#include "ops/ops.h"

/* "a", "b" */
extern char *quoted_column_list(List *columns);

/*
 * Check that the referenced table and columns exist in the model (self is
 * the table being defined, not yet in the model, or NULL).
 */
extern void check_references(OpContext *ctx, PgrollForeignKey *fk,
							 ModelTable *self, const char *path);

/*
 * REFERENCES t (c, ...) MATCH .. ON DELETE .. ON UPDATE .. [DEFERRABLE ..];
 * on_delete_set_columns name columns of the referencing table, mapped to
 * physical names when it is given (else used as they are).
 */
extern void append_references(StringInfo sql, OpContext *ctx, PgrollForeignKey *fk,
							  ModelTable *referencing);

/* [INCLUDE (..)] [WITH (..)] [USING INDEX TABLESPACE ..] */
extern void append_index_parameters(StringInfo sql, PgrollIndexParameters *params);

#endif							/* PGROLL_CONSTRAINT_SQL_H */
