#!/bin/bash
# bench/run.sh -- pgroll's benchmarks, side by side with the alternatives.
#
# As root on Debian 12: installs what it needs, builds and installs the
# extension, starts its own durable PostgreSQL 15 cluster (fsync and
# synchronous_commit on) as the postgres OS user on port 54350, runs the
# scenarios of bench/README.md, prints every figure and ratio, writes them
# to bench/results/latest.txt, and stops the cluster.  Not part of the
# test run: nothing here asserts a time.
#
#   bench/run.sh [--sizes 100000,1000000,4000000] [--runs 3]
#                [--load-size 1000000] [--tps-seconds 20] [--only 1,2,3,6,7]
#                [--batch-size N]   (pgroll.backfill_batch_size; default: the GUC's)
#                [--small-lag 4MB]  (scenario 6's third limit)
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin) picks the
# PostgreSQL installation: its psql, pgbench, pg_basebackup, pg_ctl and
# pg_config (the build installs into it); BENCH_SKIP_BUILD=1 skips
# apt-get and the build (the extension must be installed in PGBIN's tree).
#
# Scenarios:
#   1  backfill throughput: alter_column a int -> bigint (up/down), rows/s
#      from start's commit to the end of the backfill, against (A) one plain
#      UPDATE t SET n = a::bigint and (B) a pgroll-style client backfill
#      (batches of 1000 keyed on the primary key, FOR NO KEY UPDATE, a
#      PL/pgSQL trigger reading search_path per row); the speed a user
#      waits on: from just before pgroll.start to ready (every job of the
#      start phase done) against A's ALTER TABLE ADD COLUMN + UPDATE; also
#      start and complete latency (scenario 4) and rows/s per size
#      (scenario 5)
#   2  trigger cost: single-row UPDATE TPS (pgbench, 4 clients) and a bulk
#      UPDATE t SET b = b, with pgroll's sync trigger, with the PL/pgSQL
#      trigger of (B), and with none
#   3  zero downtime: pgbench writers (half through the old version, half
#      through the new) before and during start -> backfill -> complete,
#      against a naive ALTER TABLE ... TYPE bigint under the same load
#   6  a real streaming standby (pg_basebackup -R, port 54352): its peak
#      replay lag during a backfill of --load-size rows with
#      pgroll.backfill_max_replica_lag off, at its default (64MB) and at
#      --small-lag; start -> ready and how long the backfill waited
#   7  table size: pg_total_relation_size after complete (and the queued
#      work after it) over the size before start, against the same ratio
#      for A (ADD COLUMN + UPDATE); statistics of the rewritten column
#      after complete (measured on scenario 1's runs: --only 7 runs them
#      without B)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PGBIN=${PGBIN:-}
. scripts/lib.sh
# scripts/lib.sh sets PGBIN; one set by the caller wins (a private
# installation).  Every client program and pg_config come from it.
PGBIN=${BENCH_PGBIN:-$PGBIN}
export PATH="$PGBIN:$PATH"
require_root

SIZES=100000,1000000,4000000
RUNS=3
LOAD_SIZE=1000000
TPS_SECONDS=20
ONLY=1,2,3,6,7
BATCH_SIZE=
SMALL_LAG=4MB
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --load-size) LOAD_SIZE=$2; shift 2 ;;
        --tps-seconds) TPS_SECONDS=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --batch-size) BATCH_SIZE=$2; shift 2 ;;
        --small-lag) SMALL_LAG=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes N,N,...] [--runs N] [--load-size N] [--tps-seconds N] [--only 1,2,3,6,7] [--batch-size N] [--small-lag SIZE]" >&2
           exit 2 ;;
    esac
done
IFS=, read -r -a SIZE_LIST <<< "$SIZES"
MAX_SIZE=$LOAD_SIZE
for n in "${SIZE_LIST[@]}"; do [ "$n" -gt "$MAX_SIZE" ] && MAX_SIZE=$n; done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then     # set it to reuse an installed build
    say "installing packages (apt-get)"
    install_packages
    say "building and installing the pgroll extension"
    build_and_install
fi
say "starting a durable throwaway cluster in /tmp/pgroll-bench-data (port 54350) with $PGBIN"
# scenario 6's streaming standby
STANDBY_DATA=/tmp/pgroll-bench-standby
STANDBY_PORT=54352
STANDBY_NAME=bench_standby
stop_standby() {
    if [ -f "$STANDBY_DATA/postmaster.pid" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY_DATA" -w -m fast stop >/dev/null 2>&1 || true
    fi
    return 0
}
trap 'stop_standby; stop_cluster' EXIT
start_cluster /tmp/pgroll-bench-data 54350 pgroll_bench durable
export PGDATABASE=pgroll_bench
WORK=$(mktemp -d)
chmod 755 "$WORK"
mkdir -p bench/results
OUT=bench/results/latest.txt
: > "$OUT"

q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }
if [ -n "$BATCH_SIZE" ]; then
    q "ALTER DATABASE pgroll_bench SET pgroll.backfill_batch_size = $BATCH_SIZE"
