/*-------------------------------------------------------------------------
 *
 * faults.c
 *	  Fault injection for the tests.
 *
 * pgroll.inject_fault is a superuser-only setting:
 *	 ''                no fault (the default);
 *	 'step:N'          the N-th step (DDL statement or statement on pgroll's
 *	                   tables) of each start, complete, rollback or validate
 *	                   call fails with SQLSTATE PR999;
 *	 'worker:segfault' the worker dies of SIGSEGV after claiming a job;
 *	 'worker:fatal'    the worker exits with FATAL after claiming a job;
 *	 'worker:startup-segfault'  every worker of the database dies of SIGSEGV
 *	                   as it starts, before it claims anything.
 * The worker reads it from the database's settings (ALTER DATABASE ... SET).
 *
 * src/faults.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgroll.h"

#include <signal.h>
#include <limits.h>

#include "utils/guc.h"

#include "faults.h"

static char *inject_fault = NULL;
static int	fault_step = 0;		/* 'step:N': N; 0 otherwise */
static int	steps_taken = 0;
static bool fault_raised = false;	/* in this call */

static bool
check_inject_fault(char **newval, void **extra, GucSource source)
{
	const char *value = *newval;

	if (value[0] == '\0' || strcmp(value, "worker:segfault") == 0 ||
		strcmp(value, "worker:fatal") == 0 || strcmp(value, "worker:startup-segfault") == 0)
		return true;
	if (strncmp(value, "step:", 5) == 0)
	{
		char	   *end;
		long		n = strtol(value + 5, &end, 10);

		if (*end == '\0' && n >= 1 && n <= INT_MAX)
			return true;
	}
	GUC_check_errdetail("Expected '', 'step:N' (N >= 1), 'worker:segfault', 'worker:fatal' "
						"or 'worker:startup-segfault'.");
	return false;
}

static void
assign_inject_fault(const char *newval, void *extra)
{
	fault_step = strncmp(newval, "step:", 5) == 0 ? atoi(newval + 5) : 0;
}

void
faults_define_setting(void)
{
	DefineCustomStringVariable("pgroll.inject_fault",
							   "Makes a step of pgroll fail on purpose (for tests).",
							   "'step:N': the N-th step of each lifecycle call fails; "
							   "'worker:segfault' or 'worker:fatal': the worker dies "
							   "after claiming a job.",
							   &inject_fault,
							   "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE,
							   check_inject_fault, assign_inject_fault, NULL);
}

void
pgroll_fault_reset(void)
{
	steps_taken = 0;
	fault_raised = false;
}

void
pgroll_fault_check_swallowed(void)
{
	if (fault_raised)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pgroll: an injected fault (step %d) was caught and not reported",
						fault_step)));
}

void
pgroll_fault_point(const char *what)
{
	steps_taken++;
	if (fault_step > 0 && steps_taken == fault_step)
	{
		fault_raised = true;
		ereport(ERROR,
				(errcode(ERRCODE_PGROLL_INJECTED_FAULT),
				 errmsg("pgroll: fault injected at step %d (%s)", steps_taken, what)));
	}
}

void
pgroll_fault_worker_point(void)
{
	if (inject_fault == NULL)
		return;
	if (strcmp(inject_fault, "worker:segfault") == 0)
		raise(SIGSEGV);
	if (strcmp(inject_fault, "worker:fatal") == 0)
		ereport(FATAL,
				(errcode(ERRCODE_PGROLL_INJECTED_FAULT),
				 errmsg("pgroll: worker fault injected")));
}

void
pgroll_fault_worker_startup(void)
{
	if (inject_fault != NULL && strcmp(inject_fault, "worker:startup-segfault") == 0)
		raise(SIGSEGV);
}
