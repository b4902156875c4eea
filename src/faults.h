/*-------------------------------------------------------------------------
 *
 * faults.h
 *	  Fault injection for the tests: make the N-th step of a call fail, or
 *	  the worker die, on purpose (pgroll.inject_fault, superuser only).
 *
 * src/faults.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGROLL_FAULTS_H
#define PGROLL_FAULTS_H

#include "postgres.h"

/* SQLSTATE of an injected fault; never one of the expected conditions */
#define ERRCODE_PGROLL_INJECTED_FAULT MAKE_SQLSTATE('P','R','9','9','9')

/* Define pgroll.inject_fault (from _PG_init) */
extern void faults_define_setting(void);

/* A lifecycle call begins: its steps are counted from 1 */
extern void pgroll_fault_reset(void);

/*
 * A step of the call (a DDL statement, a statement on pgroll's tables):
 * with pgroll.inject_fault = 'step:N', the N-th one raises an error.
 */
extern void pgroll_fault_point(const char *what);

/*
 * At the end of a call that succeeds: an error if a fault was injected
 * during it, which some step must then have caught and gone on from.
 */
extern void pgroll_fault_check_swallowed(void);

/*
 * The worker claimed a job: with pgroll.inject_fault = 'worker:segfault'
 * or 'worker:fatal' it dies that way, for the crash containment tests.
 */
extern void pgroll_fault_worker_point(void);

/* A worker started: with 'worker:startup-segfault' it dies there */
extern void pgroll_fault_worker_startup(void);

#endif							/* PGROLL_FAULTS_H */
