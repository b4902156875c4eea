#!/bin/bash
# test/t/operations.sh -- what a DBA does besides migrations: servers with
# few worker slots, dropped databases, DROP EXTENSION, standbys.
#
# Run by scripts/test.sh (as root).  Prints TAP.  Uses a throwaway cluster
# of its own (port 54324) with few background worker slots, and a standby
# of it (port 54325).
#
#  A. More schemas with queued work than free worker slots: each start's
#     commit that finds no slot says so, status() says the schema waits
#     for a slot, and every schema reaches "ready" without anyone calling
#     pgroll.wait().
#  B. A database dropped (WITH (FORCE)) while its worker runs a backfill:
#     the restarted worker gives up after 5 failed starts; no worker keeps
#     restarting.  A database that refuses connections: the same, status()
#     says so, and CALL pgroll.wait() resumes once it accepts them again.
#     Database settings that would stop the worker (read-only
#     transactions, another role) do not.
#  C. DROP EXTENSION pgroll [CASCADE] and DROP SCHEMA pgroll CASCADE with a
#     migration active are refused (55006) naming it, in replica mode too,
#     and so is DROP SCHEMA of the migrated schema; so is DROP EXTENSION
#     while work is queued (a rollback's index drop).  After a rollback the
#     extension drops, and the tables take plain writes: no NOT VALID
#     check, marker column or trigger of pgroll is left.  A column the
#     migration does not touch renamed by hand: writes still work; views
#     of the new version dropped by hand (DROP COLUMN ... CASCADE):
#     complete makes them again.
#  D. On a streaming standby start, complete and rollback fail at once with
#     25006, and CALL pgroll.wait() says it cannot wait there.
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
. scripts/lib.sh
started=$SECONDS
STANDBY=/tmp/pgroll-ops-standby
cleanup() {
    if [ -f "$STANDBY/postmaster.pid" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY" -w -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$STANDBY"
    stop_cluster
    echo "1..$t"
    echo "# operations.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT
start_cluster /tmp/pgroll-ops-data 54324 pgroll_ops
export PGDATABASE=pgroll_ops
# the static workers (pgroll's and pg_cron's launchers, logical replication's)
# take three slots: three are left for pgroll's workers
cat >> "$PGDATA/postgresql.conf" <<CONF
max_worker_processes = 6
max_parallel_workers_per_gather = 0
wal_level = replica
max_wal_senders = 2
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -m fast restart >/dev/null
q "CREATE EXTENSION pgroll" >/dev/null

# sqlstate SQL...: the SQLSTATE of the first error, or "ok"
sqlstate() {
    local out
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -c '\set VERBOSITY sqlstate' "$@" 2>&1 >/dev/null)
    if [ -z "$out" ]; then echo ok; else echo "$out" | sed -n 's/^ERROR:  //p' | head -1; fi
}

# ---------------------------------------------------------------------
# A. more schemas with work than free worker slots
# ---------------------------------------------------------------------
warnings=0
for i in 1 2 3 4 5 6; do
    q "CREATE SCHEMA s$i; CREATE TABLE s$i.t (id int PRIMARY KEY, v int);
       INSERT INTO s$i.t SELECT g, g FROM generate_series(1, 3000) g" >/dev/null
done
for i in 1 2 3 4 5 6; do
    out=$(psql -X -q -A -t -c "SET pgroll.backfill_batch_size = 100" -c "SET pgroll.backfill_batch_time = 0" \
              -c "SET pgroll.backfill_batch_delay = 100" \
              -c "SELECT pgroll.start('{\"operations\": [{\"add_column\": {\"table\": \"t\",
                    \"up\": \"v * 2\", \"column\": {\"name\": \"w\", \"type\": \"int\",
                    \"nullable\": false}}}]}', '01_w', 's$i')" 2>&1)
    case "$out" in
        *"no background worker slot is free for the pgroll worker of schema \"s$i\""*)
            warnings=$((warnings + 1)) ;;
    esac
done
check "A: the commits that found no free slot said so" "$([ $warnings -ge 2 ] && echo yes)" yes
check "A: status() says which schemas wait for a slot" \
    "$(q "SELECT count(*) >= 2 FROM generate_series(1, 6) i, pgroll.status('s' || i) s
          WHERE s.progress LIKE 'waiting for a free background worker slot%'")" t
check_poll "A: every schema reaches ready without pgroll.wait()" 120 \
    "SELECT bool_and(s.phase = 'ready') FROM generate_series(1, 6) i, pgroll.status('s' || i) s"