fi
# report LINE: printed and kept in the results file
report() { printf '%s\n' "$*" | tee -a "$OUT"; }
# target WHAT FIGURE ge|le LIMIT: sets VERDICT to "met" or "NOT met" and
# keeps the line for the summary at the end (not in a $(...): a subshell)
TARGETS=()
VERDICT=
target() {
    local verdict sym
    verdict=$(awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN {
        if (v == "" || v == "n/a") { print "no figure"; exit }
        ok = (op == "ge") ? (v + 0 >= l + 0) : (v + 0 <= l + 0); print ok ? "met" : "NOT met" }')
    [ "$3" = ge ] && sym=">=" || sym="<="
    TARGETS+=("$(printf '%-66s %10s  (target %s %s)  %s' "$1" "$2" "$sym" "$4" "$verdict")")
    VERDICT=$verdict
}
now_ms() { date +%s%3N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.0f", n * 1000 / ms; else print 0 }'; }

report "pgroll benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
report "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
report "server: $(q 'SELECT version()' | cut -d, -f1); fsync=$(q 'SHOW fsync'), synchronous_commit=$(q 'SHOW synchronous_commit'), full_page_writes=$(q 'SHOW full_page_writes'), shared_buffers=$(q 'SHOW shared_buffers'), max_wal_size=$(q 'SHOW max_wal_size')"
report "pgroll: backfill_batch_size=$(q 'SHOW pgroll.backfill_batch_size' 2>/dev/null || echo default), runs per figure: $RUNS (medians)"

q "CREATE EXTENSION pgroll"
say "loading $MAX_SIZE source rows"
q "CREATE UNLOGGED TABLE public.src AS
     SELECT g::bigint AS id, ((g::bigint * 7919) % 1000003)::int AS a,
            md5(g::text) || substr(md5((g + 1)::text), 1, 28) AS b,
            now() - g * interval '1 second' AS c
     FROM generate_series(1, $MAX_SIZE) g"

# fresh_table SCHEMA N: SCHEMA.t with N rows, analyzed and checkpointed, so
# that every run pays the first-touch full-page images
fresh_table() {
    q "DROP SCHEMA IF EXISTS \"$1\" CASCADE" 2>/dev/null
    psql -X -q -t -A -v ON_ERROR_STOP=1 -o /dev/null <<SQL
SELECT format('DROP SCHEMA %I CASCADE', nspname) FROM pg_namespace WHERE nspname LIKE '$1\_%' \gexec
SQL
    q "DELETE FROM pgroll.migrations WHERE schema = '$1'; DELETE FROM pgroll.jobs WHERE schema = '$1'"
    q "CREATE SCHEMA \"$1\""
    q "CREATE TABLE \"$1\".t (id bigint GENERATED BY DEFAULT AS IDENTITY, a int NOT NULL,
                              b text NOT NULL, c timestamptz NOT NULL DEFAULT now())"
    q "INSERT INTO \"$1\".t SELECT * FROM public.src WHERE id <= $2"
    q "ALTER TABLE \"$1\".t ADD PRIMARY KEY (id)"
    q "SELECT setval(pg_get_serial_sequence('\"$1\".t', 'id'), $2)" >/dev/null
    q "VACUUM ANALYZE \"$1\".t"
    q "CHECKPOINT"
}

MIGRATION='{"operations": [{"alter_column": {"table": "t", "column": "a", "type": "bigint",
  "up": "CAST(a AS bigint)", "down": "CAST(a AS integer)"}}]}'

# pgroll-style: the new column, the backfill mark, a PL/pgSQL trigger that
# reads search_path per row (as pgroll's does)
plpgsql_trigger() {
    q "ALTER TABLE \"$1\".t ADD COLUMN _pgroll_new_a bigint,
                         ADD COLUMN _pgroll_needs_backfill boolean DEFAULT true"
    psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE FUNCTION "$1".sync() RETURNS trigger LANGUAGE plpgsql AS \$\$
DECLARE
    a "$1".t.a%TYPE := NEW.a;
    sp text;
BEGIN
    SELECT current_setting INTO sp FROM current_setting('search_path');
    IF sp <> '"$1_new"' THEN
        NEW._pgroll_new_a := CAST(a AS bigint);
    ELSE
        NEW.a := CAST(NEW._pgroll_new_a AS integer);
    END IF;
    NEW._pgroll_needs_backfill := false;
    RETURN NEW;
END \$\$;
CREATE TRIGGER sync BEFORE INSERT OR UPDATE ON "$1".t FOR EACH ROW EXECUTE FUNCTION "$1".sync();
SQL
}

# ---------------------------------------------------------------------
# 1. Backfill throughput (with 4. start/complete latency, 5. scaling)
# ---------------------------------------------------------------------
cat > "$WORK/b_batch.pgb" <<'PGB'
WITH batch AS (SELECT id FROM bench_b.t WHERE id > :last ORDER BY id LIMIT 1000 FOR NO KEY UPDATE),
     upd AS (UPDATE bench_b.t SET id = t.id FROM batch WHERE t.id = batch.id RETURNING t.id)
SELECT coalesce(max(id), :last) AS last FROM upd
\gset
PGB

# server clock in ms, for psql scripts
MS="SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;"

# one_run_A N -> "update_ms add_and_update_ms size_before size_after": the
# UPDATE alone, and ADD COLUMN + UPDATE from just before the ALTER to the
# UPDATE's commit (server clock, one session, each statement its own
# transaction); the table's total size before the ALTER and after
one_run_A() {
    fresh_table bench_a "$1"
    local before out t0 t1 t2
    before=$(q "SELECT pg_total_relation_size('bench_a.t')")
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 <<SQL
$MS
ALTER TABLE bench_a.t ADD COLUMN n bigint;
$MS
UPDATE bench_a.t SET n = a::bigint;
$MS
SQL
)
    { read -r t0; read -r t1; read -r t2; } <<< "$out"
    echo "$(( t2 - t1 )) $(( t2 - t0 )) $before $(q "SELECT pg_total_relation_size('bench_a.t')")"
}

# one_run_B N -> ms
one_run_B() {
    fresh_table bench_b "$1"
    plpgsql_trigger bench_b
    q "CHECKPOINT"
    local t0; t0=$(now_ms)
    pgbench -n -c 1 -t $(( $1 / 1000 + 1 )) -D last=0 -f "$WORK/b_batch.pgb" >/dev/null
    local ms=$(( $(now_ms) - t0 ))
    local left; left=$(q "SELECT count(*) FROM bench_b.t WHERE _pgroll_needs_backfill OR _pgroll_new_a IS DISTINCT FROM a")
    [ "$left" = 0 ] || echo "B left $left rows wrong" >&2
    echo "$ms"
}

