#!/bin/bash
# test/t/faults.sh -- start and complete interrupted: statement timeouts,
# cancels, a server stopped -m immediate, a worker terminated.  Nothing
# may be lost or left half-applied.
#
# Run by scripts/test.sh (as root) with PGDATA, PGBIN, PGHOST, PGPORT and
# PGUSER of a running cluster that preloads pgroll.  Prints TAP.  Works in
# its own database, pgroll_faults, dropped at the end; stops the server
# with -m immediate twice and leaves it running.
#
# Schema fa: big (60k rows, indexes on v and pad), small (1000 rows, an
# index on name), zz_ledger (100 rows, untouched by the migrations).  The
# database runs with synchronous_commit = on (the cluster has it off), so
# that a crash cannot take away a commit the test has seen, the workers'
# included.  Every wait is made deterministic by a session that holds a
# lock ("blocker") and a poll on pg_stat_activity / pg_locks, never by a
# sleep.
#
#  A. start of 02 (add_column on small, then alter_column big.v int ->
#     bigint) while a reader holds big: start retries its lock
#     (pgroll.lock_timeout 100ms) until statement_timeout (1.5 s) cancels
#     it inside the second operation.  A2: statement_timeout hits the
#     transaction after start returned (jobs queued, not committed).
#  B. start of 02 while a session holds zz_ledger ACCESS EXCLUSIVE: start
#     gets through both operations and waits creating the version's views;
#     pg_cancel_backend from another session.
#     After A, A2, B: 57014; no history row, no version schema, no
#     _pgroll_ object, no job, the catalog of fa and every row unchanged,
#     the session's settings restored; then 02 starts normally.
#  C. complete of 02 while a reader holds big (complete drops the old
#     version and small's trigger, then waits for big): statement_timeout
#     (C1), pg_cancel_backend (C2; while it waits, it must wait for the
#     reader's transaction, not in big's lock queue where the application's
#     queries would queue behind it).  57014; 02 still active, the catalog of
#     fa and every row exactly as before; old and new clients read and
#     write through both versions (up and down applied); then complete
#     succeeds: v is bigint NOT NULL with every value right, the index on
#     v is back under its name, nothing of pgroll left.
#  D. 03 (add_column big.score NOT NULL, drop_index small_name_idx).
#     D1: complete waits for a reader of big, the server is stopped -m
#     immediate: after the restart 03 is active, the catalog and the rows
#     are as before, no complete job was queued, both versions work.
#     D2: complete queues DROP INDEX CONCURRENTLY small_name_idx; a reader
#     of small keeps it waiting after it has marked the index invalid; the
#     server is stopped -m immediate: the launcher resumes the job and the
#     index is dropped; pgroll.wait() returns.
#  E. the worker terminated (crash_resume.sh covers a backfill and a
#     start's CREATE INDEX CONCURRENTLY):
#     E1: while it runs complete's DROP INDEX CONCURRENTLY (big_pad_idx of
#     04), after the index was marked invalid;
#     E2: while it runs start's VALIDATE CONSTRAINT (NOT NULL check of
#     05's add_column flag), waiting for a SHARE UPDATE EXCLUSIVE holder.
#     The postmaster restarts it; the job is done on the second attempt.
#  F. rollback of 06 (add_column w NOT NULL) interrupted by
#     statement_timeout while it waits for a reader of big, the backfill
#     running: 06 must still be active with its work going on (no job
#     failed or cancelled by the rollback that did not happen), and
#     complete.
#
# At each end state: no invalid index, no orphan pgroll object (anything
# named _pgroll*, or a version schema of fa that is neither the active
# migration's nor the last completed one's), no unfinished job, no failed
# job but of a rolled-back migration.  In the states with a migration
# active, a digest of fa's catalog is compared with the one before.
set -u

DB=pgroll_faults
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGDATABASE=$DB
started=$SECONDS
work=$(mktemp -d)
bg_pids=()

. "$(dirname "$0")/tap.bash"
start_server() {
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" \
        -w -t 60 start >/dev/null 2>&1
}

cleanup() {
    local p
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    # the server must be left running
    server_running || start_server
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name LIKE 'faults\_%'" >/dev/null 2>&1
    wait 2>/dev/null
    # (a DROP DATABASE that cannot finish would hang the whole run: time it out)
    out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -d postgres \
              -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>&1)
    check "DROP DATABASE $DB" "$?$out" 0
    rm -rf "$work"
    echo "1..$t"
    echo "# faults.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

if [ -z "${PGDATA:-}" ] || ! server_running; then
    echo "not ok 1 - faults.sh needs PGDATA of a running cluster"
    t=1
    exit 1
fi

# ---------------------------------------------------------------------
# Sessions in the background
# ---------------------------------------------------------------------

# blocker APPNAME SQL: a session that takes a lock and sleeps, until
# end_blocker (or a crash) ends it
blocker() {
    PGAPPNAME=faults_$1 psql -X -q -c "BEGIN; $2; SELECT pg_sleep(300);" >/dev/null 2>&1 &
    bg_pids+=($!)
    poll 10 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'faults_$1'
                               AND wait_event = 'PgSleep')" || echo "# blocker $1 did not start"
}
end_blocker() {
    q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE application_name = 'faults_$1'" >/dev/null
    poll 10 "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'faults_$1')" ||
        echo "# blocker $1 did not end"
}