check "A: no schema waits any more" \
    "$(q "SELECT count(*) FROM generate_series(1, 6) i WHERE pgroll.worker_problem('s' || i) IS NOT NULL")" 0
check "A: every backfill did every row" \
    "$(q "SELECT sum((SELECT count(*) FROM pgroll.jobs j WHERE j.schema = 's' || i
                        AND j.rows_done = 3000 AND j.state = 'done')) FROM generate_series(1, 6) i")" 6
grep -q "pgroll launcher: started the deferred worker" "$PGDATA/server.log"
check "A: the launcher started the deferred workers (server log)" "$?" 0
for i in 1 2 3 4 5 6; do q "SELECT pgroll.complete('s$i')" >/dev/null; done
check "A: every migration completes" \
    "$(q "SELECT count(*) FROM pgroll.migrations WHERE done AND name = '01_w'")" 6

# ---------------------------------------------------------------------
# B. a database dropped while its worker runs
# ---------------------------------------------------------------------
createdb pgroll_ops_doomed
out=$(PGDATABASE=pgroll_ops_doomed psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g;
SET pgroll.backfill_batch_size = 10;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 200;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "t", "up": "v + 1",
    "column": {"name": "w", "type": "int", "nullable": true}}}]}', '01_w');
SQL
)
check "B: a slow backfill started" "$out" "public_01_w"
check_poll "B: its worker runs" 20 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = 'pgroll_ops_doomed'
                      AND backend_type = 'pgroll worker')"
check "B: DROP DATABASE ... WITH (FORCE) while the worker runs" \
    "$(q "DROP DATABASE pgroll_ops_doomed WITH (FORCE)")" ""
giving_up='pgroll worker for schema "public" of database [0-9]* gives up after 5 failed starts'
deadline=$((SECONDS + 40))
until grep -q "$giving_up" "$PGDATA/server.log" || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
check "B: the restarted worker gives up (server log)" \
    "$(grep -c "$giving_up" "$PGDATA/server.log")" 1
failures=$(grep -c 'FATAL:  database [0-9]* does not exist' "$PGDATA/server.log")
check "B: it failed to connect a few times before (at most 5)" \
    "$([ "$failures" -ge 1 ] && [ "$failures" -le 5 ] && echo yes)" yes
sleep 5
check "B: no worker restarts after that" \
    "$(grep -c 'FATAL:  database [0-9]* does not exist' "$PGDATA/server.log")" "$failures"
check "B: a new migration's worker still starts (the slot was freed)" \
    "$(q "CREATE SCHEMA after_drop; CREATE TABLE after_drop.t (id int PRIMARY KEY);
          SELECT pgroll.start('{\"operations\": [{\"create_index\": {\"table\": \"t\",
            \"name\": \"t_id\", \"columns\": [\"id\"]}}]}', '01', 'after_drop')" 2>&1)" \
    "after_drop_01"
check_poll "B: ... and runs its work" 20 "SELECT phase = 'ready' FROM pgroll.status('after_drop')"

# a database that refuses connections for a while
createdb pgroll_ops_closed
out=$(PGDATABASE=pgroll_ops_closed psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t SELECT g, g FROM generate_series(1, 300) g;
SET pgroll.backfill_batch_size = 10;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 200;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "t", "up": "v + 1",
    "column": {"name": "w", "type": "int", "nullable": true}}}]}', '01_w');
SQL
)
check "B2: a slow backfill started" "$out" "public_01_w"
check_poll "B2: its worker runs" 20 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = 'pgroll_ops_closed'
                      AND backend_type = 'pgroll worker')"
check "B2: the database stops accepting connections, the worker is terminated" \
    "$(q "ALTER DATABASE pgroll_ops_closed ALLOW_CONNECTIONS false;
          SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE datname = 'pgroll_ops_closed' AND backend_type = 'pgroll worker'")" 1
deadline=$((SECONDS + 40))
until [ "$(grep -c "$giving_up" "$PGDATA/server.log")" -ge 2 ] || [ $SECONDS -ge $deadline ]; do
    sleep 0.5
done
check "B2: its worker gives up (server log)" "$(grep -c "$giving_up" "$PGDATA/server.log")" 2
q "ALTER DATABASE pgroll_ops_closed ALLOW_CONNECTIONS true" >/dev/null
out=$(PGDATABASE=pgroll_ops_closed psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SELECT progress LIKE 'the worker gave up after repeated failed starts%' FROM pgroll.status('public');
CALL pgroll.wait('public');
SELECT count(*) FILTER (WHERE w = v + 1) FROM public_01_w.t;
SELECT pgroll.worker_problem('public') IS NULL;
SELECT pgroll.complete('public');
SQL
)
check "B2: status() says the worker gave up; CALL pgroll.wait() resumes the work" "$out" "t
300
t
01_w"