# one_run_P N -> "backfill_ms ready_ms start_ms complete_ms size_before
# size_after stats": backfill_ms from start's commit to the backfill job's
# end; ready_ms from just before the pgroll.start call to the end of the
# last job of the start phase (then status() says ready); sizes before
# start and after complete and CALL pgroll.wait(); stats: whether the
# rewritten column has a pg_stats row after complete (1/0)
one_run_P() {
    fresh_table bench_p "$1"
    local out before start_ms t_before t0 done_ms ready_ms phase complete_ms left after stats
    before=$(q "SELECT pg_total_relation_size('bench_p.t')")
    # before start, start timed, the moment it committed: one session
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 <<SQL
$MS
\timing on
SELECT pgroll.start('$MIGRATION', '02_a_bigint', 'bench_p');
\timing off
$MS
SQL
)
    t_before=$(printf '%s\n' "$out" | head -1)
    start_ms=$(printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    t0=$(printf '%s\n' "$out" | tail -1)
    q "CALL pgroll.wait('bench_p', '1 hour')"
    done_ms=$(q "SELECT (extract(epoch FROM finished_at) * 1000)::bigint FROM pgroll.jobs
                 WHERE schema = 'bench_p' AND kind = 'backfill' ORDER BY id DESC LIMIT 1")
    ready_ms=$(q "SELECT (extract(epoch FROM max(finished_at)) * 1000)::bigint FROM pgroll.jobs
                  WHERE schema = 'bench_p' AND phase = 'start'")
    phase=$(q "SELECT phase FROM pgroll.status('bench_p')")
    [ "$phase" = ready ] || echo "pgroll: phase $phase after CALL pgroll.wait(), not ready" >&2
    left=$(q "SELECT count(*) FROM bench_p.t WHERE _pgroll_needs_backfill OR _pgroll_new_a IS DISTINCT FROM a")
    [ "$left" = 0 ] || echo "pgroll left $left rows wrong" >&2
    complete_ms=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -c '\timing on' \
                  -c "SELECT pgroll.complete('bench_p')" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    q "CALL pgroll.wait('bench_p', '1 hour')"
    after=$(q "SELECT pg_total_relation_size('bench_p.t')")
    stats=$(q "SELECT count(*) FROM pg_stats s JOIN pg_attribute a
                 ON a.attrelid = 'bench_p.t'::regclass AND a.attname = s.attname
               WHERE s.schemaname = 'bench_p' AND s.tablename = 't' AND s.attname = 'a'
                 AND a.atttypid = 'bigint'::regtype")
    echo "$(( done_ms - t0 )) $(( ready_ms - t_before )) $start_ms $complete_ms $before $after $stats"
}

if wants 1 || wants 7; then
    if wants 1; then say "1. backfill throughput"; else say "7. table size (scenario 1's runs without B)"; fi
    declare -A START_MS COMPLETE_MS SPEED_LINES SIZE_LINES
    S1_LINES=()
    for n in "${SIZE_LIST[@]}"; do
        a=(); aw=(); b=(); p=(); pw=(); s=(); c=(); ra=(); rb=(); rw=(); sza=(); szp=(); st=()
        for r in $(seq "$RUNS"); do
            read -r ms wms bsz asz < <(one_run_A "$n")
            a+=("$(rate "$n" "$ms")"); aw+=("$(rate "$n" "$wms")"); sza+=("$(ratio "$asz" "$bsz")")
            if wants 1; then ms=$(one_run_B "$n"); b+=("$(rate "$n" "$ms")"); fi
            read -r ms wms sms cms bsz psz stats < <(one_run_P "$n")
            p+=("$(rate "$n" "$ms")"); pw+=("$(rate "$n" "$wms")"); s+=("$sms"); c+=("$cms")
            szp+=("$(ratio "$psz" "$bsz")"); st+=("$stats")
            ra+=("$(ratio "${p[-1]}" "${a[-1]}")"); rw+=("$(ratio "${pw[-1]}" "${aw[-1]}")")
            wants 1 && rb+=("$(ratio "${p[-1]}" "${b[-1]}")")
            echo "   size $n run $r: A ${a[-1]} (with ADD COLUMN ${aw[-1]}) B ${b[-1]:-skipped} pgroll backfill ${p[-1]}, start -> ready ${pw[-1]} rows/s; start ${sms} ms complete ${cms} ms; size x${szp[-1]} (A x${sza[-1]}), stats $stats"
        done
        am=$(echo "${a[*]}" | median); pm=$(echo "${p[*]}" | median)
        awm=$(echo "${aw[*]}" | median); pwm=$(echo "${pw[*]}" | median)
        START_MS[$n]=$(echo "${s[*]}" | median); COMPLETE_MS[$n]=$(echo "${c[*]}" | median)
        if wants 1; then
            bm=$(echo "${b[*]}" | median)
            S1_LINES+=("$(printf '%-10s %12s %12s %12s %10s %10s' "$n" "$am" "$bm" "$pm" "$(ratio "$pm" "$am")" "$(ratio "$pm" "$bm")")")
            S1_LINES+=("$(printf '%-10s %12s %12s %12s %10s %10s' '  (runs)' "$(echo "${a[*]}" | tr ' ' /)" "$(echo "${b[*]}" | tr ' ' /)" "$(echo "${p[*]}" | tr ' ' /)" "$(echo "${ra[*]}" | tr ' ' /)" "$(echo "${rb[*]}" | tr ' ' /)")")
            target "1. backfill job / A (UPDATE), $n rows" "$(ratio "$pm" "$am")" ge 0.85
            target "1. backfill job / B (client backfill), $n rows" "$(ratio "$pm" "$bm")" ge 1.5
            target "1b. start -> ready / A (ADD COLUMN + UPDATE), $n rows" "$(ratio "$pwm" "$awm")" ge 0.9
            SPEED_LINES[$n]="$(printf '%-10s %14s %14s %10s %-8s' "$n" "$awm" "$pwm" "$(ratio "$pwm" "$awm")" "$VERDICT")"
            SPEED_LINES[$n]+=$'\n'"$(printf '%-10s %14s %14s %10s' '  (runs)' "$(echo "${aw[*]}" | tr ' ' /)" "$(echo "${pw[*]}" | tr ' ' /)" "$(echo "${rw[*]}" | tr ' ' /)")"
        fi
        szpm=$(echo "${szp[*]}" | median); szam=$(echo "${sza[*]}" | median)
        stats_yes=0; for x in "${st[@]}"; do stats_yes=$(( stats_yes + x )); done
        target "7. table size after / before, pgroll rewrite, $n rows" "$szpm" le 1.3
        SIZE_LINES[$n]="$(printf '%-10s %10s %10s %-8s %s of %s runs' "$n" "x$szpm" "x$szam" "$VERDICT" "$stats_yes" "$RUNS")"
        SIZE_LINES[$n]+=$'\n'"$(printf '%-10s %10s %10s' '  (runs)' "$(echo "${szp[*]}" | tr ' ' /)" "$(echo "${sza[*]}" | tr ' ' /)")"
        target "7. runs with statistics of the rewritten column after complete, $n rows" "$stats_yes" ge "$RUNS"
    done
    if wants 1; then
        report ""
        report "== 1. Backfill throughput (alter_column a int -> bigint), rows/s, median of $RUNS"
        report "   the backfill job alone: from start's commit to the backfill job's end; A: the UPDATE alone"
        report "   targets: ext/A >= 0.85, ext/B >= 1.5; (runs) under ext/A and ext/B: the ratio of each run"
        report "$(printf '%-10s %12s %12s %12s %10s %10s' rows 'A plain UPD' 'B pgroll-sty' 'pgroll ext' 'ext/A' 'ext/B')"
        for l in "${S1_LINES[@]}"; do report "$l"; done
        report ""
        report "== 1b. Speed as a user waits, rows/s, median of $RUNS"
        report "   pgroll: from just before the pgroll.start call to ready (the last job of the start phase done:"
        report "   backfill, VALIDATE CONSTRAINT); A: ALTER TABLE ADD COLUMN n bigint + UPDATE t SET n = a::bigint"
        report "   target: pgroll/A >= 0.90"
        report "$(printf '%-10s %14s %14s %10s %s' rows 'A ADD+UPDATE' 'start->ready' 'pgroll/A' 'target >= 0.90')"
        for n in "${SIZE_LIST[@]}"; do report "${SPEED_LINES[$n]}"; done
        report ""
        report "== 4. Constant-time phases: start and complete latency (ms, median of $RUNS, no load)"
        for n in "${SIZE_LIST[@]}"; do
            report "$(printf '%-10s start %8s ms   complete %8s ms' "$n" "${START_MS[$n]}" "${COMPLETE_MS[$n]}")"
        done
    fi
    report ""
    report "== 7. Table size: pg_total_relation_size after / before, median of $RUNS"
    report "   pgroll: before start -> after complete and CALL pgroll.wait(); A: before ADD COLUMN -> after the UPDATE"
    report "   target: pgroll <= 1.3x; stats: runs in which the rewritten column (a, now bigint) has a pg_stats row after complete"
    report "$(printf '%-10s %10s %10s %-8s %s' rows pgroll 'A UPDATE' 'target' 'stats')"
    for n in "${SIZE_LIST[@]}"; do report "${SIZE_LINES[$n]}"; done
fi

# ---------------------------------------------------------------------
# 2. Trigger cost
# ---------------------------------------------------------------------
if wants 2; then
    say "2. trigger cost on $LOAD_SIZE rows"
    # three tables: no trigger, pgroll's sync trigger (migration active,
    # backfilled), the PL/pgSQL trigger (backfilled)
    fresh_table tc_none "$LOAD_SIZE"
    fresh_table tc_pgroll "$LOAD_SIZE"
    q "SELECT pgroll.start('$MIGRATION', '02_a_bigint', 'tc_pgroll')" >/dev/null
    q "CALL pgroll.wait('tc_pgroll', '1 hour')"
    fresh_table tc_plpgsql "$LOAD_SIZE"
    plpgsql_trigger tc_plpgsql
    q "UPDATE tc_plpgsql.t SET id = id" >/dev/null
    for v in tc_none tc_pgroll tc_plpgsql; do q "VACUUM (FREEZE, ANALYZE) $v.t"; done
    q "CHECKPOINT"
    for v in tc_none tc_pgroll tc_plpgsql; do
        printf '\\set id random(1, %d)\nUPDATE %s.t SET a = a + 1 WHERE id = :id;\n' "$LOAD_SIZE" "$v" > "$WORK/$v.pgb"
        pgbench -n -c 4 -j 2 -T 5 -f "$WORK/$v.pgb" >/dev/null 2>&1    # warm-up
    done
    declare -A TPS
    for r in $(seq "$RUNS"); do
        for v in tc_none tc_pgroll tc_plpgsql; do
            q "VACUUM $v.t"
            tps=$(pgbench -n -c 4 -j 2 -T "$TPS_SECONDS" -f "$WORK/$v.pgb" 2>/dev/null |
                  sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
            TPS[$v]="${TPS[$v]:-} $tps"
            echo "   run $r $v: $tps tps"
        done
    done
    none=$(echo "${TPS[tc_none]}" | median); pg=$(echo "${TPS[tc_pgroll]}" | median)
    pl=$(echo "${TPS[tc_plpgsql]}" | median)
    report ""
    report "== 2. Trigger cost on $LOAD_SIZE rows"
    report "(i) single-row UPDATE, pgbench -c 4 -j 2 -T $TPS_SECONDS, TPS median of $RUNS"
    report "$(printf '    none %s   pgroll sync trigger %s   PL/pgSQL trigger %s' "$none" "$pg" "$pl")"
    report "    runs: none${TPS[tc_none]} / pgroll${TPS[tc_pgroll]} / plpgsql${TPS[tc_plpgsql]}"
    target "2. single-row UPDATE TPS, sync trigger / none" "$(ratio "$pg" "$none")" ge 0.95
    report "    pgroll/none $(ratio "$pg" "$none") (target >= 0.95: $VERDICT)   plpgsql/none $(ratio "$pl" "$none")"
    declare -A BULK
    for r in $(seq "$RUNS"); do
        for v in tc_none tc_pgroll tc_plpgsql; do
            q "VACUUM $v.t"; q "CHECKPOINT"
            t0=$(now_ms)
            q "UPDATE $v.t SET b = b" >/dev/null
            BULK[$v]="${BULK[$v]:-} $(rate "$LOAD_SIZE" $(( $(now_ms) - t0 )))"
        done
    done
    none=$(echo "${BULK[tc_none]}" | median); pg=$(echo "${BULK[tc_pgroll]}" | median)
    pl=$(echo "${BULK[tc_plpgsql]}" | median)
    report "(ii) bulk UPDATE t SET b = b, rows/s median of $RUNS"
    report "$(printf '    none %s   pgroll sync trigger %s   PL/pgSQL trigger %s' "$none" "$pg" "$pl")"
    report "    runs: none${BULK[tc_none]} / pgroll${BULK[tc_pgroll]} / plpgsql${BULK[tc_plpgsql]}"
    target "2. bulk UPDATE rows/s, sync trigger / none" "$(ratio "$pg" "$none")" ge 0.7
    report "    pgroll/none $(ratio "$pg" "$none") (target >= 0.70: $VERDICT)   plpgsql/none $(ratio "$pl" "$none")"
    q "SELECT pgroll.rollback('tc_pgroll')" >/dev/null
    for v in tc_none tc_pgroll tc_plpgsql; do q "DROP SCHEMA $v CASCADE"; done
fi

# ---------------------------------------------------------------------
# 3. Zero downtime
# ---------------------------------------------------------------------
# latency_stats LOGS FROM_MS TO_MS -> "count p99_ms max_ms" of transactions
# that ended in [FROM, TO) (pgbench -l: ... epoch us at columns 5 and 6,
# latency in us at column 3)
latency_stats() {
    cat $1 | awk -v from="$2" -v to="$3" '
        { end_ms = $5 * 1000 + $6 / 1000; if (end_ms >= from && end_ms < to) print $3 / 1000 }' |
        sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "0 0 0"; exit }
            i = int(NR * 0.99); if (i < 1) i = 1
            printf "%d %.1f %.1f\n", NR, v[i], v[NR] }'
}

# the longest time in [FROM, TO) during which no transaction ended, in ms
longest_gap() {
    cat $1 | awk -v from="$2" -v to="$3" '
        { end_ms = $5 * 1000 + $6 / 1000; if (end_ms >= from && end_ms < to) printf "%.3f\n", end_ms }' |
        sort -g | awk '{ if (NR > 1 && $1 - prev > gap) gap = $1 - prev; prev = $1 }
                       END { printf "%.0f\n", gap }'
}

# one_zero_downtime -> "ms before_n before_p99 before_max during_n during_p99
# during_max gap failed aborted" for pgroll under 4 writers
one_zero_downtime() {
    # the table as version zd_01 of schema zd; 2 writers through the old
    # version until the rollout flag says the old release is gone, 2
    # through the newest version there is
    fresh_table zd "$LOAD_SIZE"
    # the writers are an application role, as in production: a version is
    # theirs once pgroll opens it (after its backfill), not before
    q "DROP ROLE IF EXISTS zd_app; CREATE ROLE zd_app LOGIN;
       GRANT USAGE ON SCHEMA zd TO zd_app; GRANT SELECT, UPDATE ON zd.t TO zd_app"
    q "SELECT pgroll.start('{\"operations\": [{\"sql\": {\"up\": \"SELECT 1\"}}]}', '01', 'zd')" >/dev/null
    q "SELECT pgroll.complete('zd')" >/dev/null
    q "CREATE TABLE zd.rollout (done boolean NOT NULL); INSERT INTO zd.rollout VALUES (false);
       GRANT SELECT ON zd.rollout TO zd_app"
    cat > "$WORK/zd_old.pgb" <<PGB
\\set id random(1, $LOAD_SIZE)
BEGIN;
SELECT set_config('search_path', CASE WHEN (SELECT done FROM zd.rollout) THEN 'zd_02' ELSE 'zd_01' END, true);
UPDATE t SET a = a + 1 WHERE id = :id;
COMMIT;
PGB
    cat > "$WORK/zd_new.pgb" <<PGB
\\set id random(1, $LOAD_SIZE)
BEGIN;
SELECT set_config('search_path', CASE WHEN coalesce(has_schema_privilege(to_regnamespace('zd_02')::oid, 'USAGE'), false) THEN 'zd_02' ELSE 'zd_01' END, true);
UPDATE t SET a = a + 1 WHERE id = :id;
COMMIT;
PGB
    q "CHECKPOINT"
    local est=$(( LOAD_SIZE / 40000 + 14 ))
    rm -f "$WORK"/zd_*.log* "$WORK"/zd_*.out
    (cd "$WORK" && pgbench -U zd_app -n -c 2 -j 1 -T "$est" -l --log-prefix=zd_old -f zd_old.pgb > zd_old.out 2>&1) &
    local old_pid=$!
    (cd "$WORK" && pgbench -U zd_app -n -c 2 -j 1 -T "$est" -l --log-prefix=zd_new -f zd_new.pgb > zd_new.out 2>&1) &
    local new_pid=$!
    sleep 6
    local mig_from mig_to
    mig_from=$(now_ms)
    q "SELECT pgroll.start('$MIGRATION', '02', 'zd')" >/dev/null
    q "CALL pgroll.wait('zd', '1 hour')"
    # the rollout: the old release goes; its transactions in flight end
    q "UPDATE zd.rollout SET done = true"
    sleep 0.5
    q "SELECT pgroll.complete('zd')" >/dev/null
    mig_to=$(now_ms)
    wait $old_pid $new_pid || true
    [ "$mig_to" -lt $(( mig_from + (est - 6) * 1000 )) ] ||
        echo "warning: the load ended before the migration did" >&2
    local logs="$WORK/zd_old.* $WORK/zd_new.*"
    { grep 'error\|ERROR' "$WORK/zd_old.out" "$WORK/zd_new.out" || true; } | head -4 |
        sed "s|^$WORK/zd_\([a-z]*\).out:|    \1 writer: |" >&2
    echo "$(( mig_to - mig_from )) $(latency_stats "$logs" $(( mig_from - 4000 )) "$mig_from") \
$(latency_stats "$logs" "$mig_from" "$mig_to") $(longest_gap "$logs" "$mig_from" "$mig_to") \
$(cat "$WORK/zd_old.out" "$WORK/zd_new.out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }') \
$(cat "$WORK/zd_old.out" "$WORK/zd_new.out" | grep -c 'client [0-9]* script [0-9]* aborted' || true)"
}

# one_naive -> "ms before_n before_p99 before_max during_n during_p99
# during_max gap failed"
one_naive() {
    fresh_table naive "$LOAD_SIZE"
    printf '\\set id random(1, %d)\nUPDATE naive.t SET a = a + 1 WHERE id = :id;\n' "$LOAD_SIZE" > "$WORK/naive.pgb"
    rm -f "$WORK"/naive_log.* "$WORK/naive.out"
    (cd "$WORK" && pgbench -n -c 4 -j 2 -T 16 -l --log-prefix=naive_log -f naive.pgb > naive.out 2>&1) &
    local pid=$!
    sleep 6
    local from to
    from=$(now_ms)
    q "ALTER TABLE naive.t ALTER COLUMN a TYPE bigint"
    to=$(now_ms)
    wait $pid || true
    local logs="$WORK/naive_log.*"
    echo "$(( to - from )) $(latency_stats "$logs" $(( from - 4000 )) "$from") \
$(latency_stats "$logs" "$from" $(( to + 1000 ))) $(longest_gap "$logs" "$from" $(( to + 1000 ))) \
$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/naive.out" | awk '{ s += $1 } END { print s + 0 }')"
}

