/*-------------------------------------------------------------------------
 *
 * fragments.c
 *	  SQL fragments of a migration document checked with PostgreSQL's
 *	  grammar.
 *
 * A fragment is parsed inside a statement made for it, and the parse tree
 * must be exactly one node of the kind the field names: one expression,
 * one list of sequence options, one list of storage parameters, one list of
 * exclusion elements.  So a fragment is balanced and self-contained (it
 * cannot close the clause it is put in and open another), and a document
 * that tries ("1) STORED, DROP CONSTRAINT t_pkey, ...") is refused at
 * parse time with the field's JSON path, by start and validate alike.
 * Each is checked as it will stand in the DDL, so a trailing "--" comment,
 * which would swallow the rest of the statement, is refused.  Expressions
 * are put into DDL in parentheses.
 *
 * src/fragments.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "nodes/parsenodes.h"
#include "parser/parser.h"

#include "fragments.h"
#include "subxact.h"

typedef struct FragmentParse
{
	const char *sql;			/* the statement made for the fragment */
	List	   *stmts;
} FragmentParse;

static void
parse_fn(void *arg)
{
	FragmentParse *fp = arg;

	fp->stmts = raw_parser(fp->sql, RAW_PARSE_DEFAULT);
}

/* The one statement sql parses as, or NULL (a syntax error included) */
static Node *
parse_one(const char *sql)
{
	FragmentParse fp = {sql, NIL};

	if (!pgroll_subxact(parse_fn, &fp, true, PGROLL_EXPECT_SYNTAX, NULL, NULL) ||
		list_length(fp.stmts) != 1)
		return NULL;
	return linitial_node(RawStmt, fp.stmts)->stmt;
}

static void
refuse(const char *path, const char *sql, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s: \"%s\" is not %s", path, sql, what)));
}

void
fragment_check_expression(const char *sql, const char *path)
{
	Node	   *stmt = parse_one(psprintf("SELECT (%s)", sql));
	SelectStmt *select = (SelectStmt *) stmt;

	if (stmt == NULL || !IsA(stmt, SelectStmt) || select->op != SETOP_NONE ||
		list_length(select->targetList) != 1 || select->fromClause != NIL ||
		select->whereClause != NULL || select->groupClause != NIL ||
		select->havingClause != NULL || select->windowClause != NIL ||
		select->distinctClause != NIL || select->valuesLists != NIL ||
		select->sortClause != NIL || select->limitCount != NULL ||
		select->limitOffset != NULL || select->lockingClause != NIL ||
		select->withClause != NULL || select->intoClause != NULL)
		refuse(path, sql, "a single SQL expression");
}

void
fragment_check_sequence_options(const char *sql, const char *path)
{
	Node	   *stmt = parse_one(psprintf("CREATE SEQUENCE pgroll_fragment %s", sql));

	if (stmt == NULL || !IsA(stmt, CreateSeqStmt))
		refuse(path, sql, "a list of sequence options");
}

void
fragment_check_storage_parameters(const char *sql, const char *path)
{
	Node	   *stmt = parse_one(psprintf("ALTER TABLE pgroll_fragment SET (%s)", sql));
	AlterTableStmt *alter = (AlterTableStmt *) stmt;

	if (stmt == NULL || !IsA(stmt, AlterTableStmt) || list_length(alter->cmds) != 1 ||
		linitial_node(AlterTableCmd, alter->cmds)->subtype != AT_SetRelOptions)
		refuse(path, sql, "a list of storage parameters");
}

void
fragment_check_exclusion_elements(const char *sql, const char *path)
{
	Node	   *stmt = parse_one(psprintf("CREATE TABLE pgroll_fragment (EXCLUDE (%s))", sql));
	CreateStmt *create = (CreateStmt *) stmt;
	Constraint *con;

	if (stmt == NULL || !IsA(stmt, CreateStmt) || list_length(create->tableElts) != 1 ||
		!IsA(linitial(create->tableElts), Constraint))
		refuse(path, sql, "a list of exclusion constraint elements");
	con = linitial(create->tableElts);
	if (con->contype != CONSTR_EXCLUSION || con->where_clause != NULL ||
		con->including != NIL || con->options != NIL || con->indexspace != NULL)
		refuse(path, sql, "a list of exclusion constraint elements");
}

char *
fragment_expression_sql(const char *sql)
{
	return psprintf("(%s)", sql);
}
