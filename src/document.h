/*-------------------------------------------------------------------------
 *
 * document.h
 *	  A pgroll migration document (jsonb) parsed into C structures.
 *
 * The parser checks shape only: keys, JSON types, required fields,
 * enumerations and identifier lengths.  Checks against the live catalog
 * belong to the operations (src/ops/).  Every string is palloc'd in the
 * memory context current at parse time.
 *
 * src/document.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_DOCUMENT_H
#define PGROLL_DOCUMENT_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* A JSON value that may be absent, null, or a string (alter_column.default) */
typedef struct PgrollOptString
{
	bool		present;		/* key given */
	bool		is_null;		/* given as JSON null */
	char	   *value;			/* the string when present && !is_null */
} PgrollOptString;

/* A boolean that may be absent */
typedef struct PgrollOptBool
{
	bool		present;
	bool		value;
} PgrollOptBool;

/* { "name", "constraint", "no_inherit" } */
typedef struct PgrollCheck
{
	char	   *name;
	char	   *constraint;
	bool		no_inherit;
} PgrollCheck;

/*
 * A foreign key reference.  Column level (create_table.columns[].references,
 * add_column.column.references, alter_column.references) has name, table and
 * column; table level (constraints[].references, create_constraint.references)
 * has table and columns.  Actions and match type are upper case SQL keywords
 * ("NO ACTION", "SET NULL", "SIMPLE", ...), defaulted when absent.
 */
typedef struct PgrollForeignKey
{
	char	   *name;			/* NULL at table level */
	char	   *table;
	char	   *column;			/* column level only */
	List	   *columns;		/* table level only: list of char * */
	char	   *on_delete;		/* default "NO ACTION" */
	char	   *on_update;		/* default "NO ACTION" */
	char	   *match_type;		/* default "SIMPLE" */
	bool		deferrable;
	bool		initially_deferred;
	List	   *on_delete_set_columns;	/* table level only: list of char * */
} PgrollForeignKey;

/* generated: { "identity": { "sequence_options", "user_specified_values" } } */
typedef struct PgrollIdentity
{
	char	   *sequence_options;	/* raw text inside ( ), or NULL */
	bool		always;			/* user_specified_values ALWAYS (default) vs
								 * BY DEFAULT */
} PgrollIdentity;

typedef struct PgrollColumn
{
	char	   *name;
	char	   *type;
	bool		nullable;		/* default false, as in pgroll */
	bool		unique;
	bool		pk;
	char	   *default_expr;	/* NULL if no default */
	char	   *comment;		/* NULL if none */
	PgrollCheck *check;			/* NULL if none */
	PgrollForeignKey *references;	/* NULL if none */
	char	   *generated_expression;	/* generated.expression, or NULL */
	PgrollIdentity *identity;	/* generated.identity, or NULL */
} PgrollColumn;

typedef struct PgrollIndexParameters
{
	char	   *tablespace;		/* NULL if not given */
	char	   *storage_parameters; /* raw text for WITH ( ), or NULL */
	List	   *include_columns;	/* list of char * */
} PgrollIndexParameters;

typedef struct PgrollExclude
{
	char	   *index_method;	/* NULL means default (btree) */
	char	   *elements;		/* raw "col WITH =, ..." text */
	char	   *predicate;		/* NULL if none */
} PgrollExclude;

typedef enum PgrollConstraintType
{
	PGROLL_CONSTRAINT_UNIQUE,
	PGROLL_CONSTRAINT_CHECK,
	PGROLL_CONSTRAINT_PRIMARY_KEY,
	PGROLL_CONSTRAINT_FOREIGN_KEY,
	PGROLL_CONSTRAINT_EXCLUDE
} PgrollConstraintType;

/* create_table.constraints[] */
typedef struct PgrollConstraint
{
	char	   *name;
	PgrollConstraintType type;
	List	   *columns;		/* list of char * */
	char	   *check;			/* check expression, or NULL */
	PgrollForeignKey *references;	/* table level reference, or NULL */
	bool		deferrable;
	bool		initially_deferred;
	bool		nulls_not_distinct;
	bool		no_inherit;
	PgrollIndexParameters *index_parameters;	/* NULL if not given */
	PgrollExclude *exclude;		/* NULL unless type exclude */
} PgrollConstraint;

/* create_index.columns[] */
typedef struct PgrollIndexField
{
	char	   *column;
	char	   *collate;		/* NULL if none */
	char	   *sort;			/* "ASC", "DESC" or NULL */
	char	   *nulls;			/* "FIRST", "LAST" or NULL */
	char	   *opclass_name;	/* NULL if none */
	List	   *opclass_params; /* list of char *, raw "name = value" text */
} PgrollIndexField;

/* One entry of a { column: expression } map (create_constraint up/down) */
typedef struct PgrollColumnExpr
{
	char	   *column;
	char	   *expr;
} PgrollColumnExpr;

typedef enum PgrollOpKind
{
	PGROLL_OP_CREATE_TABLE,
	PGROLL_OP_ADD_COLUMN,
	PGROLL_OP_ALTER_COLUMN,
	PGROLL_OP_RENAME_COLUMN,
	PGROLL_OP_DROP_COLUMN,
	PGROLL_OP_CREATE_INDEX,
	PGROLL_OP_DROP_INDEX,
	PGROLL_OP_DROP_TABLE,
	PGROLL_OP_RENAME_TABLE,
	PGROLL_OP_SQL,
	PGROLL_OP_CREATE_CONSTRAINT,
	PGROLL_OP_DROP_MULTICOLUMN_CONSTRAINT,
	PGROLL_OP_DROP_CONSTRAINT,
	PGROLL_OP_RENAME_CONSTRAINT,
	PGROLL_OP_SET_REPLICA_IDENTITY
} PgrollOpKind;