# run_bg NAME SQL: runs SQL (psql script) in a session of its own,
# application_name faults_NAME, output in $work/NAME.out; the last line is
# "sqlstate=<SQLSTATE of the last statement, 00000 if it succeeded>"
run_bg() {
    PGAPPNAME=faults_$1 psql -X -q -A -t -v VERBOSITY=verbose -f - \
        >"$work/$1.out" 2>&1 <<<"$2
\\echo sqlstate=:SQLSTATE" &
    eval "pid_$1=$!"
    bg_pids+=($!)
}
# wait_bg NAME SECONDS: until that session ends; kills it (and says so) after SECONDS
wait_bg() {
    local pid deadline=$((SECONDS + $2))
    eval "pid=\$pid_$1"
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "# session $1 still running after $2 s: killed"
        q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'faults_$1'" >/dev/null
        sleep 1
        kill "$pid" 2>/dev/null
        echo "sqlstate=HANG" >>"$work/$1.out"
    fi
    wait "$pid" 2>/dev/null
}
sqlstate() { grep '^sqlstate=' "$work/$1.out" | tail -1 | cut -d= -f2; }
show_out() { grep -v '^sqlstate=' "$work/$1.out" | comment; }

# waiting_on_lock APPNAME [RELATION]: the session waits for a heavyweight
# lock (on RELATION, if given)
waiting_on_lock() {
    local rel=${2:+"AND l.locktype = 'relation' AND l.relation = '$2'::regclass"}
    poll 30 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
                               AND NOT l.granted
                            WHERE a.application_name = '$1' AND a.wait_event_type = 'Lock' $rel)"
}

# lock_wait_sample APPNAME: the lock requests the session waits for (as
# "locktype relation mode"), the first time it is seen waiting for one
lock_wait_sample() {
    local r deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        r=$(q "SELECT string_agg(l.locktype || coalesce(' ' || l.relation::regclass, '') || ' ' || l.mode, ', ')
               FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
               WHERE a.application_name = '$1'")
        [ -n "$r" ] && break
        sleep 0.1
    done
    echo "$r"
}

crash_restart() {	# crash_restart WHAT
    local rc1 rc2 p
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -m immediate stop >/dev/null 2>&1
    rc1=$?
    start_server
    rc2=$?
    check "$1: pg_ctl stop -m immediate, then start" "$rc1 $rc2" "0 0"
    for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
    bg_pids=()
}

# ---------------------------------------------------------------------
# What is checked at each end state
# ---------------------------------------------------------------------

# Anything of pgroll's that should not be there: _pgroll* relations
# (tables, indexes, sequences, views), columns, triggers, constraints
# (outside a schema with an active migration, where they belong to it),
# functions, schemas, and version schemas of a migrated schema that belong
# neither to its active migration nor to its last completed one.  (Index
# columns are left out: PostgreSQL keeps an index column's name when the
# table's column is renamed, so the index on a rewritten column keeps
# calling it _pgroll_new_<c>, as after any RENAME COLUMN.)
read -r -d '' ORPHANS_SQL <<'SQL'
WITH
migrated AS (SELECT DISTINCT schema::text AS s FROM pgroll.migrations),
busy AS (SELECT schema::regnamespace AS nsp FROM pgroll.migrations WHERE NOT done),
live_versions AS (
    SELECT m.schema || '_' || coalesce(m.migration ->> 'version_schema', m.name) AS nsp
    FROM pgroll.migrations m
    WHERE NOT m.done
       OR NOT EXISTS (SELECT 1 FROM pgroll.migrations c
                      WHERE c.schema = m.schema AND c.parent = m.name AND c.done)),
found AS (
    SELECT 'schema ' || n.nspname AS o FROM pg_namespace n
    WHERE n.nspname LIKE '\_pgroll%'
       OR (n.nspname NOT IN (SELECT nsp FROM live_versions)
           AND coalesce(obj_description(n.oid, 'pg_namespace'), '') NOT LIKE 'pgroll: retired version%'
           AND n.nspname NOT IN (SELECT s FROM migrated)
           AND EXISTS (SELECT 1 FROM migrated
                       WHERE n.nspname LIKE replace(s, '_', '\_') || '\_%'))
    UNION ALL
    SELECT 'relation ' || c.oid::regclass FROM pg_class c
    WHERE c.relname LIKE '\_pgroll%' AND c.relnamespace NOT IN (SELECT nsp FROM busy)
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass || '.' || a.attname
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.attname LIKE '\_pgroll%' AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relkind <> 'i' AND c.relnamespace NOT IN (SELECT nsp FROM busy)
    UNION ALL
    SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE (t.tgname LIKE '\_pgroll%' OR t.tgname LIKE '~pgroll%') AND c.relnamespace NOT IN (SELECT nsp FROM busy)
    UNION ALL
    SELECT 'constraint ' || co.conname FROM pg_constraint co
    WHERE co.conname LIKE '\_pgroll%' AND co.connamespace NOT IN (SELECT nsp FROM busy)
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure FROM pg_proc p WHERE p.proname LIKE '\_pgroll%')
SELECT coalesce(string_agg(o, ', ' ORDER BY o), '') FROM found
SQL
# A text digest of fa's catalog: columns (type, NOT NULL, default),
# constraints, indexes (and whether valid), triggers, version schemas
read -r -d '' SHAPE_SQL <<'SQL'
SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
    SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'fa'::regnamespace
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' '
           || pg_get_constraintdef(oid) || ' ' || convalidated
    FROM pg_constraint WHERE connamespace = 'fa'::regnamespace
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' ' || i.indisvalid || i.indisready
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = 'fa'::regnamespace
    UNION ALL
    SELECT 'trigger ' || t.tgrelid::regclass || ' ' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = 'fa'::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT 'schema ' || nspname || ' ' || (SELECT string_agg(relname, ',' ORDER BY relname)
                                         FROM pg_class WHERE relnamespace = n.oid)
    FROM pg_namespace n WHERE nspname LIKE 'fa%') s
