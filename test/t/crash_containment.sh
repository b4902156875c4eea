#!/bin/bash
# test/t/crash_containment.sh -- a job that kills its worker never makes a
# restart loop, and rollback/complete signal only their own worker.
#
# Run by scripts/test.sh (as root).  Prints TAP.  The crashes it causes on
# purpose happen in a throwaway cluster of its own (port 54323), never in
# the shared test cluster, whose log must show no process killed by a
# signal; here every death in the log is counted and must be one of those
# the scenario caused.
#
#  A. The worker dies of SIGSEGV after claiming the backfill
#     (pgroll.inject_fault = 'worker:segfault' for the database): each death
#     restarts the whole cluster.  After 3 the job is failed with "the
#     worker stopped unexpectedly 3 times while running ...", status()
#     says failed, complete refuses (55000), no more restarts follow, and
#     rollback works without a server restart, leaving nothing of pgroll.
#  A2. Every worker of the database dies as it starts, before any claim
#     ('worker:startup-segfault'): the postmaster counts its crash restarts
#     in a row, and after 5 within a minute the launcher resumes nothing
#     and the worker the postmaster restarts exits; the loop stops by
#     itself after exactly 5 restarts, and CALL pgroll.wait() then resumes
#     the work by hand.
#  B. The same with elog(FATAL) ('worker:fatal'): the postmaster restarts
#     only the worker.
#  C. No injection: an "up" whose function terminates the backend running
#     it when that backend is the worker.
#  D. A job row naming the pid (and start time) of a process that is not a
#     pgroll worker, as after a restore on another server: rollback does
#     not cancel that process.
#
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
. scripts/lib.sh
trap stop_cluster EXIT
start_cluster /tmp/pgroll-crash-data 54323 pgroll_crashloop
export PGDATABASE=pgroll_crashloop
q "CREATE EXTENSION pgroll" >/dev/null
# the cluster runs with synchronous_commit = off; here a crash must not take
# away a commit the test has seen (a start whose worker dies at once)
q "ALTER DATABASE pgroll_crashloop SET synchronous_commit = on" >/dev/null
wait_server() {
    local deadline=$((SECONDS + 60))
    until [ "$(q "SELECT 1")" = 1 ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
}
segv_count() { grep -c "terminated by signal 11" "$PGDATA/server.log"; }

setup_schema() {	# setup_schema NAME
    q "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1;
       CREATE TABLE $1.items (id int PRIMARY KEY, name text NOT NULL);
       INSERT INTO $1.items SELECT g, 'item ' || g FROM generate_series(1, 2000) g;" >/dev/null
}
start_label() {	# start_label SCHEMA UP
    # the worker that start's commit launches may crash (on purpose) while
    # this session is still connected: the postmaster's notice to it is not
    # start's result
    q "SELECT pgroll.start('{\"operations\": [{\"add_column\": {\"table\": \"items\",
         \"up\": \"$2\", \"column\": {\"name\": \"label\", \"type\": \"text\",
         \"nullable\": true}}}]}', '02_label', '$1')" |
        grep -v -e '^WARNING:  terminating connection because of crash of another server process' \
                -e '^DETAIL:  The postmaster has commanded this server process' \
                -e '^HINT:  In a moment you should be able to reconnect'
}
leftovers() {	# leftovers SCHEMA: pgroll objects left in the schema
    q "SELECT count(*) FROM pg_attribute WHERE attrelid = '$1.items'::regclass
         AND attname LIKE '\\_pgroll%' AND NOT attisdropped"
    q "SELECT count(*) FROM pg_trigger WHERE tgrelid = '$1.items'::regclass AND NOT tgisinternal"
    q "SELECT count(*) FROM pg_namespace WHERE nspname = '$1_02_label'"
}
# contained SCHEMA LABEL: the job failed after 3 stops; complete refuses;
# rollback works; nothing of pgroll left; rows intact
contained() {
    check_poll "$2: the job fails after 3 worker stops" 90 \
        "SELECT state = 'failed' FROM pgroll.jobs WHERE schema = '$1' AND kind = 'backfill'"
    check "$2: the job's error says why" \
        "$(q "SELECT error || ' / ' || worker_stops FROM pgroll.jobs WHERE schema = '$1' AND kind = 'backfill'")" \
        "the worker stopped unexpectedly 3 times while running backfill of $1.items / 3"
    check "$2: status() says failed" "$(q "SELECT phase FROM pgroll.status('$1')")" failed
    check "$2: complete refuses (55000)" \
        "$(psql -X -A -t -q -c "\\set VERBOSITY sqlstate" -c "SELECT pgroll.complete('$1')" 2>&1)" \
        "ERROR:  55000"
}

# ---------------------------------------------------------------------
# A. SIGSEGV: the postmaster restarts the whole cluster each time
setup_schema cla
q "ALTER DATABASE pgroll_crashloop SET pgroll.inject_fault = 'worker:segfault'" >/dev/null
before=$(segv_count)
check "A: start" "$(start_label cla "upper(name)")" cla_02_label
sleep 3
wait_server
contained cla A
q "ALTER DATABASE pgroll_crashloop RESET pgroll.inject_fault" >/dev/null
check "A: the worker died of SIGSEGV exactly 3 times" "$(( $(segv_count) - before ))" 3
sleep 4
check "A: no restart loop: no further deaths" "$(( $(segv_count) - before ))" 3
check "A: rollback works without a server restart" "$(q "SELECT pgroll.rollback('cla')")" 02_label
check "A: nothing of pgroll left" "$(leftovers cla | tr '\n' ' ')" "0 0 0 "
check "A: every row kept" "$(q "SELECT count(*) FROM cla.items")" 2000
check "A: the next migration starts and completes" \
    "$(start_label cla "upper(name)" >/dev/null; q "CALL pgroll.wait('cla')"; q "SELECT pgroll.complete('cla')")" \
    02_label
check "A: and backfilled every row" \
    "$(q "SELECT count(*) FROM cla.items WHERE label = upper(name)")" 2000

# ---------------------------------------------------------------------
# A2. every worker of the database dies as it starts, before it claims a
# job: no job counts the stops, the postmaster counts its crash restarts.
# After 5 in a row within a minute the launcher resumes nothing, and the
# server stays up.  A's restarts were within the minute: a clean restart
# starts the count afresh.
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast restart \
    -l "$PGDATA/server.log" >/dev/null
setup_schema cla2
q "ALTER DATABASE pgroll_crashloop SET pgroll.inject_fault = 'worker:startup-segfault'" >/dev/null
before=$(segv_count)
restarts_before=$(grep -c "all server processes terminated; reinitializing" "$PGDATA/server.log")
check "A2: start" "$(start_label cla2 "upper(name)")" cla2_02_label
deadline=$((SECONDS + 90)); last=-1
while [ $SECONDS -lt $deadline ]; do
    sleep 5
    now=$(segv_count)
    [ "$now" = "$last" ] && break
    last=$now
done
wait_server
deaths=$(( $(segv_count) - before ))
restarts=$(( $(grep -c "all server processes terminated; reinitializing" "$PGDATA/server.log") - restarts_before ))
check "A2: the crash loop stops by itself after 5 restarts (no death for 5 s; $deaths deaths)" \
    "$([ "$(segv_count)" = "$last" ] && echo "$restarts")" 5
check "A2: the launcher says why it resumes nothing" \
    "$(grep -c "unfinished pgroll work is not resumed" "$PGDATA/server.log" | awk '{ print ($1 > 0) ? "said" : "not said" }')" said
q "ALTER DATABASE pgroll_crashloop RESET pgroll.inject_fault" >/dev/null
check "A2: CALL pgroll.wait() resumes the work by hand" \
    "$(q "CALL pgroll.wait('cla2')"; q "SELECT pgroll.complete('cla2')")" 02_label
check "A2: and every row is backfilled" \
    "$(q "SELECT count(*) FROM cla2.items WHERE label = upper(name)")" 2000

# ---------------------------------------------------------------------
# B. elog(FATAL): only the worker is restarted
setup_schema clb
q "ALTER DATABASE pgroll_crashloop SET pgroll.inject_fault = 'worker:fatal'" >/dev/null
check "B: start" "$(start_label clb "upper(name)")" clb_02_label
contained clb B
q "ALTER DATABASE pgroll_crashloop RESET pgroll.inject_fault" >/dev/null
check "B: rollback" "$(q "SELECT pgroll.rollback('clb')")" 02_label
check "B: nothing of pgroll left" "$(leftovers clb | tr '\n' ' ')" "0 0 0 "

# ---------------------------------------------------------------------
# C. an up expression that terminates the worker running it
setup_schema clc
q "CREATE FUNCTION clc.fatal_in_worker(t text) RETURNS text LANGUAGE plpgsql AS \$\$
   BEGIN
       IF current_setting('application_name') LIKE 'pgroll worker%' THEN
           PERFORM pg_terminate_backend(pg_backend_pid());
       END IF;
       RETURN upper(t);
   END \$\$" >/dev/null
check "C: start" "$(start_label clc "clc.fatal_in_worker(name)")" clc_02_label
check "C: a client's write evaluates up in its own session" \
    "$(q "INSERT INTO clc.items VALUES (5000, 'client')"; q "SELECT label FROM clc_02_label.items WHERE id = 5000")" CLIENT
contained clc C
check "C: rollback" "$(q "SELECT pgroll.rollback('clc')")" 02_label
check "C: nothing of pgroll left" "$(leftovers clc | tr '\n' ' ')" "0 0 0 "

# ---------------------------------------------------------------------
# D. a job naming a process that is not a pgroll worker
setup_schema cld
check "D: start" "$(start_label cld "upper(name)")" cld_02_label
check "D: wait" "$(q "CALL pgroll.wait('cld')"; echo ok)" ok
psql -X -q -c "SELECT pg_sleep(4)" >/tmp/pgroll_crash_victim.out 2>&1 &
victim=$!
check_poll "D: the victim session runs" 10 \
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)')"
q "UPDATE pgroll.jobs j SET state = 'running', worker_pid = a.pid,
     worker_started_at = a.backend_start
   FROM pg_stat_activity a WHERE a.query = 'SELECT pg_sleep(4)' AND j.schema = 'cld'" >/dev/null
check "D: rollback" "$(q "SELECT pgroll.rollback('cld')")" 02_label
wait "$victim"
check "D: the process the job named was not cancelled" \
    "$(grep -c "canceling statement" /tmp/pgroll_crash_victim.out)" 0
rm -f /tmp/pgroll_crash_victim.out

# every death in this cluster's log is one the scenarios caused: a pgroll
# worker, of SIGSEGV (A and A2 are counted above)
check "only pgroll workers died, only of the injected SIGSEGV" \
    "$(grep "terminated by signal" "$PGDATA/server.log" | grep -vc 'background worker "pgroll worker" (PID [0-9]*) was terminated by signal 11')" 0
check "a job that failed is logged as a WARNING naming it" \
    "$(grep -c 'WARNING:  pgroll job [0-9]* of migration "02_label" failed: the worker stopped unexpectedly' "$PGDATA/server.log" | awk '{ print ($1 >= 3) ? "logged" : "missing" }')" logged
echo "1..$t"
