#!/bin/bash
# test/t/crash_resume.sh -- queued work survives a killed worker and a
# crashed server.
#
# Run by scripts/test.sh (as root) with PGDATA, PGBIN, PGHOST, PGPORT and
# PGUSER of a running cluster that preloads pgroll.  Prints TAP.  Works in
# its own database, pgroll_crash, dropped at the end; restarts the server
# with -m immediate once and leaves it running.
#
#  A. a keyed table (100k rows) and a table without any key (ctid walk),
#     each with an add_column backfill (batch 500, 30 ms pause), written to
#     by old and new clients while it runs: the worker is terminated (the
#     postmaster starts it again), then the server is stopped -m immediate
#     (the launcher resumes the work); in the end every row is right.
#     A session holding a row lock near the end of each table keeps both
#     backfills from finishing before the crash, whatever the machine's
#     speed; the crash ends that session.
#  B. a CREATE INDEX CONCURRENTLY job terminated mid-build: the restarted
#     worker drops the invalid index and builds it again.
set -u

DB=pgroll_crash
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGDATABASE=$DB
started=$SECONDS
bg_pids=()

. "$(dirname "$0")/tap.bash"

cleanup() {
    local p
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    # the server must be left running
    if ! server_running; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" \
            -w -t 60 start >/dev/null 2>&1
    fi
    psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name IN ('crash_rowlock', 'cic_snapshot')" >/dev/null 2>&1
    # (a DROP DATABASE that cannot finish would hang the whole run: time it out)
    out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -d postgres \
              -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>&1)
    check "DROP DATABASE $DB" "$?$out" 0
    echo "1..$t"
    echo "# crash_resume.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

if [ -z "${PGDATA:-}" ] || ! server_running; then
    echo "not ok 1 - crash_resume.sh needs PGDATA of a running cluster"
    t=1
    exit 1
fi

worker_pid() {
    q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pgroll worker'
         AND datname = current_database()
         AND application_name = 'pgroll worker for schema $1'"
}
job() {	# job SCHEMA KIND COLUMN
    q "SELECT $3 FROM pgroll.jobs WHERE schema = '$1' AND kind = '$2' ORDER BY id LIMIT 1"
}
# a session that runs SQL in the background, e.g. to hold a lock
background() {	# background APPNAME SQL
    PGAPPNAME=$1 psql -X -q -c "$2" >/dev/null 2>&1 &
    bg_pids+=($!)
    poll 10 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$1'
                               AND wait_event = 'PgSleep')" || echo "# $1 did not start"
}
end_background() {	# end_background APPNAME
    q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE application_name = '$1'" >/dev/null
}

out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -v ON_ERROR_STOP=1 -d postgres \
          -c "SET client_min_messages = warning" \
          -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>&1)
if [ $? -ne 0 ]; then
    check "a fresh database $DB" "$out" ""
    exit 1
fi

# ---------------------------------------------------------------------
# A. backfills: setup
# ---------------------------------------------------------------------
out=$(psql -X -q -o /dev/null -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE SCHEMA crash;
SELECT pgroll.start('{"operations": [{"create_table": {"name": "items", "columns": [
    {"name": "id", "type": "bigint", "pk": true},
    {"name": "a", "type": "int"},
    {"name": "b", "type": "text", "nullable": true}]}}]}', '01_init', 'crash');
SELECT pgroll.complete('crash');
INSERT INTO crash.items SELECT g, g % 1000, 'b' || g FROM generate_series(1, 100000) g;
CREATE SCHEMA heapt;
CREATE TABLE heapt.events (kind text, n int);
INSERT INTO heapt.events SELECT 'k' || (g % 7), g FROM generate_series(1, 100000) g;
ANALYZE crash.items, heapt.events;

-- captured at start
SET pgroll.backfill_batch_size = 500;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 30;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "items", "up": "a * 3 + 1",
    "column": {"name": "c", "type": "bigint", "nullable": false}}}]}', '02_add_c', 'crash');