SQL
# Every row of every table of fa, all columns (pgroll's included)
read -r -d '' DATA_SQL <<'SQL'
SELECT md5((SELECT string_agg(b::text, '|' ORDER BY id) FROM fa.big b)
        || (SELECT string_agg(s::text, '|' ORDER BY id) FROM fa.small s)
        || (SELECT string_agg(z::text, '|' ORDER BY id) FROM fa.zz_ledger z))
SQL

check_clean() {	# check_clean WHAT: nothing of pgroll left over, no invalid index
    check "$1: no orphan pgroll object" "$(q "$ORPHANS_SQL")" ""
    check "$1: no invalid index" "$(q "SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready")" 0
    # (a failed job of a rolled-back migration stays as it was)
    check "$1: no job queued or running, none failed but of a rolled-back migration" \
        "$(q "SELECT count(*) FROM pgroll.jobs j WHERE state IN ('queued', 'running')
              OR (state = 'failed' AND EXISTS (SELECT 1 FROM pgroll.migrations m
                                               WHERE m.schema = j.schema AND m.name = j.migration))")" 0
}
# a migration interrupted at start left nothing
check_start_undone() {	# check_start_undone WHAT SHAPE DATA
    check "$1: no history row for 02, nothing of it in pgroll's state" \
        "$(q "SELECT (SELECT count(*) FROM pgroll.migrations WHERE schema = 'fa' AND name = '02_v_bigint')
                   + (SELECT count(*) FROM pgroll.operation_state WHERE schema = 'fa' AND migration = '02_v_bigint')
                   + (SELECT count(*) FROM pgroll.column_copies WHERE schema = 'fa' AND migration = '02_v_bigint')
                   + (SELECT count(*) FROM pgroll.copied_objects WHERE schema = 'fa' AND migration = '02_v_bigint')")" 0
    check "$1: 01_init is still the latest, done" \
        "$(q "SELECT string_agg(name || ':' || done, ' ' ORDER BY created_at) FROM pgroll.migrations WHERE schema = 'fa'")" \
        "01_init:true"
    check "$1: no version schema fa_02_v_bigint" "$(q "SELECT to_regnamespace('fa_02_v_bigint') IS NULL")" t
    check "$1: no job for 02" "$(q "SELECT count(*) FROM pgroll.jobs WHERE migration = '02_v_bigint'")" 0
    check "$1: the catalog of fa is as before" "$(q "$SHAPE_SQL")" "$2"
    check "$1: every row as before" "$(q "$DATA_SQL")" "$3"
    check "$1: status: Complete, 01_init" \
        "$(q "SELECT status || ' ' || version FROM pgroll.status('fa')")" "Complete 01_init"
    check_clean "$1"
}

out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -v ON_ERROR_STOP=1 -d postgres \
          -c "SET client_min_messages = warning" \
          -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" \
          -c "ALTER DATABASE $DB SET synchronous_commit = on" 2>&1)
if [ $? -ne 0 ]; then
    check "a fresh database $DB" "$out" ""
    exit 1
fi

# ---------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------
out=$(psql -X -q -o /dev/null -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE SCHEMA fa;
SELECT pgroll.start('{"operations": [
  {"create_table": {"name": "big", "columns": [
     {"name": "id", "type": "bigint", "pk": true},
     {"name": "v", "type": "int"},
     {"name": "pad", "type": "text", "nullable": true}]}},
  {"create_table": {"name": "small", "columns": [
     {"name": "id", "type": "int", "pk": true},
     {"name": "name", "type": "text"}]}},
  {"create_table": {"name": "zz_ledger", "columns": [
     {"name": "id", "type": "int", "pk": true},
     {"name": "amount", "type": "numeric"}]}}]}', '01_init', 'fa');
