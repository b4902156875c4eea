# Makefile for the pgroll extension (PGXS)

EXTENSION    = pgroll
MODULE_big   = pgroll
EXTVERSION   = 0.2.0

OBJS = \
	src/pgroll.o \
	src/document.o \
	src/fragments.o \
	src/names.o \
	src/ddl.o \
	src/faults.o \
	src/subxact.o \
	src/locks.o \
	src/model.o \
	src/history.o \
	src/roles.o \
	src/versions.o \
	src/privileges.o \
	src/lifecycle.o \
	src/expr.o \
	src/triggers.o \
	src/writer.o \
	src/retired.o \
	src/drop_guard.o \
	src/partition_guard.o \
	src/grant_follower.o \
	src/jobs.o \
	src/worker.o \
	src/slots.o \
	src/toplevel.o \
	src/governor.o \
	src/backfill.o \
	src/backfill_control.o \
	src/wait.o \
	src/ops/registry.o \
	src/ops/constraint_sql.o \
	src/ops/dependents.o \
	src/ops/carry_over.o \
	src/ops/copies.o \
	src/ops/create_table.o \
	src/ops/drop_table.o \
	src/ops/rename_table.o \
	src/ops/rename_column.o \
	src/ops/drop_column.o \
	src/ops/rename_constraint.o \
	src/ops/set_replica_identity.o \
	src/ops/raw_sql.o \
	src/ops/add_column.o \
	src/ops/create_index.o \
	src/ops/drop_index.o \
	src/ops/alter_column.o \
	src/ops/create_constraint.o \
	src/ops/drop_constraints.o

DATA = sql/pgroll--0.1.0.sql sql/pgroll--0.1.0--0.2.0.sql

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

REGRESS      = setup document_errors lifecycle version_views multi_ops quoting hostile_documents validate worker backfill_statement migrate writer_version complete_checks long_names fragments operations app_roles pgroll_rules partitions dependents constraint_kinds cron
REGRESS_OPTS = --inputdir=test --use-existing

ISOLATION      = concurrent_start backfill_writers lock_retry lock_retry_complete
ISOLATION_OPTS = --inputdir=test --outputdir=.

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# After the include: Makefile.global assigns it.  The regression database is
# also pg_cron's cron.database_name, so pg_regress must not drop it.
CONTRIB_TESTDB = pgroll_regress

# Test lists for scripts/test.sh
print-regress:
	@echo $(REGRESS)
print-isolation:
	@echo $(ISOLATION)