SELECT pgroll.start('{"operations": [{"add_column": {"table": "events", "up": "n * 2",
    "column": {"name": "twice", "type": "bigint", "nullable": true}}}]}', '01_twice', 'heapt');
SQL
)
check "setup: tables of 100k rows, migrations started" "$?" 0
[ -n "$out" ] && echo "$out" | comment

# rows 95000 of items and 90000 of events stay locked until the crash
background crash_rowlock "BEGIN;
    SELECT 1 FROM crash.items WHERE id = 95000 FOR UPDATE;
    SELECT 1 FROM heapt.events WHERE n = 90000 FOR UPDATE;
    SELECT pg_sleep(300);"

check "batch settings captured at start" \
    "$(q "SELECT string_agg(batch_size || '/' || batch_delay, ' ' ORDER BY id) FROM pgroll.jobs WHERE kind = 'backfill'")" \
    "500/30 500/30"

# writers while the backfill runs; synchronous_commit = on so that the
# crash below cannot take their commits away (the cluster runs with it off)
out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET synchronous_commit = on;
-- an old client, through the old version's views
SET search_path = crash_01_init;
INSERT INTO items (id, a, b) SELECT g, g % 1000, 'old' FROM generate_series(100001, 100010) g;
UPDATE items SET a = a + 7 WHERE id BETWEEN 96000 AND 96009;
UPDATE items SET a = a + 5, b = 'old' WHERE id BETWEEN 1 AND 10;
DELETE FROM items WHERE id = 96100;
-- an old client without any version on its path
RESET search_path;
UPDATE crash.items SET a = a + 1 WHERE id BETWEEN 97000 AND 97004;
INSERT INTO heapt.events SELECT 'old', g FROM generate_series(100001, 100010) g;
UPDATE heapt.events SET n = n + 1000000 WHERE n BETWEEN 99990 AND 99995;
SQL
)
check "old writers write during the backfill" "$?" 0
[ -n "$out" ] && echo "$out" | comment

out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET synchronous_commit = on;
SET search_path = crash_02_add_c;
INSERT INTO items (id, a, b, c) SELECT g, g % 1000, 'new', (g % 1000) * 3 + 1
  FROM generate_series(100011, 100020) g;
-- a value of its own: the backfill must not overwrite it
INSERT INTO items (id, a, b, c) VALUES (100021, 1, 'own value', -1);
UPDATE items SET a = a + 2, c = (a + 2) * 3 + 1, b = 'new' WHERE id BETWEEN 98000 AND 98009;
SET search_path = heapt_01_twice;
INSERT INTO events (kind, n, twice) SELECT 'new', g, g * 2 FROM generate_series(100011, 100020) g;
SQL
)
check "new writers write during the backfill" "$?" 0
[ -n "$out" ] && echo "$out" | comment

# ---------------------------------------------------------------------
# A1. terminate the workers: the postmaster starts them again
# ---------------------------------------------------------------------
check_poll "crash backfill makes progress" 30 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE schema = 'crash' AND kind = 'backfill'"
check_poll "heapt backfill makes progress" 30 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE schema = 'heapt' AND kind = 'backfill'"

# a new client updates rows the backfill has already done
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET synchronous_commit = on;
BEGIN;
SELECT count(*) FROM crash.items WHERE id BETWEEN 20 AND 29 AND _pgroll_needs_backfill;
SET LOCAL search_path = crash_02_add_c;
UPDATE items SET b = 'new, after backfill' WHERE id BETWEEN 20 AND 29;
COMMIT;
SQL
)
check "new writer updates rows the backfill has done" "$?:$out" "0:0"