if wants 3; then
    say "3. zero downtime on $LOAD_SIZE rows"
    z_ms=(); z_p99b=(); z_p99d=(); z_maxb=(); z_maxd=(); z_gap=(); z_fail=0; z_abort=0
    n_ms=(); n_p99b=(); n_maxd=(); n_gap=(); n_fail=0
    for r in $(seq "$RUNS"); do
        read -r ms nb p99b maxb nd p99d maxd gap failed aborted < <(one_zero_downtime)
        echo "   run $r pgroll: $ms ms; before $nb txns p99 $p99b max $maxb; during $nd txns p99 $p99d max $maxd; gap $gap ms; failed $failed, aborted $aborted"
        z_ms+=("$ms"); z_p99b+=("$p99b"); z_p99d+=("$p99d"); z_maxb+=("$maxb"); z_maxd+=("$maxd"); z_gap+=("$gap")
        z_fail=$(( z_fail + failed )); z_abort=$(( z_abort + aborted ))
        read -r ms nb p99b maxb nd p99d maxd gap failed < <(one_naive)
        echo "   run $r naive ALTER: $ms ms; before $nb txns p99 $p99b max $maxb; during $nd txns p99 $p99d max $maxd; stalled $gap ms; failed $failed"
        n_ms+=("$ms"); n_p99b+=("$p99b"); n_maxd+=("$maxd"); n_gap+=("$gap"); n_fail=$(( n_fail + failed ))
    done
    p99b=$(echo "${z_p99b[*]}" | median); p99d=$(echo "${z_p99d[*]}" | median)
    maxd=$(echo "${z_maxd[*]}" | median)
    z_ratio=(); for i in "${!z_p99b[@]}"; do z_ratio+=("$(ratio "${z_p99d[$i]}" "${z_p99b[$i]}")"); done
    report ""
    report "== 3. Zero downtime on $LOAD_SIZE rows, 4 writers (single-row UPDATEs), median of $RUNS"
    report "pgroll: 2 writers through the old version until the rollout (after the backfill), 2 through the new one"
    report "    start -> backfill -> complete: $(echo "${z_ms[*]}" | median) ms (runs: ${z_ms[*]})"
    target "3. writers' p99 during / before the migration" "$(ratio "$p99d" "$p99b")" le 1.5
    report "    p99 before $p99b ms, during $p99d ms: during/before $(ratio "$p99d" "$p99b") (target <= 1.5: $VERDICT) (runs: ${z_p99b[*]} / ${z_p99d[*]}; ratios ${z_ratio[*]})"
    target "3. writers' max latency during the migration, ms" "$maxd" le 50
    report "    max before $(echo "${z_maxb[*]}" | median) ms, during $maxd ms (target <= 50 ms: $VERDICT) (runs during: ${z_maxd[*]}; worst $(printf '%s\n' "${z_maxd[@]}" | sort -g | tail -1) ms)"
    report "    longest time without a commit during: $(echo "${z_gap[*]}" | median) ms (runs: ${z_gap[*]})"
    # pgbench aborts a client at its first error: an aborted client is a failed transaction too
    target "3. failed transactions + clients aborted by an error, all runs" "$(( z_fail + z_abort ))" le 0
    report "    failed transactions in all runs: $z_fail; clients aborted by an error: $z_abort (target 0 of both: $VERDICT)"
    report "naive ALTER TABLE t ALTER COLUMN a TYPE bigint, 4 writers:"
    report "    ALTER took $(echo "${n_ms[*]}" | median) ms (runs: ${n_ms[*]}); writers stalled for $(echo "${n_gap[*]}" | median) ms (runs: ${n_gap[*]})"
    report "    max latency during $(echo "${n_maxd[*]}" | median) ms (runs: ${n_maxd[*]}); p99 before $(echo "${n_p99b[*]}" | median) ms"
    report "    failed transactions in all runs: $n_fail"
