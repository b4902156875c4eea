/*-------------------------------------------------------------------------
 *
 * roles.c
 *	  Acting as the extension's owner: pgroll's own tables are written only
 *	  that way.
 *
 * src/roles.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "faults.h"
#include "roles.h"

/* The extension's owner, looked up once per transaction */
static Oid	cached_owner = InvalidOid;
static LocalTransactionId cached_lxid = InvalidLocalTransactionId;

Oid
pgroll_extension_owner(void)
{
	Oid			extoid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (OidIsValid(cached_owner) && cached_lxid == MyProc->lxid)
		return cached_owner;

	extoid = get_extension_oid("pgroll", true);
	if (!OidIsValid(extoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"pgroll\" is not installed in this database")));

	/* pg_extension has no syscache in PostgreSQL 15: its OID index, then */
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "could not find the tuple of extension %u", extoid);
	cached_owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	cached_lxid = MyProc->lxid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return cached_owner;
}

/*
 * Run one statement on pgroll's own tables as the extension owner (SPI
 * must be connected).  The user id is restored on error by transaction
 * abort as well.  Returns the SPI result code.
 */
int
run_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
			 const char *nulls)
{
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	volatile int rc = 0;

	volatile int nestlevel;

	pgroll_fault_point("statement on pgroll's tables");
	owner = pgroll_extension_owner();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);

	/*
	 * As the owner, no name may resolve to the caller's objects: an operator
	 * on the caller's search_path would run with the owner's rights.
	 */
	nestlevel = pgroll_push_search_path(PGROLL_PINNED_SEARCH_PATH);
	PG_TRY();
	{
		/* not read_only: a fresh snapshot sees this transaction's changes */
		rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls,
								   false, 0);
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(true, nestlevel);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	if (rc < 0)
		elog(ERROR, "pgroll history statement failed: %s",
			 SPI_result_code_string(rc));
	return rc;
}