for s in crash heapt; do
    pid=$(worker_pid $s)
    check "$s: one worker, running the backfill" \
        "$(q "SELECT count(*) = 1 AND bool_and(state = 'running') FROM pgroll.jobs
              WHERE schema = '$s' AND kind = 'backfill' AND worker_pid = ${pid:-0}")" t
    check "$s: pg_terminate_backend(worker)" "$(q "SELECT pg_terminate_backend(${pid:-0})")" t
    check_poll "$s: terminated worker is gone" 10 \
        "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ${pid:-0})"
    eval "old_pid_$s=${pid:-0}"
    eval "done_at_kill_$s=$(job $s backfill rows_done)"
done
for s in crash heapt; do
    eval "pid=\$old_pid_$s; done_at_kill=\$done_at_kill_$s"
    check "$s: backfill not finished when the worker was killed" \
        "$(q "SELECT state = 'running' AND rows_done < 100000 FROM pgroll.jobs WHERE schema = '$s' AND kind = 'backfill'")" t
    # no client calls pgroll.wait() here: that would start a worker itself
    check_poll "$s: a new worker comes back by itself" 15 \
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pgroll worker'
           AND application_name = 'pgroll worker for schema $s' AND pid <> $pid)"
    check_poll "$s: the backfill continues from where it stopped" 15 \
        "SELECT rows_done > $done_at_kill AND attempts = 2 FROM pgroll.jobs
         WHERE schema = '$s' AND kind = 'backfill'"
done

# a new client updates a row the backfill has not reached (row 99000 is
# behind the locked row 95000): the row must still end up with "up"
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET synchronous_commit = on;
BEGIN;
SELECT _pgroll_needs_backfill FROM crash.items WHERE id = 99000 FOR UPDATE;
SET LOCAL search_path = crash_02_add_c;
UPDATE items SET b = 'new, before backfill' WHERE id = 99000;
COMMIT;
SQL
)
rc=$?
check "crash: row 99000 not backfilled yet when a new writer updates it" "$(echo "$out" | head -1)" t
check "crash: a new writer can update a row the backfill has not reached" "$rc" 0
[ $rc -ne 0 ] && echo "$out" | comment
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET synchronous_commit = on;
BEGIN;
SELECT _pgroll_needs_backfill FROM heapt.events WHERE n = 100000 FOR UPDATE;
SET LOCAL search_path = heapt_01_twice;
UPDATE events SET kind = 'new, before backfill' WHERE n = 100000;
COMMIT;
SQL
)
rc=$?
check "heapt: row n = 100000 not backfilled yet when a new writer updates it" "$(echo "$out" | head -1)" t
check "heapt: a new writer can update a row the backfill has not reached" "$rc" 0
[ $rc -ne 0 ] && echo "$out" | comment

# ---------------------------------------------------------------------
# A2. the server stops -m immediate mid-backfill; the launcher resumes
# ---------------------------------------------------------------------
for s in crash heapt; do
    check "$s: 0 < rows_done < total before the crash" \
        "$(q "SELECT rows_done > 0 AND rows_done < rows_estimated AND state = 'running'
              FROM pgroll.backfill_progress WHERE schema = '$s'")" t
done
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" \
    -w -t 60 restart -m immediate >/dev/null 2>&1
check "pg_ctl restart -m immediate" "$?" 0
for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
bg_pids=()

for s in crash heapt; do
    eval "done_after_crash_$s=$(job $s backfill rows_done)"
done
for s in crash heapt; do
    eval "r=\$done_after_crash_$s"
    # again no pgroll.wait(): the launcher must find the work
    check_poll "$s: the launcher resumes the backfill after the restart" 30 \
        "SELECT attempts >= 3 AND (rows_done > $r OR state = 'done') FROM pgroll.jobs
         WHERE schema = '$s' AND kind = 'backfill'"
done

