#!/bin/bash
# test/t/governed_backfill.sh -- backfills that govern themselves: batches
# sized by time, waits while a real streaming standby lags, pause, resume
# and retune of a running backfill, the table's size after a rewrite, and
# statistics after complete.
#
# Run by scripts/test.sh (as root), in the background beside the other
# tests.  Prints TAP.  A throwaway primary of its own (port 54328) and a
# streaming standby made from it with pg_basebackup -R (port 54330).
#
#  A. Pause and resume: a slow backfill (fixed batches of 500, 50 ms
#     apart) is paused; status() says paused, backfill_progress says why,
#     no row is written for a second, the worker holds no lock on the table
#     (a write to a row not yet backfilled goes through at once), complete
#     and CALL pgroll.wait() refuse (55000); retuned while paused; resumed,
#     it finishes with every row right and batches sized by time.  A pause
#     outlasts a server restart; rollback works while paused.  Errors:
#     nothing to pause/resume/tune (55000), no such schema (3F000), a role
#     that cannot act as the migration's (42501), bad settings (22023).
#  B. Batches sized by time grow from a small first batch; with the time
#     setting 0 every batch has the fixed size.
#  C. Throttling: with the standby's replay paused (pg_wal_replay_pause())
#     the backfill stops once the standby is pgroll.backfill_max_replica_lag
#     behind, says so (throttled, status()), writes nothing while it waits,
#     and finishes after pg_wal_replay_resume(); tune_backfill(
#     max_replica_lag => 'off') lets a throttled backfill go on.
#  D. Bloat: after a column rewrite's backfill and complete the table with
#     its indexes is at most 1.3x its size before (a plain UPDATE of the
#     same kind is shown beside it, about 2x).
#  E. Statistics: after complete the rewritten column and an added column
#     have statistics (pg_stats) without anyone running ANALYZE.
#
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
. scripts/lib.sh
STANDBY_DATA=/tmp/pgroll-governed-standby
STANDBY_PORT=54330
stop_standby() {
    [ -f "$STANDBY_DATA/postmaster.pid" ] &&
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY_DATA" -w -m immediate stop >/dev/null 2>&1
    return 0
}
trap 'stop_standby; stop_cluster' EXIT
start_cluster /tmp/pgroll-governed-data 54328 pgroll_governed
export PGDATABASE=pgroll_governed
q "CREATE EXTENSION pgroll" >/dev/null
sq() { PGPORT=$STANDBY_PORT q "$1"; }
# sqlstate SQL: the SQLSTATE of its error, or "ok"
sqlstate() {
    local out
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -c "\\set VERBOSITY sqlstate" -c "$1" 2>&1) &&
        echo ok || echo "$out" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\)$/\1/p'
}
# items SCHEMA ROWS: a table of ROWS rows (a key, a text, an int)
items() {
    q "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1;
       CREATE TABLE $1.items (id bigint PRIMARY KEY, name text NOT NULL, n int NOT NULL);
       INSERT INTO $1.items SELECT g, 'item ' || g, g FROM generate_series(1, $2) g;
       ANALYZE $1.items;" >/dev/null
}
# add_label SCHEMA NAME [SETTINGS]: start adding label = upper(name)
add_label() {
    q "${3:-} SELECT pgroll.start('{\"operations\": [{\"add_column\": {\"table\": \"items\",
         \"up\": \"upper(name)\", \"column\": {\"name\": \"label\", \"type\": \"text\",
         \"nullable\": true}}}]}', '$2', '$1')"
}
progress() { q "SELECT $2 FROM pgroll.backfill_progress WHERE schema = '$1' AND state IN ('queued', 'running')"; }
rows_done() { q "SELECT rows_done FROM pgroll.jobs WHERE schema = '$1' AND kind = 'backfill' ORDER BY id DESC LIMIT 1"; }

# ---------------------------------------------------------------------
# A. pause, resume, retune
items pa 40000
SLOW="SET pgroll.backfill_batch_time = 0; SET pgroll.backfill_batch_size = 500;
      SET pgroll.backfill_batch_delay = 50;"
check "A: start a slow backfill" "$(add_label pa 02_label "$SLOW")" pa_02_label
check_poll "A: the backfill runs" 30 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE schema = 'pa' AND kind = 'backfill'"
check "A: pause returns the migration" "$(q "SELECT pgroll.pause('pa')")" 02_label
check "A: pausing again is no error" "$(q "SELECT pgroll.pause('pa')")" 02_label
check "A: status() says paused" "$(q "SELECT phase FROM pgroll.status('pa')")" paused
check "A: backfill_progress says why" \
    "$(progress pa "throttled LIKE 'paused by pgroll.pause() at %'")" t
