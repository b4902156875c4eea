/*-------------------------------------------------------------------------
 *
 * writer.h
 *	  Which version of a schema a row write belongs to.
 *
 * src/writer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_WRITER_H
#define PGROLL_WRITER_H

#include "postgres.h"

#include "commands/trigger.h"
#include "nodes/bitmapset.h"

/* The two live versions of a migrating table's schema, as the trigger knows them */
typedef struct WriterVersions
{
	Oid			relid;			/* the table the trigger is on */
	Oid			root_relid;		/* the top of its partition tree, or relid */
	Oid			base_nspid;		/* the migrated schema */
	const char *new_vs;			/* new version schema name */
	const char *old_vs;			/* old version schema name, "" if none */
	const char *version;		/* new version name */
	Oid			new_nspid;		/* resolved lazily; InvalidOid until then */
	Oid			old_nspid;
	Bitmapset  *new_only;		/* attnums only the new version can see */
	Bitmapset  *old_only;		/* attnums only the old version can see */
} WriterVersions;

/*
 * Does this row write (a BEFORE ROW trigger's) belong to the new version?
 * In order: the view of a version schema the statement writes through; the
 * columns an UPDATE sets (only-new makes it new, only-old old, both is an
 * error); pgroll.version (an unknown value is an error); the first schema
 * on search_path that is the base schema (old) or a version schema; old.
 */
extern bool writer_is_new(WriterVersions *versions, TriggerData *td);

/* Install the executor hooks that tell which views a statement writes through */
extern void writer_init(void);

#endif							/* PGROLL_WRITER_H */