# writers while the resumed backfill runs
out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SET search_path = crash_01_init;
INSERT INTO items (id, a, b) SELECT g, g % 1000, 'old after crash' FROM generate_series(100031, 100035) g;
UPDATE items SET a = a + 11 WHERE id BETWEEN 99500 AND 99504;
SET search_path = crash_02_add_c;
INSERT INTO items (id, a, b, c) VALUES (100036, 36, 'new after crash', 36 * 3 + 1);
RESET search_path;
UPDATE heapt.events SET n = n + 2000000 WHERE n BETWEEN 99980 AND 99984;
SQL
)
check "old and new writers write during the resumed backfill" "$?" 0
[ -n "$out" ] && echo "$out" | comment

for s in crash heapt; do
    out=$(q "CALL pgroll.wait('$s', '90 s')")
    check "$s: CALL pgroll.wait() returns" "$?$out" 0
done

# ---------------------------------------------------------------------
# A3. every row is right
# ---------------------------------------------------------------------
check "crash: every row has c = a * 3 + 1 (but the new writer's own value)" \
    "$(q "SELECT count(*) FROM crash.items WHERE id <> 100021 AND _pgroll_new_c IS DISTINCT FROM a * 3 + 1")" 0
check "crash: no row still marked for backfill" \
    "$(q "SELECT count(*) FROM crash.items WHERE _pgroll_needs_backfill IS NOT false")" 0
check "crash: the new writer's own value is kept" \
    "$(q "SELECT _pgroll_new_c FROM crash.items WHERE id = 100021")" -1
check "crash: no write lost (rows and writers' rows)" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE (b LIKE 'old%' OR b LIKE 'new%') AND id <> 99000)
          FROM crash.items")" "100026 56"
check "crash: old writers' updates went through up" \
    "$(q "SELECT string_agg(id || ':' || a || ':' || _pgroll_new_c, ' ' ORDER BY id) FROM crash.items
          WHERE id IN (1, 96000, 97000, 99500)")" "1:6:19 96000:7:22 97000:1:4 99500:511:1534"
check "crash: the row a new writer updated before the backfill reached it" \
    "$(q "SELECT b || ':' || _pgroll_new_c FROM crash.items WHERE id = 99000")" \
    "new, before backfill:1"
check "crash: backfill job done, resumed twice" \
    "$(q "SELECT state || ' ' || (attempts >= 3) FROM pgroll.jobs WHERE schema = 'crash' AND kind = 'backfill'")" \
    "done true"
check "crash: each row counted once in rows_done" \
    "$(q "SELECT rows_done BETWEEN 99900 AND 100000 FROM pgroll.jobs WHERE schema = 'crash' AND kind = 'backfill'")" t
check "crash: no batch larger than the batch size (rows_done <= batches * 500)" \
    "$(q "SELECT rows_done <= batches * 500 FROM pgroll.jobs WHERE schema = 'crash' AND kind = 'backfill'")" t
check "heapt: every row has twice = n * 2 (but the row below)" \
    "$(q "SELECT count(*) FROM heapt.events WHERE n <> 100000 AND _pgroll_new_twice IS DISTINCT FROM n::bigint * 2")" 0
check "heapt: no row still marked for backfill" \
    "$(q "SELECT count(*) FROM heapt.events WHERE _pgroll_needs_backfill IS NOT false")" 0
check "heapt: the row a new writer updated before the backfill reached it" \
    "$(q "SELECT kind || ':' || _pgroll_new_twice FROM heapt.events WHERE n = 100000")" \
    "new, before backfill:200000"
check "heapt: no write lost" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE n > 1000000) FROM heapt.events")" "100020 11"
check "heapt: backfill job done, resumed twice" \
    "$(q "SELECT state || ' ' || (attempts >= 3) FROM pgroll.jobs WHERE schema = 'heapt' AND kind = 'backfill'")" \
    "done true"

# complete: the column for real
check "crash: complete" "$(q "SELECT pgroll.complete('crash')")" 02_add_c
check "crash: c is bigint NOT NULL" \
    "$(q "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
          WHERE attrelid = 'crash.items'::regclass AND attname = 'c'")" "bigint true"
