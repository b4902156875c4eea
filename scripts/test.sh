#!/bin/bash
# scripts/test.sh -- run every test of pgroll on a throwaway cluster.
#
# As root on Debian 12: installs the packages it needs, builds and installs
# the extension, starts its own PostgreSQL 15 cluster as the postgres OS
# user, runs pg_regress, the isolation tests and pgTAP, stops the cluster,
# and ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
require_root

say "installing packages"
install_packages
say "building pgroll"
build_and_install

# Before the shared cluster starts: it installs the released 0.1.0 library
# for a while, which no running server may have loaded.
say "test/upgrade/upgrade.sh"
upgrade_log=$(mktemp)
test/upgrade/upgrade.sh 2>&1 | tee "$upgrade_log" \
    || echo "not ok - test/upgrade/upgrade.sh exited with an error" | tee -a "$upgrade_log"

say "starting a throwaway cluster"
trap stop_cluster EXIT
start_cluster /tmp/pgroll-test-data 54321 pgroll_regress
createdb pgroll_tap

PGXS_DIR=$(dirname "$(pg_config --pgxs)")/..
REGRESS_TESTS=$(make -s print-regress 2>/dev/null)
ISOLATION_TESTS=$(make -s print-isolation 2>/dev/null)
rm -rf results regression.diffs regress.diffs regression.out
log=$(mktemp)

# Scripts with a throwaway cluster of their own that wait more than they
# compute run meanwhile, each in the background, their TAP collected at
# the end.  (crash_containment.sh, whose crash series are timed, runs in
# the loop below.)
# (zoo.sh, which computes, runs in the loop below: beside crash_containment
# its load stretched the crash series past their bound.)
OWN_CLUSTER_TESTS="test/t/operations.sh test/t/governed_backfill.sh"
own_pids=()
own_logs=()
for t in $OWN_CLUSTER_TESTS; do
    own_log=$(mktemp)
    ( "$t" >"$own_log" 2>&1 || echo "not ok - $t exited with an error" >>"$own_log" ) &
    own_pids+=($!)
    own_logs+=("$t:$own_log")
done

say "pg_regress"
"$PGXS_DIR/test/regress/pg_regress" --bindir="$PGBIN" --inputdir=test \
    --use-existing --dbname=pgroll_regress $REGRESS_TESTS 2>&1 | tee -a "$log" || true
if [ -f regression.diffs ]; then mv regression.diffs regress.diffs; fi

say "isolation tests"
"$PGXS_DIR/test/isolation/pg_isolation_regress" --bindir="$PGBIN" --inputdir=test \
    --outputdir=. --dbname=pgroll_isolation $ISOLATION_TESTS 2>&1 | tee -a "$log" || true

say "pgTAP"
pg_prove -v -d pgroll_tap test/pgtap/*.sql 2>&1 | tee "$log.tap" || true
cat "$upgrade_log" >> "$log.tap"
rm -f "$upgrade_log"

# Scripts that restart or crash the server, and the conformance suite: each
# prints TAP ("ok N - ..." / "not ok N - ..."); they get the cluster's
# PGDATA, PGHOST, PGPORT and PGUSER, and must leave it running.
export PGDATA PGBIN
for t in test/t/*.sh test/conformance/run.sh; do
    [ -x "$t" ] || continue
    case " $OWN_CLUSTER_TESTS " in *" $t "*) continue ;; esac
    say "$t"
    "$t" 2>&1 | tee -a "$log.tap" || echo "not ok - $t exited with an error" | tee -a "$log.tap"
done
for pid in "${own_pids[@]}"; do wait "$pid" || true; done
for entry in "${own_logs[@]}"; do
    say "${entry%%:*} (ran on its own cluster, meanwhile)"
    tee -a "$log.tap" <"${entry#*:}"
    rm -f "${entry#*:}"
done

# A backend or worker that died of a signal is a failed test.  (Tests that
# crash processes on purpose do it in throwaway clusters of their own.)
say "server log: processes that died of a signal"
deaths=$(grep "terminated by signal" "$PGDATA/server.log" || true)
if [ -z "$deaths" ]; then
    echo "ok 1 - no server process died of a signal" | tee -a "$log.tap"
else
    echo "not ok 1 - server processes died of a signal" | tee -a "$log.tap"
    printf '%s\n' "$deaths" | sed 's/^/# /'
fi

for f in regress.diffs regression.diffs; do
    if [ -s "$f" ]; then say "differences in $f"; cat "$f"; fi
done

passed=$(( $(grep -cE '\.\.\. ok' "$log" || true) + $(grep -cE '^ok [0-9]+' "$log.tap" || true) ))
failed=$(( $(grep -cE '\.\.\. FAILED|\.\.\. failed' "$log" || true) + $(grep -cE '^not ok' "$log.tap" || true) ))
# a pgTAP file that dies before its plan is done counts as a failure too
failed=$(( failed + $(grep -cE 'Parse errors|Bad plan|Wstat: [1-9]' "$log.tap" || true) ))
rm -f "$log" "$log.tap"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