sleep 0.5	# the batch in progress ends
before=$(rows_done pa)
sleep 1
check "A: no row is written while paused" "$(rows_done pa)" "$before"
check "A: the worker holds no lock on the table" \
    "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE a.backend_type = 'pgroll worker' AND l.relation = 'pa.items'::regclass")" 0
check "A: a write to a row not yet backfilled does not wait" \
    "$(q "SET lock_timeout = '100ms'; UPDATE pa.items SET n = n + 1 WHERE id = 39999 RETURNING n")" 40000
check "A: complete refuses while paused (55000)" "$(sqlstate "SELECT pgroll.complete('pa')")" 55000
check "A: complete says the backfill is paused" \
    "$(q "SELECT pgroll.complete('pa')" | grep -c 'is paused (pgroll.resume() goes on)')" 1
check "A: CALL pgroll.wait() refuses while paused (55000)" "$(sqlstate "CALL pgroll.wait('pa')")" 55000
check "A: tune_backfill while paused" \
    "$(q "SELECT pgroll.tune_backfill('pa', batch_time => '20ms', batch_delay => '0')")" 02_label
check "A: the new settings are shown" "$(progress pa "batch_time || ' ' || batch_delay")" "20 0"
check "A: resume returns the migration" "$(q "SELECT pgroll.resume('pa')")" 02_label
check "A: resuming what is not paused is refused (55000)" "$(sqlstate "SELECT pgroll.resume('pa')")" 55000
check "A: the backfill finishes" "$(q "CALL pgroll.wait('pa')"; q "SELECT phase FROM pgroll.status('pa')")" ready
check "A: every row right" "$(q "SELECT count(*) FROM pa_02_label.items WHERE label = upper(name)")" 40000
check "A: batches were sized by time after the retune" \
    "$(q "SELECT batch_rows <> 500 AND throttled IS NULL AND paused_at IS NULL FROM pgroll.jobs
          WHERE schema = 'pa' AND kind = 'backfill'")" t
check "A: complete" "$(q "SELECT pgroll.complete('pa')")" 02_label
check "A: nothing to pause now (55000)" "$(sqlstate "SELECT pgroll.pause('pa')")" 55000
check "A: nothing to tune now (55000)" "$(sqlstate "SELECT pgroll.tune_backfill('pa', batch_size => 10)")" 55000
check "A: no such schema (3F000)" "$(sqlstate "SELECT pgroll.pause('no_such_schema')")" 3F000

# A pause outlasts a restart; rollback while paused; who may pause
items pr 40000
q "CREATE ROLE pgroll_gov_owner LOGIN; CREATE ROLE pgroll_gov_other LOGIN;
   ALTER SCHEMA pr OWNER TO pgroll_gov_owner; ALTER TABLE pr.items OWNER TO pgroll_gov_owner;
   GRANT CREATE ON DATABASE pgroll_governed TO pgroll_gov_owner" >/dev/null
check "A: start as the table's owner" \
    "$(PGUSER=pgroll_gov_owner add_label pr 02_label "$SLOW")" pr_02_label
check_poll "A: its backfill runs" 30 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE schema = 'pr' AND kind = 'backfill'"
check "A: another role may not pause it (42501)" \
    "$(PGUSER=pgroll_gov_other sqlstate "SELECT pgroll.pause('pr')")" 42501
check "A: nor tune it (42501)" \
    "$(PGUSER=pgroll_gov_other sqlstate "SELECT pgroll.tune_backfill('pr', batch_size => 1)")" 42501
check "A: the owner pauses it" "$(PGUSER=pgroll_gov_owner q "SELECT pgroll.pause('pr')")" 02_label
# maintenance restarts are not the job's doing: four of them fail nothing
for mode in fast immediate fast fast; do
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -m $mode restart -l "$PGDATA/server.log" >/dev/null
    poll 30 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pgroll worker')" || true
done
before=$(rows_done pr)
check_poll "A: after restarts a worker holds the paused job" 30 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pgroll worker')"
sleep 1
check "A: and writes nothing" "$(rows_done pr)" "$before"
check "A: status() still says paused" "$(q "SELECT phase FROM pgroll.status('pr')")" paused
check "A: four server restarts counted no worker stop" \
    "$(q "SELECT state || ' ' || worker_stops FROM pgroll.jobs WHERE schema = 'pr' AND kind = 'backfill'")" \
    "running 0"