# settings of the database that would stop the worker's bookkeeping
out=$(PGDATABASE=pgroll_ops_closed psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE ROLE pgroll_ops_nobody;
ALTER DATABASE pgroll_ops_closed SET default_transaction_read_only = on;
ALTER DATABASE pgroll_ops_closed SET role = 'pgroll_ops_nobody';
SET default_transaction_read_only = off;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "t", "up": "v * 3",
    "column": {"name": "x", "type": "int", "nullable": true}}}]}', '02_x');
SQL
)
check "B3: a migration in a database set read-only and to another role" "$out" "public_02_x"
PGDATABASE=pgroll_ops_closed check_poll "B3: its worker runs the backfill anyway" 30 \
    "SELECT phase = 'ready' FROM pgroll.status('public')"
q "ALTER DATABASE pgroll_ops_closed RESET ALL" >/dev/null
check "B3: every row was backfilled" \
    "$(PGDATABASE=pgroll_ops_closed q "SELECT count(*) FILTER (WHERE x = v * 3) FROM public_02_x.t")" 300
PGOPTIONS='-c statement_timeout=15s' psql -X -q -d postgres \
    -c "DROP DATABASE pgroll_ops_closed WITH (FORCE)" -c "DROP ROLE pgroll_ops_nobody" >/dev/null 2>&1

# ---------------------------------------------------------------------
# C. DROP EXTENSION with a migration active
# ---------------------------------------------------------------------
createdb pgroll_ops_drop
export PGDATABASE=pgroll_ops_drop
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY, v int, note text);
INSERT INTO app.t SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE g END, 'n' FROM generate_series(1, 1000) g;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "t", "column": "v", "nullable": false,
                      "up": "coalesce(v, 0)", "down": "v"}},
    {"add_column": {"table": "t", "up": "length(note)",
                    "column": {"name": "note_length", "type": "int", "nullable": false}}},
    {"rename_column": {"table": "t", "from": "note", "to": "remark"}}]}', '01_strict', 'app');
CALL pgroll.wait('app');
SQL
)
check "C: a migration with a copy, a NOT NULL check and a backfilled column" "$out" "app_01_strict"
check "C: DROP EXTENSION pgroll is refused" "$(sqlstate -c "DROP EXTENSION pgroll")" 55006
check "C: DROP EXTENSION pgroll CASCADE is refused" \
    "$(sqlstate -c "DROP EXTENSION pgroll CASCADE")" 55006
check "C: DROP SCHEMA pgroll CASCADE is refused" "$(sqlstate -c "DROP SCHEMA pgroll CASCADE")" 55006
check "C: ... in replica mode too" \
    "$(sqlstate -c "SET session_replication_role = replica" -c "DROP EXTENSION pgroll CASCADE")" 55006
check "C: DROP SCHEMA of the migrated schema is refused" \
    "$(sqlstate -c "DROP SCHEMA app CASCADE")" 55006
# a column the migration does not touch, renamed by hand
check "C: a column the migration does not touch renamed by hand: writes still work" \
    "$(q "ALTER TABLE app.t ADD COLUMN extra int; ALTER TABLE app.t RENAME COLUMN extra TO extra2;
          INSERT INTO app.t (id, v, note) VALUES (4999, 1, 'y') RETURNING id")" 4999
check "C: the refusal names the migration and says what to do" \
    "$(psql -X -q -c "DROP EXTENSION pgroll CASCADE" 2>&1 | grep -c -e 'app (migration 01_strict)' -e "pgroll.rollback('app')")" 2
check "C: the migration is intact" "$(q "SELECT phase FROM pgroll.status('app')")" ready
check "C: a plain write still works meanwhile" \
    "$(q "INSERT INTO app.t (id, v, note) VALUES (5000, NULL, 'x') RETURNING id")" 5000
check "C: rollback" "$(q "SELECT pgroll.rollback('app')")" "01_strict"
q "ALTER TABLE app.t DROP COLUMN extra2" >/dev/null
# rollback and DROP EXTENSION in one transaction: the index drop is queued
q "SELECT pgroll.start('{\"operations\": [{\"create_index\": {\"table\": \"t\", \"name\": \"t_v\",
     \"columns\": [\"v\"]}}]}', '01_index', 'app')" >/dev/null