SELECT pgroll.complete('fa');
INSERT INTO fa.big SELECT g, g % 5000, md5(g::text) FROM generate_series(1, 60000) g;
INSERT INTO fa.small SELECT g, 'n' || g FROM generate_series(1, 1000) g;
INSERT INTO fa.zz_ledger SELECT g, g * 1.5 FROM generate_series(1, 100) g;
CREATE INDEX big_v_idx ON fa.big (v);
CREATE INDEX big_pad_idx ON fa.big (pad);
CREATE INDEX small_name_idx ON fa.small (name);
ANALYZE fa.big, fa.small, fa.zz_ledger;
SQL
)
check "setup: fa.big (60k rows), fa.small, fa.zz_ledger" "$?" 0
[ -n "$out" ] && echo "$out" | comment

M02='{"operations": [
  {"add_column": {"table": "small", "up": "upper(name)",
     "column": {"name": "label", "type": "text", "nullable": false}}},
  {"alter_column": {"table": "big", "column": "v", "type": "bigint",
     "up": "v::bigint * 10", "down": "(v / 10)::int"}}]}'
START02="SELECT pgroll.start('$M02', '02_v_bigint', 'fa');"

shape0=$(q "$SHAPE_SQL")
data0=$(q "$DATA_SQL")
check_clean "setup"

# ---------------------------------------------------------------------
# A. statement_timeout while start retries its lock
# ---------------------------------------------------------------------
blocker reader_big "SELECT 1 FROM fa.big LIMIT 1"
run_bg start_a "SET pgroll.lock_timeout = '100ms';
SET search_path = fa_01_init, public;
SET lock_timeout = '7s';
SET client_min_messages = warning;
SELECT 'before:' || current_setting('search_path') || ';' || current_setting('lock_timeout')
       || ';' || current_setting('client_min_messages');
SET statement_timeout = '1500ms';
$START02
\\echo sqlstate_of_start=:LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT 'settings:' || current_setting('search_path') || ';' || current_setting('lock_timeout')
       || ';' || current_setting('client_min_messages');"
wait_bg start_a 30
check "A: start fails with 57014 (statement timeout)" \
    "$(grep '^sqlstate_of_start=' "$work/start_a.out" | cut -d= -f2)" 57014
check "A: ... raised in the second operation (alter_column of big), the first one done" \
    "$(grep -c 'pgroll start of operation 1 (alter_column)' "$work/start_a.out")" 1
check "A: the session's settings are its own again (search_path, lock_timeout, client_min_messages)" \
    "$(grep '^settings:' "$work/start_a.out" | cut -d: -f2-)" \
    "$(grep '^before:' "$work/start_a.out" | cut -d: -f2- | grep . || echo '(no settings read before start)')"
check "A: the session is usable" "$(sqlstate start_a)" 00000
show_out start_a
end_blocker reader_big
check_start_undone "A" "$shape0" "$data0"

# A2. the transaction that ran start times out after start returned: the
# jobs it queued are gone with it
run_bg start_a2 "BEGIN;
SET LOCAL statement_timeout = '1s';
$START02
SELECT 'jobs queued:' || count(*) FROM pgroll.jobs WHERE migration = '02_v_bigint';
SELECT pg_sleep(30);
\\echo sqlstate_of_sleep=:LAST_ERROR_SQLSTATE
ROLLBACK;"
wait_bg start_a2 30
check "A2: start queued its five jobs in its transaction" \
    "$(grep '^jobs queued:' "$work/start_a2.out")" "jobs queued:5"
check "A2: the transaction fails with 57014" \
    "$(grep '^sqlstate_of_sleep=' "$work/start_a2.out" | cut -d= -f2)" 57014
check_start_undone "A2" "$shape0" "$data0"

# ---------------------------------------------------------------------
# B. pg_cancel_backend while start waits to create the version's views
# ---------------------------------------------------------------------
blocker locker_ledger "LOCK TABLE fa.zz_ledger IN ACCESS EXCLUSIVE MODE"
run_bg start_b "$START02"
if waiting_on_lock faults_start_b fa.zz_ledger; then
    check "B: start waits for zz_ledger (the view of the new version)" t t
else
    check "B: start waits for zz_ledger (the view of the new version)" \
        "$(q "SELECT wait_event_type || ':' || wait_event FROM pg_stat_activity
              WHERE application_name = 'faults_start_b'")" "Lock:relation"
fi
check "B: by then start has added its columns to big and small (uncommitted)" \
    "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.application_name = 'faults_start_b' AND l.granted AND l.mode = 'AccessExclusiveLock'
            AND l.relation IN ('fa.big'::regclass, 'fa.small'::regclass)")" 2