check "A: rollback while paused" "$(PGUSER=pgroll_gov_owner q "SELECT pgroll.rollback('pr')")" 02_label
check "A: the job is cancelled, nothing of pgroll left" \
    "$(q "SELECT state FROM pgroll.jobs WHERE schema = 'pr' AND kind = 'backfill'")/$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'pr.items'::regclass AND attname LIKE '\\_pgroll%' AND NOT attisdropped")" \
    "cancelled/0"

# a pause or a retune left uncommitted holds the worker at a batch's start,
# never at its end with the batch's rows locked
items ph 40000
add_label ph 02_label "$SLOW" >/dev/null
check_poll "A: ph's backfill runs" 30 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE schema = 'ph' AND kind = 'backfill'"
psql -X -q -c "BEGIN" -c "SELECT pgroll.tune_backfill('ph', batch_delay => '50ms')" \
     -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 1.5
check "A: while a retune is uncommitted the worker holds no row of the table" \
    "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE a.backend_type = 'pgroll worker' AND l.relation = 'ph.items'::regclass")" 0
check "A: ... and writes to rows ahead of it do not wait" \
    "$(q "SET lock_timeout = '100ms'; UPDATE ph.items SET n = n + 1 WHERE id > 30000 RETURNING 1" | wc -l)" 10000
wait $holder
# a long delay is cut short by a retune
q "SELECT pgroll.tune_backfill('ph', batch_delay => '1h')" >/dev/null
sleep 1
before=$(rows_done ph)
q "SELECT pgroll.tune_backfill('ph', batch_delay => '0')" >/dev/null
check_poll "A: a delay of 1h ends when tuned to 0" 10 \
    "SELECT rows_done > $before FROM pgroll.jobs WHERE schema = 'ph' AND kind = 'backfill'"
check "A: ph finishes with every row right" \
    "$(q "CALL pgroll.wait('ph')"; q "SELECT count(*) FROM ph_02_label.items WHERE label = upper(name)")" 40000
q "SELECT pgroll.complete('ph')" >/dev/null

# bad settings
items pt 40000
add_label pt 02_label "$SLOW" >/dev/null
check "A: tune_backfill without a setting (22023)" "$(sqlstate "SELECT pgroll.tune_backfill('pt')")" 22023
check "A: a negative batch_time (22023)" \
    "$(sqlstate "SELECT pgroll.tune_backfill('pt', batch_time => '-1s')")" 22023
check "A: a batch_size of 0 (22023)" "$(sqlstate "SELECT pgroll.tune_backfill('pt', batch_size => 0)")" 22023
check "A: a lag that is no size (22023)" \
    "$(sqlstate "SELECT pgroll.tune_backfill('pt', max_replica_lag => '12 parsecs')")" 22023
check "A: the lag limit set and shown" \
    "$(q "SELECT pgroll.tune_backfill('pt', max_replica_lag => '10MB')" >/dev/null; progress pt max_replica_lag)" "10 MB"
check "A: the lag limit turned off" \
    "$(q "SELECT pgroll.tune_backfill('pt', max_replica_lag => 'off')" >/dev/null; progress pt max_replica_lag)" off
check "A: a bare lag is kB, as the setting reads it" \
    "$(q "SELECT pgroll.tune_backfill('pt', max_replica_lag => '100')" >/dev/null; progress pt max_replica_lag)" "100 kB"
check "A: -1 turns the lag limit off too" \
    "$(q "SELECT pgroll.tune_backfill('pt', max_replica_lag => '-1')" >/dev/null; progress pt max_replica_lag)" off
check "A: a lag too large (22023)" \
    "$(sqlstate "SELECT pgroll.tune_backfill('pt', max_replica_lag => '8192PB')")" 22023
check "A: durations round to milliseconds as the settings do" \
    "$(q "SELECT pgroll.tune_backfill('pt', batch_time => '0.6ms')" >/dev/null; progress pt batch_time)" 1
check "A: pause(NULL) (22004)" "$(sqlstate "SELECT pgroll.pause(NULL)")" 22004
check "A: resume(NULL) (22004)" "$(sqlstate "SELECT pgroll.resume(NULL)")" 22004
q "SELECT pgroll.tune_backfill('pt', batch_delay => '0')" >/dev/null
check "A: pt finishes" "$(q "CALL pgroll.wait('pt')"; q "SELECT pgroll.complete('pt')")" 02_label

# ---------------------------------------------------------------------
# B. batch sizes
items pb 30000
check "B: start with batches sized by time from 50 rows" \
    "$(add_label pb 02_label "SET pgroll.backfill_batch_size = 50; SET pgroll.backfill_batch_time = '100ms';")" \
    pb_02_label