fi

# ---------------------------------------------------------------------
# 6. A real streaming standby
# ---------------------------------------------------------------------
sq() { PGPORT=$STANDBY_PORT q "$1"; }

# make_standby: a streaming standby of the bench cluster (pg_basebackup -R
# with a physical slot), its own data directory and port; nothing slows it
make_standby() {
    stop_standby
    rm -rf "$STANDBY_DATA"
    q "SELECT pg_drop_replication_slot('$STANDBY_NAME') FROM pg_replication_slots WHERE slot_name = '$STANDBY_NAME'" >/dev/null
    runuser -u postgres -- "$PGBIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres \
        -D "$STANDBY_DATA" -R -X stream -c fast -C -S "$STANDBY_NAME"
    rm -f "$STANDBY_DATA/server.log"
    # pg_cron is not loaded on the standby (it has nothing to run there)
    cat >> "$STANDBY_DATA/postgresql.conf" <<CONF
port = $STANDBY_PORT
shared_preload_libraries = 'pgroll'
CONF
    # after the line pg_basebackup -R wrote: the last one counts
    echo "primary_conninfo = 'host=$PGHOST port=$PGPORT user=postgres application_name=$STANDBY_NAME'" \
        >> "$STANDBY_DATA/postgresql.auto.conf"
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STANDBY_DATA" -l "$STANDBY_DATA/server.log" -w -t 120 start >/dev/null
    local deadline=$((SECONDS + 60))
    until [ "$(q "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME' AND state = 'streaming'")" = 1 ]; do
        [ $SECONDS -lt $deadline ] || { echo "the standby does not stream" >&2; return 1; }
        sleep 0.2
    done
}

# standby_catch_up: until the standby has replayed the primary's WAL up to now
# (asked of the standby itself: pg_stat_replication's replay_lsn can be up
# to wal_receiver_status_interval old when the primary is idle)
standby_catch_up() {
    local lsn deadline=$((SECONDS + 600))
    lsn=$(q "SELECT pg_current_wal_lsn()")
    until [ "$(sq "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '$lsn') >= 0" 2>/dev/null)" = t ]; do
        [ $SECONDS -lt $deadline ] || { echo "the standby did not catch up" >&2; return 1; }
        sleep 0.2
    done
}