check "B: pg_cancel_backend(start)" \
    "$(q "SELECT bool_and(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE application_name = 'faults_start_b'")" t
wait_bg start_b 30
check "B: start fails with 57014 (cancel)" "$(sqlstate start_b)" 57014
check "B: ... 'canceling statement due to user request'" \
    "$(grep -c 'ERROR:  57014: canceling statement due to user request' "$work/start_b.out")" 1
show_out start_b
end_blocker locker_ledger
check_start_undone "B" "$shape0" "$data0"

# ... and then the same migration starts normally
check "02 starts after the interrupted attempts" \
    "$(PGOPTIONS='-c pgroll.backfill_batch_time=0 -c pgroll.backfill_batch_size=5000' q "$START02")" fa_02_v_bigint
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "02: CALL pgroll.wait() returns" "$?$out" 0
check "02: backfill, validation and index copy done" \
    "$(q "SELECT string_agg(kind || ':' || state, ' ' ORDER BY id) FROM pgroll.jobs WHERE migration = '02_v_bigint'")" \
    "backfill:done statement:done backfill:done statement:done statement:done"
check "02 started: no orphan pgroll object" "$(q "$ORPHANS_SQL")" ""

# ---------------------------------------------------------------------
# C. complete of 02 times out / is cancelled while it waits for big
# ---------------------------------------------------------------------
shape1=$(q "$SHAPE_SQL")
data1=$(q "$DATA_SQL")
blocker reader_big "SELECT 1 FROM fa.big LIMIT 1"

run_bg complete_c1 "SET statement_timeout = '1s';
SELECT pgroll.complete('fa');"
wait_bg complete_c1 30
check "C1: complete fails with 57014 (statement timeout)" "$(sqlstate complete_c1)" 57014
show_out complete_c1

run_bg complete_c2 "SELECT pgroll.complete('fa');"
# (the lock discipline: the step that needs big waits for the reader's
# transaction to end, not in big's lock queue, where every later query of
# the application would queue behind it)
waits=$(lock_wait_sample faults_complete_c2)
check "C2: complete waits for the reader's transaction, not in big's lock queue" \
    "$(if [ -n "$waits" ] && ! grep -q 'relation fa.big' <<<"$waits"; then echo t; else echo "${waits:-not waiting}"; fi)" t
check "C2: complete waits for big, after dropping the old version schema and small's trigger" \
    "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.application_name = 'faults_complete_c2' AND l.granted AND l.mode = 'AccessExclusiveLock'
            AND l.relation IN ('fa_01_init.big'::regclass, 'fa.small'::regclass)")" 2
check "C2: pg_cancel_backend(complete)" \
    "$(q "SELECT bool_and(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE application_name = 'faults_complete_c2'")" t
wait_bg complete_c2 30
check "C2: complete fails with 57014 (cancel)" "$(sqlstate complete_c2)" 57014
show_out complete_c2
end_blocker reader_big

check "C: 02 is still the active migration" \
    "$(q "SELECT string_agg(name || ':' || done, ' ' ORDER BY created_at) FROM pgroll.migrations WHERE schema = 'fa'")" \
    "01_init:true 02_v_bigint:false"
check "C: status In progress" "$(q "SELECT status FROM pgroll.status('fa')")" "In progress"
check "C: the catalog of fa is exactly as before complete (both versions, triggers, copies)" \
    "$(q "$SHAPE_SQL")" "$shape1"
check "C: every row as before" "$(q "$DATA_SQL")" "$data1"
check "C: no job queued by complete" \
    "$(q "SELECT count(*) FROM pgroll.jobs WHERE migration = '02_v_bigint' AND phase <> 'start'")" 0
check "C: no orphan pgroll object" "$(q "$ORPHANS_SQL")" ""
check "C: no invalid index" "$(q "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0

# old and new clients, through both versions
out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET search_path = fa_01_init;
INSERT INTO big (id, v, pad) VALUES (200001, 7, 'old');
UPDATE big SET v = v + 1, pad = 'old' WHERE id = 5;
INSERT INTO small (id, name) VALUES (2001, 'old client');
SET search_path = fa_02_v_bigint;
INSERT INTO big (id, v, pad) VALUES (200002, 90, 'new');
UPDATE big SET v = 1237, pad = 'new' WHERE id = 6;
INSERT INTO small (id, name, label) VALUES (2002, 'new client', 'NEW LABEL');
SQL
)
check "C: old and new clients write through both versions" "$?" 0
[ -n "$out" ] && echo "$out" | comment
check "C: the versions agree on every row (new v = old v * 10, but the row with down's rounding)" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE n.v IS DISTINCT FROM o.v::bigint * 10)
          FROM fa_01_init.big o FULL JOIN fa_02_v_bigint.big n USING (id)")" "60002 1"
check "C: rows written by each version, as seen by each" \
    "$(q "SELECT string_agg(id || ':' || o.v || '/' || n.v, ' ' ORDER BY id)
          FROM fa_01_init.big o JOIN fa_02_v_bigint.big n USING (id)
          WHERE id IN (5, 6, 200001, 200002)")" "5:6/60 6:123/1237 200001:7/70 200002:9/90"
check "C: small through both versions" \
    "$(q "SELECT string_agg(id || ':' || n.label, ' ' ORDER BY id) FROM fa_01_init.small o
          JOIN fa_02_v_bigint.small n USING (id) WHERE id IN (1, 2001, 2002)")" \
    "1:N1 2001:OLD CLIENT 2002:NEW LABEL"