q "CALL pgroll.wait('pb')" >/dev/null
check "B: the batches grew (fewer batches than 30000 / 50)" \
    "$(q "SELECT batches < 600 AND batch_rows > 50 FROM pgroll.jobs WHERE schema = 'pb' AND kind = 'backfill'")" t
q "SELECT pgroll.complete('pb')" >/dev/null
items pf 3000
add_label pf 02_label "SET pgroll.backfill_batch_size = 700; SET pgroll.backfill_batch_time = 0;" >/dev/null
q "CALL pgroll.wait('pf')" >/dev/null
check "B: with batch_time 0 every batch has the fixed size" \
    "$(q "SELECT batch_rows || ' ' || (rows_done <= batches * 700) FROM pgroll.jobs WHERE schema = 'pf' AND kind = 'backfill'")" \
    "700 true"
q "SELECT pgroll.complete('pf')" >/dev/null

# ---------------------------------------------------------------------
# C. throttling against a real standby
stop_standby
rm -rf "$STANDBY_DATA"
runuser -u postgres -- "$PGBIN/pg_basebackup" -h /tmp -p 54328 -U postgres -D "$STANDBY_DATA" -R -X stream
cat >> "$STANDBY_DATA/postgresql.conf" <<CONF
port = $STANDBY_PORT
shared_preload_libraries = 'pgroll'
CONF
# after the line pg_basebackup -R wrote: the last one counts
echo "primary_conninfo = 'host=/tmp port=54328 user=postgres application_name=governed_standby'" \
    >> "$STANDBY_DATA/postgresql.auto.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY_DATA" -l "$STANDBY_DATA/server.log" -w -t 60 start >/dev/null
check_poll "C: the standby streams" 30 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = 'governed_standby' AND state = 'streaming')"
# standby_poll SECONDS SQL: until SQL returns t on the standby
standby_poll() {
    local deadline=$((SECONDS + $1))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(sq "$2" 2>/dev/null)" = t ] && return 0
        sleep 0.2
    done
    return 1
}
pause_replay() {
    sq "SELECT pg_wal_replay_pause()" >/dev/null
    standby_poll 30 "SELECT pg_get_wal_replay_pause_state() = 'paused'" && echo paused
}
items pl 100000
check "C: the standby has the table"     "$(standby_poll 30 "SELECT count(*) = 100000 FROM pl.items" && echo yes)" yes
check "C: pause the standby's replay" "$(pause_replay)" paused
check "C: start with a lag limit of 1MB" \
    "$(add_label pl 02_label "SET pgroll.backfill_max_replica_lag = '1MB'; SET pgroll.backfill_batch_time = '20ms';")" \
    pl_02_label
check_poll "C: the backfill waits for the standby" 60 \
    "SELECT throttled LIKE 'standby governed_standby has % of WAL left to replay (pgroll.backfill_max_replica_lag: 1024 kB)'
     FROM pgroll.backfill_progress WHERE schema = 'pl'"
check "C: status() says why" \
    "$(q "SELECT progress LIKE '%standby governed_standby has%' FROM pgroll.status('pl')")" t
before=$(rows_done pl)
sleep 1
check "C: no row is written while it waits" "$(rows_done pl)" "$before"
check "C: not all rows were written" "$([ "$before" -lt 100000 ] && echo yes)" yes
sq "SELECT pg_wal_replay_resume()" >/dev/null
check "C: after replay resumes the backfill finishes" \
    "$(q "CALL pgroll.wait('pl', '2 minutes')"; q "SELECT phase FROM pgroll.status('pl')")" ready
check "C: the wait is over" "$(q "SELECT throttled IS NULL FROM pgroll.jobs WHERE schema = 'pl' AND kind = 'backfill'")" t
check "C: every row right" "$(q "SELECT count(*) FROM pl_02_label.items WHERE label = upper(name)")" 100000
q "SELECT pgroll.complete('pl')" >/dev/null
check_poll "C: the standby catches up" 60 \
    "SELECT coalesce(bool_and(replay_lsn = pg_current_wal_lsn()), false) FROM pg_stat_replication"
items pm 100000
check "C: pause the standby's replay again" "$(pause_replay)" paused
add_label pm 02_label "SET pgroll.backfill_max_replica_lag = '1MB'; SET pgroll.backfill_batch_time = '20ms';" >/dev/null
check_poll "C: a second backfill waits for the paused standby" 60 \
    "SELECT throttled LIKE 'standby governed_standby%' FROM pgroll.backfill_progress WHERE schema = 'pm'"
check "C: tune_backfill(max_replica_lag => 'off')" \
    "$(q "SELECT pgroll.tune_backfill('pm', max_replica_lag => 'off')")" 02_label