# lag_sampler FILE: every 100 ms, one line "epoch_ms lag_bytes throttled"
# (lag from pg_stat_replication as the primary sees it, -1: no standby;
# throttled: 1 while pgroll.jobs.throttled of schema sb's backfill is set),
# one connection, until $WORK/sb_stop exists
lag_sampler() {
    while [ ! -e "$WORK/sb_stop" ]; do
        echo "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
                     coalesce((SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn))::bigint
                               FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'), -1),
                     coalesce((SELECT (throttled IS NOT NULL)::int FROM pgroll.jobs
                               WHERE schema = 'sb' AND kind = 'backfill' ORDER BY id DESC LIMIT 1), 0);"
        sleep 0.1
    done | psql -X -A -t -q -F ' ' > "$1"
}

# log_ms: the server log's "YYYY-MM-DD HH:MM:SS.mmm" prefix as ms of the day
# one_standby LIMIT (off, default, or a size) -> "ready_ms backfill_ms
# peak_lag_bytes waits wait_ms longest_wait_ms throttled_samples samples
# limit": start -> ready and start -> the backfill's end (from just before
# the start call), the peak of the sampled lag between them, the waits the
# server log shows (pgroll backfill of ... waits / goes on) and their total,
# the samples in which pgroll.jobs.throttled was set, the job's limit
one_standby() {
    local set
    case $1 in
        off) set="SET pgroll.backfill_max_replica_lag = -1;" ;;
        default) set="RESET pgroll.backfill_max_replica_lag;" ;;
        *) set="SET pgroll.backfill_max_replica_lag = '$1';" ;;
    esac
    fresh_table sb "$LOAD_SIZE"
    standby_catch_up
    local log_from out t0 ready bf limit peak thr waits
    log_from=$(stat -c %s "$PGDATA/server.log")
    rm -f "$WORK/sb_stop" "$WORK/sb_lag.txt"
    lag_sampler "$WORK/sb_lag.txt" &
    local spid=$!
    sleep 0.3
    out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 <<SQL