check "crash: after complete every row has c = a * 3 + 1 (but the own value)" \
    "$(q "SELECT count(*) FROM crash.items WHERE c IS DISTINCT FROM a * 3 + 1 AND id <> 100021")" 0
check "crash: no pgroll column or trigger left" \
    "$(q "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = 'crash.items'::regclass
                    AND attname LIKE '\_pgroll\_%' AND NOT attisdropped)
              + (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'crash.items'::regclass)")" 0
check "heapt: complete" "$(q "SELECT pgroll.complete('heapt')")" 01_twice

# ---------------------------------------------------------------------
# B. CREATE INDEX CONCURRENTLY interrupted
# ---------------------------------------------------------------------
out=$(psql -X -q -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE SCHEMA idxs;
CREATE TABLE idxs.big (id int, t text);
INSERT INTO idxs.big SELECT g, md5(g::text) FROM generate_series(1, 600000) g;
SQL
)
check "idxs: a table of 600k rows" "$?" 0
[ -n "$out" ] && echo "$out" | comment
# a snapshot older than the build: the build cannot finish while it lives
background cic_snapshot "SELECT pg_sleep(300)"
check "idxs: start create_index" \
    "$(q "SELECT pgroll.start('{\"operations\": [{\"create_index\": {\"name\": \"big_t_idx\",
            \"table\": \"big\", \"columns\": [{\"column\": \"t\"}]}}]}', '01_idx', 'idxs')")" idxs_01_idx
# terminate the worker as soon as its build is under way
phase=$(q "DO \$\$
DECLARE
    p text;
    w int;
    deadline timestamptz := clock_timestamp() + interval '60 s';
BEGIN
    LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT a.pid, pr.phase INTO w, p
        FROM pg_stat_activity a JOIN pg_stat_progress_create_index pr ON pr.pid = a.pid
        WHERE a.application_name = 'pgroll worker for schema idxs';
        IF p LIKE 'building index%' OR p = 'waiting for old snapshots' THEN
            PERFORM pg_terminate_backend(w);
            RAISE NOTICE 'terminated in phase %', p;
            RETURN;
        END IF;
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'no index build seen, last phase %', p;
        END IF;
        PERFORM pg_sleep(0.005);
    END LOOP;
END \$\$")
check "idxs: worker terminated during CREATE INDEX CONCURRENTLY" \
    "$(echo "$phase" | grep -c 'NOTICE:  terminated in phase')" 1
echo "$phase" | comment
check "idxs: the interrupted build left an invalid index" \
    "$(q "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass('idxs.big_t_idx')")" t
# no pgroll.wait() yet: the postmaster starts the worker again
check_poll "idxs: a new worker comes back by itself and takes the job again" 15 \
    "SELECT attempts = 2 FROM pgroll.jobs WHERE schema = 'idxs'"
end_background cic_snapshot
out=$(q "CALL pgroll.wait('idxs', '90 s')")
check "idxs: CALL pgroll.wait() returns" "$?$out" 0
check "idxs: the index is valid" \
    "$(q "SELECT indisvalid AND indisready FROM pg_index WHERE indexrelid = to_regclass('idxs.big_t_idx')")" t
check "idxs: no invalid index left, one index on the table" \
    "$(q "SELECT count(*) FILTER (WHERE NOT indisvalid) || ' ' || count(*) FROM pg_index
          WHERE indrelid = 'idxs.big'::regclass")" "0 1"
check "idxs: the job is done, attempts = 2" \
    "$(q "SELECT state || ' ' || attempts FROM pgroll.jobs WHERE schema = 'idxs'")" "done 2"
check "idxs: the index is usable" \
    "$(q "SET enable_seqscan = off; SELECT count(*) FROM idxs.big WHERE t = md5('4242')")" 1
check "idxs: complete" "$(q "SELECT pgroll.complete('idxs')")" 01_idx

for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
bg_pids=()