check "C: ... and it finishes with the standby still paused" \
    "$(q "CALL pgroll.wait('pm', '2 minutes')"; q "SELECT phase FROM pgroll.status('pm')")/$(sq "SELECT pg_get_wal_replay_pause_state()")" \
    "ready/paused"
sq "SELECT pg_wal_replay_resume()" >/dev/null
q "SELECT pgroll.complete('pm')" >/dev/null
stop_standby

# ---------------------------------------------------------------------
# D. the table's size after a rewrite
wide() {	# wide SCHEMA: 200000 rows of about 100 bytes, an index beside the key
    q "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1;
       CREATE TABLE $1.t (id bigint PRIMARY KEY, a int NOT NULL, b text NOT NULL,
                          c timestamptz NOT NULL DEFAULT now());
       INSERT INTO $1.t (id, a, b, c)
       SELECT g, (g::bigint * 7919) % 1000003, repeat(md5(g::text), 2), now() - g * interval '1 second'
       FROM generate_series(1, 200000) g;
       CREATE INDEX ON $1.t (c);" >/dev/null
    q "VACUUM ANALYZE $1.t" >/dev/null
}
size() { q "SELECT pg_total_relation_size('$1')"; }
wide pd
before=$(size pd.t)
q "SELECT pgroll.start('{\"operations\": [{\"alter_column\": {\"table\": \"t\", \"column\": \"a\",
     \"type\": \"bigint\", \"up\": \"CAST(a AS bigint)\", \"down\": \"CAST(a AS integer)\"}}]}',
     '02_a_bigint', 'pd')" >/dev/null
q "CALL pgroll.wait('pd')" >/dev/null
q "SELECT pgroll.complete('pd')" >/dev/null
q "CALL pgroll.wait('pd')" >/dev/null
after=$(size pd.t)
wide pu
plain_before=$(size pu.t)
q "ALTER TABLE pu.t ADD COLUMN a2 bigint; UPDATE pu.t SET a2 = a" >/dev/null
plain_after=$(size pu.t)
ratio=$(q "SELECT round($after::numeric / $before, 2)")
plain=$(q "SELECT round($plain_after::numeric / $plain_before, 2)")
echo "# size after / before: pgroll's rewrite ${ratio}x, a plain UPDATE ${plain}x"
check "D: after the rewrite and complete the table is at most 1.3x its size (${ratio}x; a plain UPDATE: ${plain}x)" \
    "$(q "SELECT $after <= 1.3 * $before")" t
check "D: the backfill vacuumed the table as it went" \
    "$(q "SELECT vacuum_count > 0 FROM pg_stat_user_tables WHERE relid = 'pd.t'::regclass")" t

# ---------------------------------------------------------------------
# E. statistics after complete
check "E: the rewritten column has statistics" \
    "$(q "SELECT count(*) FROM pg_stats WHERE schemaname = 'pd' AND tablename = 't' AND attname = 'a' AND n_distinct <> 0")" 1
items ps 5000
add_label ps 02_label >/dev/null
q "CALL pgroll.wait('ps')" >/dev/null
q "SELECT pgroll.complete('ps')" >/dev/null
check "E: an added column has statistics" \
    "$(q "SELECT count(*) FROM pg_stats WHERE schemaname = 'ps' AND tablename = 'items' AND attname = 'label'")" 1

# the last ANALYZE waits for a lock another session holds, it is not skipped
items pz 30000
q "$SLOW SELECT pgroll.start('{\"operations\": [{\"alter_column\": {\"table\": \"items\", \"column\": \"n\",
     \"type\": \"bigint\", \"up\": \"CAST(n AS bigint)\", \"down\": \"CAST(n AS integer)\"}}]}',
     '02_n_bigint', 'pz')" >/dev/null
# (the backfill takes about 3 s; the lock is held for 8)
psql -X -q -c "BEGIN" -c "LOCK TABLE pz.items IN SHARE UPDATE EXCLUSIVE MODE" \
     -c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
wait $holder
q "CALL pgroll.wait('pz')" >/dev/null
q "SELECT pgroll.complete('pz')" >/dev/null
check "E: a rewritten column has statistics though its table was locked meanwhile" \
    "$(q "SELECT count(*) FROM pg_stats WHERE schemaname = 'pz' AND tablename = 'items' AND attname = 'n'")" 1
check "E: a rollback's cancel is logged as such, not as a failure" \
    "$(grep -c "failed: canceling statement due to user request" "$PGDATA/server.log")" 0

check "no process of this cluster died of a signal" \
    "$(grep -c "terminated by signal" "$PGDATA/server.log")" 0
echo "1..$t"
