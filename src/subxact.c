/*-------------------------------------------------------------------------
 *
 * subxact.c
 *	  The one subtransaction runner and the rule of what may be caught.
 *
 * A caught error is either on the short list in subxact.h, and then the
 * caller reports what it skipped, or it reaches the caller.  No other file
 * catches an error and goes on (the worker records a failed job, which is
 * reporting it).
 *
 * src/subxact.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "subxact.h"

bool
pgroll_error_is_expected(int sqlerrcode, int expected)
{
	switch (sqlerrcode)
	{
		case ERRCODE_LOCK_NOT_AVAILABLE:
			return (expected & PGROLL_EXPECT_LOCK) != 0;
		case ERRCODE_DATATYPE_MISMATCH:
		case ERRCODE_UNDEFINED_FUNCTION:
		case ERRCODE_AMBIGUOUS_FUNCTION:
		case ERRCODE_CANNOT_COERCE:
		case ERRCODE_INVALID_TEXT_REPRESENTATION:
		case ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE:
		case ERRCODE_INVALID_DATETIME_FORMAT:
		case ERRCODE_DATETIME_FIELD_OVERFLOW:
			return (expected & PGROLL_EXPECT_TYPE_MISFIT) != 0;
		case ERRCODE_SYNTAX_ERROR:
			return (expected & PGROLL_EXPECT_SYNTAX) != 0;
		default:
			/* cancels, timeouts, out of memory, internal errors: never */
			return false;
	}
}

bool
pgroll_subxact(void (*fn) (void *arg), void *arg, bool keep, int expected,
			   const char *prefix, ErrorData **error)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		fn(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		ok = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		if (!pgroll_error_is_expected(edata->sqlerrcode, expected))
		{
			if (prefix == NULL)
				ReThrowError(edata);
			ereport(ERROR,
					(errcode(edata->sqlerrcode),
					 errmsg("%s: %s", prefix, edata->message),
					 edata->detail ? errdetail("%s", edata->detail) : 0,
					 edata->hint ? errhint("%s", edata->hint) : 0));
		}
		if (error != NULL)
			*error = edata;
		else
			FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}