$set
$MS
SELECT pgroll.start('$MIGRATION', '02_a_bigint', 'sb');
SQL
)
    t0=$(printf '%s\n' "$out" | head -1)
    q "CALL pgroll.wait('sb', '1 hour')"
    ready=$(q "SELECT (extract(epoch FROM max(finished_at)) * 1000)::bigint FROM pgroll.jobs
               WHERE schema = 'sb' AND phase = 'start'")
    bf=$(q "SELECT (extract(epoch FROM finished_at) * 1000)::bigint FROM pgroll.jobs
            WHERE schema = 'sb' AND kind = 'backfill' ORDER BY id DESC LIMIT 1")
    limit=$(q "SELECT CASE WHEN coalesce(max_replica_lag, -1) < 0 THEN 'off'
                      ELSE replace(pg_size_pretty(max_replica_lag * 1024::bigint), ' ', '') END
               FROM pgroll.jobs WHERE schema = 'sb' AND kind = 'backfill' ORDER BY id DESC LIMIT 1")
    touch "$WORK/sb_stop"
    wait "$spid" || true
    peak=$(awk -v a="$t0" -v b="$ready" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$WORK/sb_lag.txt")
    thr=$(awk -v a="$t0" -v b="$ready" '$1 >= a && $1 <= b { n++; t += $3 } END { print t + 0, n + 0 }' "$WORK/sb_lag.txt")
    # the waits in the server log ("2026-01-01 10:00:00.123 UTC [pid] LOG:  pgroll backfill of ... waits: ...")
    waits=$(tail -c +$(( log_from + 1 )) "$PGDATA/server.log" |
            { grep -E 'LOG:  pgroll backfill of .*( waits: | goes on$)' || true; } |
            awk '{ split($2, h, ":"); ms = (h[1] * 3600 + h[2] * 60 + h[3]) * 1000
                   if ($0 ~ / waits: /) { w = ms; n++ }
                   else if (w != "") { d = ms - w; if (d < 0) d += 86400000; total += d; if (d > longest) longest = d; w = "" } }
                 END { printf "%d %.0f %.0f\n", n, total, longest }')
    # what it waited for, once, for the output
    tail -c +$(( log_from + 1 )) "$PGDATA/server.log" | { grep -E 'LOG:  pgroll backfill of .* waits: ' || true; } |
        head -1 | sed 's/^.*LOG:  /      log: /' >&2
    q "SELECT pgroll.complete('sb')" >/dev/null
    q "CALL pgroll.wait('sb', '1 hour')"
    echo "$(( ready - t0 )) $(( bf - t0 )) $peak $waits $thr $limit"
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

if wants 6; then
    say "6. a streaming standby (port $STANDBY_PORT), backfills of $LOAD_SIZE rows"
    make_standby
    report ""
    report "== 6. A real streaming standby (pg_basebackup -R, port $STANDBY_PORT, same machine, not slowed), $LOAD_SIZE rows, median of $RUNS"
    report "   peak lag: pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) from pg_stat_replication, sampled every 100 ms"
    report "   from just before start to ready; waits: the server log's 'pgroll backfill of ... waits' / 'goes on' lines"
    LIMITS=(off default "$SMALL_LAG")
    declare -A SB_READY SB_BF SB_PEAK SB_WAITS SB_WAITMS SB_LONGEST SB_THR SB_LIMIT SB_SAMPLES
    for r in $(seq "$RUNS"); do
        for l in "${LIMITS[@]}"; do
            read -r ready bf peak nw wms longest thr ns limit < <(one_standby "$l")
            echo "   run $r limit $l ($limit): start -> ready $ready ms, backfill $bf ms, peak lag $(mb "$peak") MB, $nw waits, $wms ms waited (longest $longest ms), throttled in $thr of $ns samples"
            SB_READY[$l]+=" $ready"; SB_BF[$l]+=" $bf"; SB_PEAK[$l]+=" $peak"; SB_WAITS[$l]+=" $nw"
            SB_WAITMS[$l]+=" $wms"; SB_LONGEST[$l]+=" $longest"; SB_THR[$l]+=" $thr"; SB_SAMPLES[$l]+=" $ns"; SB_LIMIT[$l]=$limit
        done
    done
    report "$(printf '%-10s %8s %12s %12s %14s %7s %11s %12s %10s' limit 'job says' 'start->ready' 'vs off' 'peak lag MB' waits 'waited ms' 'longest ms' throttled)"
    off_ready=$(echo "${SB_READY[off]}" | median)
    for l in "${LIMITS[@]}"; do
        ready=$(echo "${SB_READY[$l]}" | median)
        report "$(printf '%-10s %8s %12s %12s %14s %7s %11s %12s %10s' "$l" "${SB_LIMIT[$l]}" "$ready ms" \
                  "$(ratio "$ready" "$off_ready")x" "$(mb "$(echo "${SB_PEAK[$l]}" | median)")" \
                  "$(echo "${SB_WAITS[$l]}" | median)" "$(echo "${SB_WAITMS[$l]}" | median)" \
                  "$(echo "${SB_LONGEST[$l]}" | median)" "$(echo "${SB_THR[$l]}" | median)/$(echo "${SB_SAMPLES[$l]}" | median)")"
        report "$(printf '%-10s runs: start->ready%s ms; peak lag%s bytes; waits%s; waited%s ms' '' "${SB_READY[$l]}" "${SB_PEAK[$l]}" "${SB_WAITS[$l]}" "${SB_WAITMS[$l]}")"
    done
    off_peak=$(echo "${SB_PEAK[off]}" | median)
    for l in default "$SMALL_LAG"; do
        lim_bytes=$(q "SELECT CASE WHEN '${SB_LIMIT[$l]}' = 'off' THEN -1 ELSE pg_size_bytes('${SB_LIMIT[$l]}') END")
        peak=$(echo "${SB_PEAK[$l]}" | median)
        max_peak=$(echo "${SB_PEAK[$l]}" | tr ' ' '\n' | grep -v '^$' | sort -g | tail -1)
        all_waits=$(echo "${SB_WAITS[$l]}" | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')
        if [ "$all_waits" = 0 ] && [ "$max_peak" -le "$lim_bytes" ]; then
            report "   limit $l (${SB_LIMIT[$l]}): the standby's lag never reached it (peak $(mb "$max_peak") MB with it, $(mb "$off_peak") MB with no limit): the backfill never waited"
        else
            report "   limit $l (${SB_LIMIT[$l]}): peak lag $(mb "$peak") MB with it, $(mb "$off_peak") MB with no limit; the backfill waited $(echo "${SB_WAITS[$l]}" | median) times, $(echo "${SB_WAITMS[$l]}" | median) ms in all; start -> ready $(ratio "$(echo "${SB_READY[$l]}" | median)" "$off_ready")x the time with no limit"
        fi
    done
    stop_standby
    q "SELECT pg_drop_replication_slot('$STANDBY_NAME')" >/dev/null
    q "DROP SCHEMA sb CASCADE"
fi

report ""
report "== Targets (every figure above against its target; medians, ratios from this run)"
for l in "${TARGETS[@]}"; do report "$l"; done
report ""
report "results written to $OUT"
rm -rf "$WORK"