sum_new=$(q "SELECT sum(v) || ' ' || count(*) FROM fa_02_v_bigint.big")

check "C: complete succeeds once the reader is gone" "$(q "SELECT pgroll.complete('fa')")" 02_v_bigint
check "C: big.v is bigint NOT NULL" \
    "$(q "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
          WHERE attrelid = 'fa.big'::regclass AND attname = 'v'")" "bigint true"
check "C: big.v has the new version's values (sum and count)" \
    "$(q "SELECT sum(v) || ' ' || count(*) FROM fa.big")" "$sum_new"
check "C: every untouched row has v = (id % 5000) * 10" \
    "$(q "SELECT count(*) FROM fa.big WHERE id <= 60000 AND id NOT IN (5, 6) AND v <> (id % 5000) * 10")" 0
check "C: big's columns in order in the version's view" \
    "$(q "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = 'fa_02_v_bigint.big'::regclass")" "id bigint,v bigint,pad text"
check "C: the index on v is back under its name" \
    "$(q "SELECT pg_get_indexdef('fa.big_v_idx'::regclass)")" \
    "CREATE INDEX big_v_idx ON fa.big USING btree (v)"
check "C: small.label NOT NULL, every row upper(name) but the new client's own" \
    "$(q "SELECT (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'fa.small'::regclass AND attname = 'label')
                 || ' ' || (SELECT count(*) FROM fa.small WHERE label IS DISTINCT FROM upper(name) AND id <> 2002)")" \
    "true 0"
check "C: only fa_02_v_bigint is left live, fa_01_init retired" \
    "$(q "SELECT string_agg(nspname || coalesce(' ' || left(obj_description(oid, 'pg_namespace'), 23), ''), ', ' ORDER BY nspname)
          FROM pg_namespace WHERE nspname LIKE 'fa\_%'")" "fa_01_init pgroll: retired version, fa_02_v_bigint"
check_clean "C"

# ---------------------------------------------------------------------
# D. the server stopped -m immediate during complete, and during the
#    work complete queued
# ---------------------------------------------------------------------
M03='{"operations": [
  {"add_column": {"table": "big", "up": "v % 7",
     "column": {"name": "score", "type": "bigint", "nullable": false}}},
  {"drop_index": {"name": "small_name_idx"}}]}'
check "D: start 03" \
    "$(PGOPTIONS='-c pgroll.backfill_batch_time=0 -c pgroll.backfill_batch_size=5000' q "SELECT pgroll.start('$M03', '03_score', 'fa')")" fa_03_score
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "D: CALL pgroll.wait() returns" "$?$out" 0
out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET search_path = fa_02_v_bigint;
INSERT INTO big (id, v, pad) VALUES (300001, 15, 'old before crash');
SET search_path = fa_03_score;
INSERT INTO big (id, v, pad, score) VALUES (300002, 16, 'new before crash', 42);
SQL
)
check "D: old and new clients write before the crash" "$?" 0
[ -n "$out" ] && echo "$out" | comment
shape2=$(q "$SHAPE_SQL")
data2=$(q "$DATA_SQL")

# D1. complete waits for a reader of big; crash
blocker reader_big "SELECT 1 FROM fa.big LIMIT 1"
run_bg complete_d1 "SELECT pgroll.complete('fa');"
waiting_on_lock faults_complete_d1 fa.big
check "D1: complete waits for big, the old version already dropped in its transaction" \
    "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.application_name = 'faults_complete_d1' AND l.granted AND l.mode = 'AccessExclusiveLock'
            AND l.relation = 'fa_02_v_bigint.big'::regclass")" 1
crash_restart D1
check "D1: complete's session ended by the shutdown, complete never returned" \
    "$(grep -c '03_score' "$work/complete_d1.out") $(grep -c 'sqlstate=' "$work/complete_d1.out")" "0 0"
show_out complete_d1

check "D1: 03 is still the active migration" \
    "$(q "SELECT string_agg(name || ':' || done, ' ' ORDER BY created_at) FROM pgroll.migrations WHERE schema = 'fa'")" \
    "01_init:true 02_v_bigint:true 03_score:false"
check "D1: the catalog of fa is exactly as before complete" "$(q "$SHAPE_SQL")" "$shape2"
check "D1: every row as before, the writes before the crash included" "$(q "$DATA_SQL")" "$data2"
check "D1: no job queued by complete" \
    "$(q "SELECT count(*) FROM pgroll.jobs WHERE migration = '03_score' AND phase <> 'start'")" 0
check "D1: no orphan pgroll object" "$(q "$ORPHANS_SQL")" ""
check "D1: no invalid index" "$(q "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET search_path = fa_02_v_bigint;
INSERT INTO big (id, v, pad) VALUES (300003, 17, 'old after crash');
SET search_path = fa_03_score;
INSERT INTO big (id, v, pad, score) VALUES (300004, 18, 'new after crash', 43);
SELECT string_agg(id || ':' || score, ' ' ORDER BY id) FROM fa_03_score.big WHERE id > 300000;
SQL
)
check "D1: both versions work after the restart (up for the old client)" \
    "$out" "300001:1 300002:42 300003:3 300004:43"

