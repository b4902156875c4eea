/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Names: pgroll's reserved prefix, identifier lengths, and the
 *	  search_path under which names are resolved.
 *
 * src/names.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "utils/builtins.h"
#include "utils/guc.h"

bool
pgroll_is_internal_name(const char *name)
{
	return strncmp(name, PGROLL_PREFIX, strlen(PGROLL_PREFIX)) == 0;
}

void
pgroll_check_identifier(const char *name, const char *what)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" is too long", what, name),
				 errdetail("Identifiers are limited to %d bytes.",
						   NAMEDATALEN - 1)));
}

int
pgroll_push_search_path(const char *search_path)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", search_path, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

char *
pgroll_schema_search_path(const char *schema)
{
	/* pg_temp last: a temporary object must not shadow the schema's */
	return psprintf("%s, pg_temp", quote_identifier(schema));
}
