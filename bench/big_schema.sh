#!/bin/bash
# bench/big_schema.sh -- start, validate and complete on a schema of many
# tables, against creating the version schema's views by hand.
#
# As root: starts its own throwaway cluster (the postgres OS user, port
# $PORT, data in /tmp/pgroll-bigschema-data-$PORT) with the binaries of
# $PGBIN and the pgroll already installed there, creates a schema "s" of
# $N tables (a primary key and three more columns each), runs a first
# migration and completes it, so that a version schema of $N views
# exists, and a second one, so that every measured complete retires one
# version and drops the one retired before, as it does from then on.
# Then, $RUNS times each (medians reported):
#
#   by hand   CREATE SCHEMA + CREATE VIEW s_hand.tI AS SELECT * FROM s.tI,
#             $N times, in one transaction
#   validate  pgroll.validate of one add_column on one table
#   start     pgroll.start of it
#   complete  pgroll.complete
#
# Time is the wall-clock time of one psql run (connection included, the
# same for each); memory is the backend's peak resident set (VmHWM of
# /proc/<pid>/status, read from the shell before the session ends; it
# includes the shared buffers the backend touched, hence the small
# shared_buffers).  Each measurement is a fresh connection.  Not part of
# the tests: nothing here asserts a time.
#
#   PORT=54351 PGBIN=/usr/lib/postgresql/15/bin N=3000 RUNS=3 bench/big_schema.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-54351}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
N=${N:-3000}
RUNS=${RUNS:-3}
DATA=/tmp/pgroll-bigschema-data-$PORT
TARGET=2.0

if [ "$(id -u)" -ne 0 ]; then
    echo "run this as root (the server runs as 'postgres')" >&2
    exit 1
fi
if [ ! -f "$("$PGBIN/pg_config" --pkglibdir)/pgroll.so" ]; then
    echo "pgroll is not installed for $PGBIN (make PG_CONFIG=$PGBIN/pg_config install)" >&2
    exit 1
fi

export PGHOST=/tmp PGPORT=$PORT PGUSER=postgres PGDATABASE=bigschema
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"
WORK=$(mktemp -d)
chmod 755 "$WORK"

stop_cluster() {
    if [ -f "$DATA/postmaster.pid" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -w -m fast stop >/dev/null 2>&1 || true
    fi
}
trap 'stop_cluster; rm -rf "$WORK"' EXIT

# Every migration holds its locks to its commit: start about 3 per table,
# a complete that retires a version and drops an older one about 14 per
# table (its views' rules, types, defaults and triggers), out of a lock
# table of max_locks_per_transaction x ~120 entries shared by all sessions.
LOCKS=$(( 15 * N / 100 + 64 ))

stop_cluster
rm -rf "$DATA"
install -d -o postgres -g postgres -m 700 "$DATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$DATA/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '/tmp'
shared_preload_libraries = 'pgroll'
max_worker_processes = 16
max_locks_per_transaction = $LOCKS
shared_buffers = 128MB
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start >/dev/null
"$PGBIN/createdb" bigschema

q() { $PSQL -A -t -c "$1"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
now_ms() { date +%s%3N; }

echo "==> $N tables in schema s (PostgreSQL: $PGBIN, port $PORT, max_locks_per_transaction = $LOCKS)"
q "CREATE EXTENSION pgroll"
q "CREATE SCHEMA s"
$PSQL <<SQL
SELECT format('CREATE TABLE s.t%s (id bigint PRIMARY KEY, a integer NOT NULL DEFAULT 0, '
              'b text, c timestamptz NOT NULL DEFAULT now())', i)
FROM generate_series(1, $N) AS i
\gexec
SQL
q "VACUUM ANALYZE" >/dev/null

add_column() {   # add_column MIGRATION TABLE: a one-operation document
    printf '{"name": "%s", "operations": [{"add_column": {"table": "%s", "column": {"name": "%s_col", "type": "integer", "nullable": true}}}]}' "$1" "$2" "$1"
}

# timed NAME SQL-FILE: runs the file in one psql session; the session's
# last act is to read its own backend's VmHWM from the shell.  Prints
# "milliseconds kilobytes".
timed() {
    local file=$WORK/$1.sql t0 t1
    cat "$2" > "$file"
    cat >> "$file" <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! awk '/^VmHWM/ { print $2 }' /proc/$BACKEND_PID/status > "$HWM_FILE"
SQL
    t0=$(now_ms)
    HWM_FILE=$WORK/$1.hwm $PSQL -f "$file" >/dev/null
    t1=$(now_ms)
    echo "$((t1 - t0)) $(cat "$WORK/$1.hwm")"
}

echo "==> first migrations (not measured): the version schema of $N views"
for m in m1 m2; do
    q "SELECT pgroll.start('$(add_column $m t1)'::jsonb, '$m', 's')" >/dev/null
    q "SELECT pgroll.complete('s')" >/dev/null
done

declare -A MS KB
for r in $(seq 1 "$RUNS"); do
    hand=$WORK/hand$r.in
    {
        echo "BEGIN;"
        echo "CREATE SCHEMA s_hand$r;"
        for i in $(seq 1 "$N"); do
            echo "CREATE VIEW s_hand$r.t$i AS SELECT * FROM s.t$i;"
        done
        echo "COMMIT;"
    } > "$hand"
    m=run$r
    doc=$(add_column "$m" "t$((r + 1))")
    echo "SELECT pgroll.validate('$doc'::jsonb, 's');" > "$WORK/validate$r.in"
    echo "SELECT pgroll.start('$doc'::jsonb, '$m', 's');" > "$WORK/start$r.in"
    echo "SELECT pgroll.complete('s');" > "$WORK/complete$r.in"

    for what in hand validate start complete; do
        q "CHECKPOINT"
        read -r ms kb < <(timed "$what$r" "$WORK/$what$r.in")
        MS[$what]="${MS[$what]:-} $ms"
        KB[$what]="${KB[$what]:-} $kb"
        printf '    run %d  %-8s  %7d ms  %7d kB\n' "$r" "$what" "$ms" "$kb"
    done
    q "DROP SCHEMA s_hand$r CASCADE" >/dev/null 2>&1
done

hand_ms=$(echo "${MS[hand]}" | median)
hand_kb=$(echo "${KB[hand]}" | median)
echo
echo "==> medians of $RUNS runs, $N tables (target: each at most ${TARGET}x by hand)"
printf '%-36s %9s %7s %10s %7s\n' "" "time ms" "ratio" "peak kB" "ratio"
printf '%-36s %9s %7s %10s %7s\n' "by hand: CREATE VIEW x $N, one xact" "$hand_ms" "1.00" "$hand_kb" "1.00"
for what in validate start complete; do
    ms=$(echo "${MS[$what]}" | median)
    kb=$(echo "${KB[$what]}" | median)
    verdict=$(awk -v a="$ms" -v b="$hand_ms" -v t="$TARGET" 'BEGIN { print (a <= t * b) ? "ok" : "OVER TARGET" }')
    printf '%-36s %9s %7s %10s %7s  %s\n' "pgroll.$what (one add_column)" "$ms" \
        "$(ratio "$ms" "$hand_ms")" "$kb" "$(ratio "$kb" "$hand_kb")" "$verdict"
done