# D2. complete commits and queues DROP INDEX CONCURRENTLY small_name_idx; a
# long reader of small keeps the drop waiting, the index already marked
# invalid; crash
blocker reader_small "SELECT 1 FROM fa.small LIMIT 1"
check "D2: complete 03 (a reader of small does not stop it)" \
    "$(PGOPTIONS='-c statement_timeout=30s' q "SELECT pgroll.complete('fa')")" 03_score
check "D2: complete queued the index drop" \
    "$(q "SELECT string_agg(phase || ':' || description, ' ') FROM pgroll.jobs WHERE migration = '03_score' AND phase = 'complete'")" \
    "complete:drop index small_name_idx"
check_poll "D2: the worker waits for the reader, small_name_idx already invalid" 30 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'
                      AND wait_event_type = 'Lock' AND query LIKE 'DROP INDEX CONCURRENTLY%')
        AND (SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass('fa.small_name_idx'))"
crash_restart D2
# no pgroll.wait() first: the launcher must find the work (the worker's
# claim commits asynchronously, so a crash may have erased its attempt)
check_poll "D2: the launcher resumes the drop after the restart" 30 \
    "SELECT state = 'done' FROM pgroll.jobs WHERE migration = '03_score' AND phase = 'complete'"
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "D2: CALL pgroll.wait() returns" "$?$out" 0
check "D2: small_name_idx is gone" "$(q "SELECT to_regclass('fa.small_name_idx') IS NULL")" t
check "D2: big.score bigint NOT NULL, every row right (v % 7 or the new client's own)" \
    "$(q "SELECT (SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
                  WHERE attrelid = 'fa.big'::regclass AND attname = 'score')
                 || ' ' || (SELECT count(*) FROM fa.big WHERE score IS DISTINCT FROM v % 7
                            AND id NOT IN (300002, 300004))")" \
    "bigint true 0"
check "D2: no row lost" "$(q "SELECT count(*) FROM fa.big")" 60006
check "D2: only fa_03_score is left live, fa_02_v_bigint retired" \
    "$(q "SELECT string_agg(nspname || coalesce(' ' || left(obj_description(oid, 'pg_namespace'), 23), ''), ', ' ORDER BY nspname)
          FROM pg_namespace WHERE nspname LIKE 'fa\_%'")" "fa_02_v_bigint pgroll: retired version, fa_03_score"
check_clean "D2"

# ---------------------------------------------------------------------
# E1. the worker terminated during complete's DROP INDEX CONCURRENTLY
# ---------------------------------------------------------------------
check "E1: start 04 (drop_index big_pad_idx)" \
    "$(q "SELECT pgroll.start('{\"operations\": [{\"drop_index\": {\"name\": \"big_pad_idx\"}}]}', '04_no_pad_idx', 'fa')")" \
    fa_04_no_pad_idx
blocker reader_big "SELECT 1 FROM fa.big LIMIT 1"
check "E1: complete 04" "$(PGOPTIONS='-c statement_timeout=30s' q "SELECT pgroll.complete('fa')")" 04_no_pad_idx
check_poll "E1: the worker waits for the reader, big_pad_idx already invalid" 30 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'
                      AND wait_event_type = 'Lock' AND query LIKE 'DROP INDEX CONCURRENTLY%')
        AND (SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass('fa.big_pad_idx'))"
wpid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'")
check "E1: pg_terminate_backend(worker)" "$(q "SELECT pg_terminate_backend(${wpid:-0})")" t
check_poll "E1: a new worker comes back by itself and waits again" 20 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'
                      AND pid <> ${wpid:-0} AND wait_event_type = 'Lock'
                      AND query LIKE 'DROP INDEX CONCURRENTLY%')"
end_blocker reader_big
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "E1: CALL pgroll.wait() returns" "$?$out" 0
check "E1: the drop is done, on the second attempt" \
    "$(q "SELECT state || ' ' || attempts FROM pgroll.jobs WHERE migration = '04_no_pad_idx'")" "done 2"
check "E1: big_pad_idx is gone, big has its other indexes" \
    "$(q "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'fa.big'::regclass")" "big_pkey big_v_idx"
check_clean "E1"

# ---------------------------------------------------------------------
# E2. the worker terminated during start's VALIDATE CONSTRAINT
# ---------------------------------------------------------------------
M05='{"operations": [{"add_column": {"table": "big", "up": "v % 20 = 0",
     "column": {"name": "flag", "type": "boolean", "nullable": false}}}]}'
# (a backfill of 120 batches with a pause of 10 ms: the lock below is
# taken long before it ends)
check "E2: start 05 (add_column flag NOT NULL)" \
    "$(PGOPTIONS='-c pgroll.backfill_batch_time=0 -c pgroll.backfill_batch_size=500 -c pgroll.backfill_batch_delay=10' \
          q "SELECT pgroll.start('$M05', '05_flag', 'fa')")" fa_05_flag