#define PGROLL_NUM_OP_KINDS (PGROLL_OP_SET_REPLICA_IDENTITY + 1)

typedef struct PgrollCreateTable
{
	char	   *name;
	List	   *columns;		/* list of PgrollColumn * */
	List	   *constraints;	/* list of PgrollConstraint * */
	char	   *comment;
} PgrollCreateTable;

typedef struct PgrollAddColumn
{
	char	   *table;
	PgrollColumn *column;
	char	   *up;				/* NULL if not given */
} PgrollAddColumn;

typedef struct PgrollAlterColumn
{
	char	   *table;
	char	   *column;
	char	   *up;				/* NULL if not given */
	char	   *down;			/* NULL if not given */
	char	   *type;			/* NULL if not given */
	PgrollOptBool nullable;
	PgrollOptString default_expr;
	PgrollOptString comment;
	PgrollCheck *check;
	char	   *unique_name;	/* unique: { "name" }, NULL if not given */
	PgrollForeignKey *references;
} PgrollAlterColumn;

typedef struct PgrollRenameColumn
{
	char	   *table;
	char	   *from;
	char	   *to;
} PgrollRenameColumn;

typedef struct PgrollDropColumn
{
	char	   *table;
	char	   *column;
	char	   *down;			/* NULL if not given */
} PgrollDropColumn;

typedef struct PgrollCreateIndex
{
	char	   *name;
	char	   *table;
	List	   *columns;		/* list of PgrollIndexField * */
	char	   *method;			/* lower case, NULL means default */
	bool		unique;
	char	   *predicate;		/* NULL if none */
	char	   *storage_parameters; /* raw text for WITH ( ), or NULL */
} PgrollCreateIndex;

typedef struct PgrollDropIndex
{
	char	   *name;
} PgrollDropIndex;

typedef struct PgrollDropTable
{
	char	   *name;
} PgrollDropTable;

typedef struct PgrollRenameTable
{
	char	   *from;
	char	   *to;
} PgrollRenameTable;

typedef struct PgrollSql
{
	char	   *up;
	char	   *down;			/* NULL if not given */
	bool		on_complete;
} PgrollSql;

typedef struct PgrollCreateConstraint
{
	char	   *table;
	char	   *name;
	PgrollConstraintType type;	/* unique, check, foreign_key, primary_key */
	List	   *columns;		/* list of char * */
	char	   *check;			/* NULL if none */
	bool		no_inherit;
	bool		deferrable;
	bool		initially_deferred;
	bool		nulls_not_distinct;
	PgrollForeignKey *references;	/* table level, NULL if none */
	PgrollIndexParameters *index_parameters;	/* NULL if none */
	List	   *up;				/* list of PgrollColumnExpr * */
	List	   *down;			/* list of PgrollColumnExpr * */
} PgrollCreateConstraint;

typedef struct PgrollDropMulticolumnConstraint
{
	char	   *table;
	char	   *name;
	List	   *up;				/* list of PgrollColumnExpr *, may be NIL */
	List	   *down;			/* list of PgrollColumnExpr * */
} PgrollDropMulticolumnConstraint;

typedef struct PgrollDropConstraint
{
	char	   *table;
	char	   *name;
	char	   *up;				/* NULL if not given */
	char	   *down;
} PgrollDropConstraint;

typedef struct PgrollRenameConstraint
{
	char	   *table;
	char	   *from;
	char	   *to;
} PgrollRenameConstraint;

typedef struct PgrollSetReplicaIdentity
{
	char	   *table;
	char	   *identity_type;	/* lower case: nothing, default, index, full */
	char	   *index;			/* NULL unless identity_type is "index" */
} PgrollSetReplicaIdentity;

typedef struct PgrollOperation
{
	PgrollOpKind kind;
	int			position;		/* index in "operations", from 0 */
	union
	{
		PgrollCreateTable create_table;
		PgrollAddColumn add_column;
		PgrollAlterColumn alter_column;
		PgrollRenameColumn rename_column;
		PgrollDropColumn drop_column;
		PgrollCreateIndex create_index;
		PgrollDropIndex drop_index;
		PgrollDropTable drop_table;
		PgrollRenameTable rename_table;
		PgrollSql sql;
		PgrollCreateConstraint create_constraint;
		PgrollDropMulticolumnConstraint drop_multicolumn_constraint;
		PgrollDropConstraint drop_constraint;
		PgrollRenameConstraint rename_constraint;
		PgrollSetReplicaIdentity set_replica_identity;
	}			u;
} PgrollOperation;

typedef struct PgrollMigration
{
	char	   *name;			/* "name" key, or NULL */
	char	   *version_schema; /* NULL if not given */
	List	   *operations;		/* list of PgrollOperation *, never NIL */
} PgrollMigration;

/*
 * Parse a migration document.  Raises ERROR (22023, or 42622 for an
 * identifier longer than NAMEDATALEN - 1 bytes) naming the JSON path of the
 * first problem found.
 */
extern PgrollMigration *pgroll_parse_migration(Jsonb *doc);

/* "create_table", "add_column", ... */
extern const char *pgroll_op_kind_name(PgrollOpKind kind);

#endif							/* PGROLL_DOCUMENT_H */