q "CALL pgroll.wait('app')" >/dev/null
check "C: DROP EXTENSION right after a rollback that queued work is refused" \
    "$(sqlstate -c "BEGIN" -c "SELECT pgroll.rollback('app')" -c "DROP EXTENSION pgroll CASCADE")" 55006
check "C: ... and the rollback goes through on its own" "$(q "SELECT pgroll.rollback('app')")" "01_index"
q "CALL pgroll.wait('app')" >/dev/null
check "C: its index drop ran" "$(q "SELECT to_regclass('app.t_v') IS NULL")" t
check "C: DROP EXTENSION pgroll CASCADE after the rollback" \
    "$(sqlstate -c "DROP EXTENSION pgroll CASCADE")" ok
check "C: plain writes work, NULLs included" \
    "$(q "INSERT INTO app.t (id, v, note) VALUES (5001, NULL, NULL) RETURNING id;")" 5001
check "C: nothing of pgroll is left on the table" \
    "$(q "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.t'::regclass
                    AND attname LIKE '\\_pgroll%' AND NOT attisdropped)
               + (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'app.t'::regclass)
               + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'app.t'::regclass
                    AND contype = 'c')")" 0
check "C: the extension comes back and migrates" \
    "$(q "CREATE EXTENSION pgroll; SELECT pgroll.start('{\"operations\": [{\"rename_column\":
            {\"table\": \"t\", \"from\": \"note\", \"to\": \"remark\"}}]}', '01_remark', 'app');
          SELECT pgroll.complete('app')" 2>&1)" "app_01_remark
01_remark"
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SELECT pgroll.start('{"operations": [{"rename_column": {"table": "t", "from": "v", "to": "value"}}]}',
                    '02_value', 'app');
SET client_min_messages = warning;
ALTER TABLE app.t DROP COLUMN remark CASCADE;
SELECT to_regclass('app_02_value.t') IS NULL;
SQL
)
check "C: a DROP COLUMN ... CASCADE by hand drops the new version's view" "$out" "app_02_value
t"
check "C: complete makes the new version's views again" \
    "$(q "SELECT pgroll.complete('app');
          SELECT (SELECT count(*) FROM app_02_value.t) = (SELECT count(*) FROM app.t)")" "02_value
t"

# ---------------------------------------------------------------------
# D. a streaming standby
# ---------------------------------------------------------------------
export PGDATABASE=pgroll_ops
rm -rf "$STANDBY"
runuser -u postgres -- "$PGBIN/pg_basebackup" -h /tmp -p 54324 -U postgres -D "$STANDBY" -R \
    >/dev/null 2>&1
check "D: a standby from pg_basebackup" "$?" 0
sed -i -e 's/^port = .*/port = 54325/' "$STANDBY/postgresql.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY" -l "$STANDBY/server.log" -w -t 60 start \
    >/dev/null 2>&1
check "D: the standby runs" "$?" 0
q "CREATE SCHEMA on_primary; CREATE TABLE on_primary.t (id int PRIMARY KEY, v int);
   SELECT pgroll.start('{\"operations\": [{\"rename_column\": {\"table\": \"t\",
     \"from\": \"v\", \"to\": \"w\"}}]}', '01_w', 'on_primary')" >/dev/null
deadline=$((SECONDS + 30))
until [ "$(PGPORT=54325 q "SELECT count(*) FROM pgroll.migrations WHERE schema = 'on_primary'")" = 1 ] \
      || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
for call in "SELECT pgroll.start('{\"operations\": [{\"rename_column\": {\"table\": \"t\", \"from\": \"w\", \"to\": \"x\"}}]}', '02_x', 'on_primary')" \
            "SELECT pgroll.complete('on_primary')" "SELECT pgroll.rollback('on_primary')"; do
    check "D: on the standby, ${call:7:15}... fails with 25006" \
        "$(PGPORT=54325 sqlstate -c "$call")" 25006
done
out=$(PGPORT=54325 psql -X -q -c "CALL pgroll.wait('on_primary')" 2>&1)
check "D: CALL pgroll.wait() on the standby says it cannot wait there" \
    "$(echo "$out" | grep -q '^ERROR: .*standby' && echo said)" said
check "D: status() works on the standby" \
    "$(PGPORT=54325 q "SELECT status FROM pgroll.status('on_primary')")" "In progress"
check "D: the primary completes" "$(q "SELECT pgroll.complete('on_primary')")" "01_w"

deaths=$(grep -c "terminated by signal" "$PGDATA/server.log")
check "no process of this cluster died of a signal" "$deaths" 0