blocker suel_big "LOCK TABLE fa.big IN SHARE UPDATE EXCLUSIVE MODE"
check "E2: the backfill was still running when the lock was taken" \
    "$(q "SELECT state FROM pgroll.jobs WHERE migration = '05_flag' AND kind = 'backfill'")" running
check_poll "E2: after the backfill the worker waits to validate the NOT NULL check" 60 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'
                      AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE%VALIDATE CONSTRAINT%')"
wpid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'")
check "E2: pg_terminate_backend(worker)" "$(q "SELECT pg_terminate_backend(${wpid:-0})")" t
check_poll "E2: a new worker comes back by itself and waits again" 20 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgroll worker for schema fa'
                      AND pid <> ${wpid:-0} AND wait_event_type = 'Lock'
                      AND query LIKE 'ALTER TABLE%VALIDATE CONSTRAINT%')"
check "E2: complete refuses (55000) while the validation is unfinished" \
    "$(psql -X -q -A -t -v VERBOSITY=sqlstate -c "SELECT pgroll.complete('fa')" 2>&1)" "ERROR:  55000"
end_blocker suel_big
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "E2: CALL pgroll.wait() returns" "$?$out" 0
check "E2: the validation is done, on the second attempt" \
    "$(q "SELECT state || ' ' || attempts FROM pgroll.jobs WHERE migration = '05_flag' AND description LIKE 'validate%'")" \
    "done 2"
check "E2: the check is validated" \
    "$(q "SELECT convalidated FROM pg_constraint WHERE conrelid = 'fa.big'::regclass AND conname = '_pgroll_check_not_null_flag'")" t
check "E2: complete 05" "$(q "SELECT pgroll.complete('fa')")" 05_flag
check "E2: big.flag boolean NOT NULL, every row v % 20 = 0" \
    "$(q "SELECT (SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
                  WHERE attrelid = 'fa.big'::regclass AND attname = 'flag')
                 || ' ' || (SELECT count(*) FROM fa.big WHERE flag IS DISTINCT FROM (v % 20 = 0))")" \
    "boolean true 0"
check "E2: no row lost" "$(q "SELECT count(*) FROM fa.big")" 60006
check_clean "E2"

# ---------------------------------------------------------------------
# F. rollback interrupted by statement_timeout while the backfill runs:
#    rollback is all-or-nothing too, so the migration must still be able
#    to finish and complete
# ---------------------------------------------------------------------
M06='{"operations": [{"add_column": {"table": "big", "up": "v % 3",
     "column": {"name": "w", "type": "bigint", "nullable": false}}}]}'
check "F: start 06 (add_column w NOT NULL)" \
    "$(PGOPTIONS='-c pgroll.backfill_batch_time=0 -c pgroll.backfill_batch_size=500 -c pgroll.backfill_batch_delay=10' \
          q "SELECT pgroll.start('$M06', '06_w', 'fa')")" fa_06_w
shape3=$(q "$SHAPE_SQL")
blocker reader_big "SELECT 1 FROM fa.big LIMIT 1"
check "F: the backfill is running" \
    "$(q "SELECT state FROM pgroll.jobs WHERE migration = '06_w' AND kind = 'backfill'")" running
run_bg rollback_f "SET statement_timeout = '1s';
SELECT pgroll.rollback('fa');"
wait_bg rollback_f 30
check "F: rollback fails with 57014 (statement timeout)" "$(sqlstate rollback_f)" 57014
show_out rollback_f
end_blocker reader_big
check "F: 06 is still the active migration" \
    "$(q "SELECT done FROM pgroll.migrations WHERE schema = 'fa' AND name = '06_w'")" f
check "F: the catalog of fa is as before the rollback" "$(q "$SHAPE_SQL")" "$shape3"
check "F: no job of 06 failed or cancelled by the failed rollback" \
    "$(q "SELECT coalesce(string_agg(description || ': ' || state || ' ' || coalesce(error, ''), '; ' ORDER BY id), '')
          FROM pgroll.jobs WHERE migration = '06_w' AND state IN ('failed', 'cancelled')")" ""
out=$(q "CALL pgroll.wait('fa', '60 s')")
check "F: CALL pgroll.wait() returns" "$?$out" 0
out=$(q "SELECT pgroll.complete('fa')")
check "F: complete 06" "$out" 06_w
if [ "$out" != 06_w ]; then
    check "F: (06 could not complete) rollback" "$(q "SELECT pgroll.rollback('fa')")" 06_w
    out=$(q "CALL pgroll.wait('fa', '60 s')")
    check "F: (06 could not complete) CALL pgroll.wait() after the rollback returns" "$?$out" 0
else
    check "F: big.w bigint NOT NULL, every row v % 3" \
        "$(q "SELECT (SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
                      WHERE attrelid = 'fa.big'::regclass AND attname = 'w')
                     || ' ' || (SELECT count(*) FROM fa.big WHERE w IS DISTINCT FROM v % 3)")" \
        "bigint true 0"
fi
check "F: no row lost" "$(q "SELECT count(*) FROM fa.big")" 60006
check_clean "F"

for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
bg_pids=()
