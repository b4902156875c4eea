#!/bin/bash
# test/t/two_schemas.sh -- migrations on two schemas at the same time
# (pgroll cannot: its issue #208).
#
# Run by scripts/test.sh (as root) with PGDATA, PGBIN, PGHOST, PGPORT and
# PGUSER of a running cluster that preloads pgroll.  Prints TAP.  Works in
# its own database, pgroll_two, dropped at the end; leaves the server
# running.
#
# Two schemas with awkward names, `app one` and `Äpp"Two` (a space; a
# non-ASCII letter and a double quote), each with a table items of 50k rows
# (id, qty, name, u) made by a first migration 01_init (so an old version
# schema exists), and a third schema `third party` with its own items
# table that no migration touches.
#
#   app one   02_qty    alter_column qty int -> bigint, up qty * 10,
#                       down qty / 10 (backfill, then validate NOT NULL)
#   Äpp"Two   02_label  add_column label text NOT NULL, up 'L' || qty,
#                       and create_index items_label_idx on label
#                       (backfill, validate, CREATE INDEX CONCURRENTLY)
#
#  A. Both starts run at the same moment, from two sessions: a third
#     session holds ACCESS SHARE locks on both tables, so each start takes
#     its schema's lock and then waits (retrying) for its ALTER TABLE; the
#     test sees both inside pgroll.start, each holding its own schema's
#     lock, and only then lets them go.  Both succeed.
#  B. Two workers (one per schema) run the backfills side by side
#     (batches of 250, 30 ms pause): pg_stat_activity shows both, a sampler
#     records rows_done of both jobs every 0.2 s, and both grow in the same
#     sampling rounds.  A session holding a row lock on the last row of each
#     table keeps both backfills from finishing, whatever the machine's
#     speed, until the test lets them.
#  C. pgbench (4 clients, 10 s, 12 one-transaction scripts) inserts,
#     updates and deletes through the old and the new version of both
#     schemas (SET LOCAL search_path = the version schema), logging what it
#     did; no failed transaction.  Each schema's history, status, jobs and
#     version schemas show only its own migration.
#  D. pgroll.rollback('app one') while the other's backfill is still running
#     (held before its last batch by the row lock): the
#     other's job, worker, version schemas are untouched, and it goes on
#     (same worker, first attempt) when released; then Äpp"Two completes.
#     app one is exactly as before (pg_dump), then 02_qty starts again and
#     completes.
#  E. End state: types, every row consistent with up (qty = 10 * (id % 1000
#     + u) in app one; qty = id % 1000 + u and label = 'L' || qty in
#     Äpp"Two; u counts the updates), rows = 50000 + logged inserts - logged
#     deletes, sum(u) = logged updates, no _pgroll_ leftovers, no invalid
#     index, history chained, third schema identical (pg_dump and data).
#  F. Two starts on one schema (`race, too`) at the same time: one waits
#     for the other's schema lock; exactly one wins, the other fails with
#     SQLSTATE 55000 and leaves nothing.
set -u

DB=pgroll_two
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGDATABASE=$DB
# a step stuck behind a lock fails after 20 s, not after the default minute
export PGOPTIONS="-c pgroll.lock_retry_timeout=20s"
started=$SECONDS
work=$(mktemp -d)
bg_pids=()

# the schemas: names, as identifiers, as literals
S1='app one'
S2='Äpp"Two'
I1='"app one"'
I2='"Äpp""Two"'
I3='"third party"'
IR='"race, too"'
L1="'app one'"
L2="'Äpp\"Two'"
L3="'third party'"
LR="'race, too'"
# the version schemas as identifiers
V1OLD='"app one_01_init"'
V1NEW='"app one_02_qty"'
V2OLD='"Äpp""Two_01_init"'
V2NEW='"Äpp""Two_02_label"'
# the migrations' jobs (first attempts)
JOBS="(SELECT * FROM pgroll.jobs WHERE phase = 'start' AND ((schema = $L1 AND migration = '02_qty')
                                                          OR (schema = $L2 AND migration = '02_label'))) j"

psql() { "$PGBIN/psql" "$@"; }
. "$(dirname "$0")/tap.bash"
# a session that runs SQL in the background, e.g. to hold a lock
background() {	# background APPNAME SQL
    PGAPPNAME=$1 psql -X -q -c "$2" >/dev/null 2>&1 &
    bg_pids+=($!)
    poll 15 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = '$1'
                               AND wait_event = 'PgSleep')" || echo "# $1 did not start"
}
end_background() {	# end_background APPNAME
    q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE application_name = '$1' AND datname = current_database()" >/dev/null
}
# pg_dump --schema-only of schemas (patterns), without the random \restrict keys
dump() { "$PGBIN/pg_dump" --schema-only "$@" "$DB" 2>&1 | grep -Ev '^.(un)?restrict '; }
same_dump() {	# same_dump DESCRIPTION BEFORE AFTER
    if [ "$2" = "$3" ]; then
        check "$1" same same
    else
        check "$1" "$(diff <(echo "$2") <(echo "$3") | head -20)" ""
    fi
}

cleanup() {
    local p
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    if server_running; then
        out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -d postgres \
                  -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>&1)
        check "DROP DATABASE $DB" "$?$out" 0
    else
        check "the server is still running" "not running" "running"
    fi
    rm -rf "$work"
    echo "1..$t"
    echo "# two_schemas.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

if [ -z "${PGDATA:-}" ] || ! server_running; then
    echo "not ok 1 - two_schemas.sh needs PGDATA of a running cluster"
    t=1
    exit 1
fi

out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -v ON_ERROR_STOP=1 -d postgres \
          -c "SET client_min_messages = warning" \
          -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>&1)
if [ $? -ne 0 ]; then
    check "a fresh database $DB" "$out" ""
    exit 1
fi

# ---------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------
INIT='{"operations": [{"create_table": {"name": "items", "columns": [
    {"name": "id", "type": "int", "pk": true},
    {"name": "qty", "type": "int"},
    {"name": "name", "type": "text", "nullable": true},
    {"name": "u", "type": "int", "default": "0"}]}}]}'
out=$(psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -v init="$INIT" 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE SCHEMA "app one";
CREATE SCHEMA "Äpp""Two";
CREATE SCHEMA "third party";
CREATE SCHEMA "race, too";
SELECT pgroll.start(:'init', '01_init', 'app one');
SELECT pgroll.complete('app one');
SELECT pgroll.start(:'init', '01_init', 'Äpp"Two');
SELECT pgroll.complete('Äpp"Two');
INSERT INTO "app one".items (id, qty, name) SELECT g, g % 1000, 'n' || g FROM generate_series(1, 50000) g;
INSERT INTO "Äpp""Two".items (id, qty, name) SELECT g, g % 1000, 'n' || g FROM generate_series(1, 50000) g;
-- the bystander: same table name, never migrated
CREATE TABLE "third party".items (id int PRIMARY KEY, qty int NOT NULL, name text, u int NOT NULL DEFAULT 0);
INSERT INTO "third party".items (id, qty, name) SELECT g, g % 1000, 'n' || g FROM generate_series(1, 50000) g;
CREATE INDEX items_qty_idx ON "third party".items (qty);
CREATE VIEW "third party".big_items AS SELECT * FROM "third party".items WHERE qty > 500;
CREATE TABLE "race, too".t (id int PRIMARY KEY, v text);
INSERT INTO "race, too".t VALUES (1, 'one');
ANALYZE "app one".items, "Äpp""Two".items, "third party".items;

-- what the writers did
CREATE SCHEMA twolog;
CREATE SEQUENCE twolog.s1_old START 1000001;
CREATE SEQUENCE twolog.s1_new START 2000001;
CREATE SEQUENCE twolog.s2_old START 3000001;
CREATE SEQUENCE twolog.s2_new START 4000001;
CREATE TABLE twolog.ins (sch text, ver text, id int, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE twolog.upd (sch text, ver text, id int, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE twolog.del (sch text, ver text, id int, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE VIEW twolog.all AS
    SELECT 'ins' AS op, * FROM twolog.ins UNION ALL
    SELECT 'upd', * FROM twolog.upd UNION ALL
    SELECT 'del', * FROM twolog.del;
-- rows_done of both backfills, sampled while they run
CREATE TABLE twolog.samples (round timestamptz, sch name, state text, rows_done bigint,
                             worker_pid int, alive boolean);
SQL
)
check "setup: three schemas with a table items of 50k rows each" \
    "$?:$(q "SELECT (SELECT count(*) FROM $I1.items) || '/' || (SELECT count(*) FROM $I2.items)
                    || '/' || (SELECT count(*) FROM $I3.items)")" "0:50000/50000/50000"
[ -n "$out" ] && echo "$out" | comment

third_before=$(dump --schema="$I3")
third_data_before=$(q "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM $I3.items i")
s1_before=$(dump --schema="$I1" --schema="$V1OLD")

# ---------------------------------------------------------------------
# pgbench scripts: one transaction each, through one version
# ---------------------------------------------------------------------
# script NAME SEARCH_PATH [META] SQL: $work/NAME.sql
script() {
    local name=$1 path=$2 meta=$3 sql=$4
    { [ -n "$meta" ] && echo "$meta"
      echo "BEGIN;"
      echo "SET LOCAL search_path = $path;"
      echo "$sql"
      echo "COMMIT;"; } > "$work/$name.sql"
}
# writers (S: s1 or s2, V: old or new) log each insert, update, delete
ins() { echo "WITH i AS (INSERT INTO items ($3) SELECT $4 FROM (SELECT nextval('twolog.$1_$2')::int AS n) s RETURNING id) INSERT INTO twolog.ins (sch, ver, id) SELECT '$1', '$2', id FROM i;"; }
upd() { echo "WITH x AS (UPDATE items SET $3 WHERE id = :r RETURNING id) INSERT INTO twolog.upd (sch, ver, id) SELECT '$1', '$2', id FROM x;"; }
del() { echo "WITH x AS (DELETE FROM items WHERE id = :k RETURNING id) INSERT INTO twolog.del (sch, ver, id) SELECT '$1', '$2', id FROM x;"; }
# app one: old clients write qty, new clients 10 * qty; updates keep
# qty = (id % 1000 + u) (* 10 for new clients), set from columns the
# migration does not rewrite (a new client reads NULL for a row the
# backfill has not reached yet)
script s1_old_ins "$V1OLD" "" "$(ins s1 old "id, qty, name" "n, n % 1000, 'old'")"
script s1_old_upd "$V1OLD" '\set r random(1, 45000)' "$(upd s1 old "qty = qty + 1, u = u + 1")"
script s1_old_del "$V1OLD" '\set k random(45001, 46500)' "$(del s1 old)"
script s1_new_ins "$V1NEW" "" "$(ins s1 new "id, qty, name" "n, (n % 1000) * 10, 'new'")"
script s1_new_upd "$V1NEW" '\set r random(1, 45000)' "$(upd s1 new "qty = (id % 1000 + u + 1) * 10, u = u + 1")"
script s1_new_del "$V1NEW" '\set k random(46501, 48000)' "$(del s1 new)"
# Äpp"Two: old clients do not know label (up fills it); new clients set it
script s2_old_ins "$V2OLD" "" "$(ins s2 old "id, qty, name" "n, n % 1000, 'old'")"
script s2_old_upd "$V2OLD" '\set r random(1, 45000)' "$(upd s2 old "qty = qty + 1, u = u + 1")"
script s2_old_del "$V2OLD" '\set k random(45001, 46500)' "$(del s2 old)"
script s2_new_ins "$V2NEW" "" "$(ins s2 new "id, qty, name, label" "n, n % 1000, 'new', 'L' || (n % 1000)")"
script s2_new_upd "$V2NEW" '\set r random(1, 45000)' "$(upd s2 new "qty = qty + 1, label = 'L' || (qty + 1), u = u + 1")"
script s2_new_del "$V2NEW" '\set k random(46501, 48000)' "$(del s2 new)"

# ---------------------------------------------------------------------
# A. both starts at the same moment
# ---------------------------------------------------------------------
DOC1='{"operations": [{"alter_column": {"table": "items", "column": "qty", "type": "bigint",
    "up": "qty::bigint * 10", "down": "(qty / 10)::int"}}]}'
DOC2='{"operations": [{"add_column": {"table": "items", "up": "'"'L'"' || qty",
    "column": {"name": "label", "type": "text", "nullable": false}}},
    {"create_index": {"name": "items_label_idx", "table": "items", "columns": [{"column": "label"}]}}]}'

# start_bg APPNAME SCHEMA DOC NAME BATCH DELAY: pgroll.start in the
# background; its output in $work/APPNAME.out
start_bg() {
    PGAPPNAME=$1 psql -X -A -t -q -v ON_ERROR_STOP=1 -v schema="$2" -v doc="$3" -v m="$4" \
        > "$work/$1.out" 2>&1 <<SQL &
SET pgroll.backfill_batch_size = $5;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = $6;
SET pgroll.lock_timeout = '100ms';
SET pgroll.lock_retry_timeout = '30s';
SELECT pgroll.start(:'doc', :'m', :'schema');
SQL
    bg_pids+=($!)
    last_pid=$!
}

background two_barrier "BEGIN; LOCK TABLE $I1.items, $I2.items IN ACCESS SHARE MODE; SELECT pg_sleep(120);"
start_bg two_start_1 "$S1" "$DOC1" 02_qty 250 30
pid_start_1=$last_pid
start_bg two_start_2 "$S2" "$DOC2" 02_label 250 30
pid_start_2=$last_pid
check_poll "both starts are inside pgroll.start at the same moment, each holding its own schema's lock" 20 \
    "SELECT count(DISTINCT a.pid) = 2 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
      WHERE a.datname = current_database() AND a.state = 'active' AND a.query LIKE '%pgroll.start%'
        AND l.locktype = 'object' AND l.classid = 'pg_namespace'::regclass AND l.granted
        AND l.objid = CASE a.application_name WHEN 'two_start_1' THEN '$I1'::regnamespace::oid
                                              WHEN 'two_start_2' THEN '$I2'::regnamespace::oid END"
check "neither start holds the other schema's lock" \
    "$(q "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
          WHERE a.datname = current_database() AND l.locktype = 'object'
            AND l.classid = 'pg_namespace'::regclass
            AND l.objid = CASE a.application_name WHEN 'two_start_1' THEN '$I2'::regnamespace::oid
                                                  WHEN 'two_start_2' THEN '$I1'::regnamespace::oid END")" 0
end_background two_barrier
wait "$pid_start_1"; rc1=$?
wait "$pid_start_2"; rc2=$?
check "start 02_qty on $S1 (concurrently)" "$rc1:$(cat "$work/two_start_1.out")" "0:$S1"_02_qty
check "start 02_label on $S2 (concurrently)" "$rc2:$(cat "$work/two_start_2.out")" "0:$S2"_02_label

# the sampler: rows_done of both backfills every 0.2 s
cat > "$work/sampler.sql" <<SQL
INSERT INTO twolog.samples (round, sch, state, rows_done, worker_pid, alive)
SELECT now(), j.schema, j.state, j.rows_done, j.worker_pid,
       EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.worker_pid
                  AND a.backend_type = 'pgroll worker')
FROM $JOBS WHERE j.kind = 'backfill'
\watch 0.2
SQL
PGAPPNAME=two_sampler psql -X -q -f "$work/sampler.sql" >/dev/null 2>&1 &
pid_sampler=$!
bg_pids+=("$pid_sampler")

# rows 50000 stay locked until the test lets the backfills finish
background two_gate1 "BEGIN; SELECT 1 FROM $I1.items WHERE id = 50000 FOR UPDATE; SELECT pg_sleep(120);"
background two_gate2 "BEGIN; SELECT 1 FROM $I2.items WHERE id = 50000 FOR UPDATE; SELECT pg_sleep(120);"
check "both backfills are unfinished when the last rows are locked" \
    "$(q "SELECT count(*) FROM $JOBS WHERE j.kind = 'backfill' AND j.state IN ('queued', 'running')
            AND j.rows_done < 49750")" 2

# ---------------------------------------------------------------------
# B. one worker per schema, side by side
# ---------------------------------------------------------------------
check_poll "pg_stat_activity shows two pgroll workers at once, each running its schema's backfill" 20 \
    "SELECT count(*) = 2 AND count(DISTINCT a.pid) = 2
     FROM $JOBS JOIN pg_stat_activity a ON a.pid = j.worker_pid
     WHERE j.kind = 'backfill' AND j.state = 'running'
       AND a.backend_type = 'pgroll worker' AND a.datname = current_database()"
# (PostgreSQL keeps application_name ASCII: each byte of Ä shows as ?)
check "each worker is named after its schema" \
    "$(q "SELECT string_agg(j.schema || ' => ' || a.application_name, ' | ' ORDER BY j.schema COLLATE \"C\")
          FROM $JOBS JOIN pg_stat_activity a ON a.pid = j.worker_pid WHERE j.kind = 'backfill'")" \
    "app one => pgroll worker for schema app one | Äpp\"Two => pgroll worker for schema ??pp\"Two"
check "backfill batch settings captured at each start" \
    "$(q "SELECT string_agg(batch_size || '/' || batch_delay, ' ') FROM $JOBS WHERE j.kind = 'backfill'")" \
    "250/30 250/30"

# ---------------------------------------------------------------------
# C. writers through both versions of both schemas
# ---------------------------------------------------------------------
t0=$SECONDS
PGAPPNAME=two_pgbench "$PGBIN/pgbench" -n -c 4 -j 2 -T 10 \
    -f "$work/s1_old_ins.sql@2" -f "$work/s1_old_upd.sql@4" -f "$work/s1_old_del.sql@1" \
    -f "$work/s1_new_ins.sql@2" -f "$work/s1_new_upd.sql@4" -f "$work/s1_new_del.sql@1" \
    -f "$work/s2_old_ins.sql@2" -f "$work/s2_old_upd.sql@4" -f "$work/s2_old_del.sql@1" \
    -f "$work/s2_new_ins.sql@2" -f "$work/s2_new_upd.sql@4" -f "$work/s2_new_del.sql@1" \
    "$DB" > "$work/pgbench.out" 2>&1
rc=$?
kill "$pid_sampler" 2>/dev/null
wait "$pid_sampler" 2>/dev/null
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.out")
echo "# pgbench -c 4, $((SECONDS - t0)) s: ${processed:-?} transactions, $(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" | head -1) tps"
if [ "$rc" = 0 ] && [ "${failed:-x}" = 0 ] && [ "${processed:-0}" -gt 0 ] &&
       ! grep -qiE 'error|abort' "$work/pgbench.out"; then
    check "pgbench through both versions of both schemas: no failed transaction" ok ok
else
    check "pgbench through both versions of both schemas: no failed transaction" \
        "exit=$rc processed=${processed:-?} failed=${failed:-?}: $(grep -m 3 -iE 'error|abort' "$work/pgbench.out" | tr '\n' ' ')" ok
fi
check "every version of both schemas inserted, updated and deleted while both backfills ran" \
    "$(q "SELECT string_agg(DISTINCT sch || ':' || ver || ':' || op, ' ') FROM twolog.all
          WHERE ts > (SELECT max(started_at) FROM $JOBS WHERE j.kind = 'backfill')")" \
    "s1:new:del s1:new:ins s1:new:upd s1:old:del s1:old:ins s1:old:upd s2:new:del s2:new:ins s2:new:upd s2:old:del s2:old:ins s2:old:upd"

# the samples
rounds="WITH r AS (
    SELECT round, max(rows_done) FILTER (WHERE sch = $L1) AS a, max(rows_done) FILTER (WHERE sch = $L2) AS b,
           bool_and(state = 'running' AND alive) AND count(*) = 2 AND count(DISTINCT worker_pid) = 2 AS both_running
    FROM twolog.samples GROUP BY round),
  d AS (SELECT *, a - lag(a) OVER w AS da, b - lag(b) OVER w AS db, round - first_value(round) OVER w AS since
        FROM r WINDOW w AS (ORDER BY round))"
q "$rounds, n AS (SELECT *, row_number() OVER (ORDER BY round) AS i FROM d)
   SELECT 'rows_done at ' || to_char(extract(epoch FROM since), 'FM990.0') || ' s: $S1 ' || a || ', $S2 ' || b
   FROM n WHERE i % 10 = 1 ORDER BY round" | comment
check "the samples saw both backfills running at once, in two live workers" \
    "$(q "$rounds SELECT count(*) FILTER (WHERE both_running) > 0 FROM d")" t
check "both backfills advanced in the same sampling rounds (at least 5)" \
    "$(q "$rounds SELECT count(*) FILTER (WHERE both_running AND da > 0 AND db > 0) >= 5 FROM d")" t
check "their job intervals overlap: both started, neither finished" \
    "$(q "SELECT count(*) FILTER (WHERE started_at IS NOT NULL AND finished_at IS NULL) FROM $JOBS WHERE j.kind = 'backfill'")" 2

# each schema sees only its own migration
check "pgroll.migrations: each schema its own history, one active migration each" \
    "$(q "SELECT string_agg(schema || ':' || name || ':' || done, ' ' ORDER BY schema COLLATE \"C\", created_at)
          FROM pgroll.migrations")" \
    "app one:01_init:true app one:02_qty:false Äpp\"Two:01_init:true Äpp\"Two:02_label:false"
check "status($L1): its own migration and table only" \
    "$(q "SELECT schema || '|' || version || '|' || status || '|' || phase || '|' || migration || '|' ||
                 (progress LIKE 'backfill of \"app one\".items: running%') || '|' || (progress LIKE '%pp%Two%')
          FROM pgroll.status($L1)")" \
    "app one|02_qty|In progress|backfilling|02_qty|true|false"
check "status($L2): its own migration and table only" \
    "$(q "SELECT schema || '|' || version || '|' || status || '|' || phase || '|' || migration || '|' ||
                 (progress LIKE 'backfill of \"Äpp\"\"Two\".items: running%') || '|' || (progress LIKE '%app one%')
                 || '|' || (progress LIKE '%items_label_idx%')
          FROM pgroll.status($L2)")" \
    "Äpp\"Two|02_label|In progress|backfilling|02_label|true|false|true"
check "status($L3): no migrations" \
    "$(q "SELECT status || '|' || coalesce(version, '-') FROM pgroll.status($L3)")" "No migrations|-"
check "pgroll.jobs: each schema's jobs are its own migration's, on its own table" \
    "$(q "SELECT string_agg(DISTINCT schema || '/' || migration || '/' || coalesce(relid::regclass::text, '-'), ' ')
          FROM pgroll.jobs")" \
    "app one/02_qty/\"app one\".items app one/02_qty/- Äpp\"Two/02_label/\"Äpp\"\"Two\".items Äpp\"Two/02_label/-"
vs="SELECT string_agg(v.nspname || ' -> ' || coalesce(b.nspname, '?'), ' | ' ORDER BY v.nspname COLLATE \"C\")
    FROM pg_namespace v
    LEFT JOIN LATERAL (SELECT string_agg(DISTINCT tn.nspname, ',') AS nspname
                       FROM pg_class c JOIN pg_rewrite r ON r.ev_class = c.oid
                       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                                       AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
                       JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                       WHERE c.relnamespace = v.oid AND c.relkind = 'v') b ON true
    WHERE v.nspname LIKE '%\_0%'
      AND coalesce(obj_description(v.oid, 'pg_namespace'), '') NOT LIKE 'pgroll: retired version%'"
check "version schemas <schema>_<version> of both schemas, each over its own schema's table" \
    "$(q "$vs")" \
    "app one_01_init -> app one | app one_02_qty -> app one | Äpp\"Two_01_init -> Äpp\"Two | Äpp\"Two_02_label -> Äpp\"Two"
check "$S1 (active): every written or backfilled row has the new qty = up(qty), qty = id % 1000 + u" \
    "$(q "SELECT count(*) FILTER (WHERE NOT _pgroll_needs_backfill AND _pgroll_new_qty IS DISTINCT FROM qty::bigint * 10)
              || '/' || count(*) FILTER (WHERE qty <> id % 1000 + u) FROM $I1.items")" "0/0"
check "$S2 (active): every written or backfilled row has label = up = 'L' || qty, qty = id % 1000 + u" \
    "$(q "SELECT count(*) FILTER (WHERE NOT _pgroll_needs_backfill AND _pgroll_new_label IS DISTINCT FROM 'L' || qty)
              || '/' || count(*) FILTER (WHERE qty <> id % 1000 + u) FROM $I2.items")" "0/0"

# ---------------------------------------------------------------------
# D. roll back one schema while the other's backfill runs
# ---------------------------------------------------------------------
p2=$(q "SELECT worker_pid FROM $JOBS WHERE j.kind = 'backfill' AND j.schema = $L2")
check "$S2: its backfill is still running in its worker before $S1 is rolled back" \
    "$(q "SELECT state || '/' || attempts FROM $JOBS WHERE j.kind = 'backfill' AND j.schema = $L2
            AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.worker_pid)")" "running/1"
# (rollback needs $S1's table: its row lock goes first)
end_background two_gate1
out=$(q "SELECT pgroll.rollback($L1)")
check "pgroll.rollback($L1) while the backfill of $S2 runs" "$out" 02_qty
check "$S2 untouched: the same backfill job still running in the same worker, first attempt, no error" \
    "$(q "SELECT state || '/' || (worker_pid = ${p2:-0}) || '/' || attempts || '/' || coalesce(error, '')
          FROM $JOBS WHERE j.kind = 'backfill' AND j.schema = $L2")" "running/true/1/"
check "$S2 untouched: its worker is alive, its jobs are not cancelled" \
    "$(q "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ${p2:-0} AND backend_type = 'pgroll worker')
          || '/' || (SELECT string_agg(state, ' ' ORDER BY id) FROM pgroll.jobs WHERE schema = $L2)")" \
    "true/running queued queued"
check "$S2 untouched: status and version schemas" \
    "$(q "SELECT status || '|' || phase || '|' || migration FROM pgroll.status($L2)")/$(q "SELECT string_agg(nspname, ',' ORDER BY nspname COLLATE \"C\") FROM pg_namespace WHERE nspname LIKE 'Äpp%'")" \
    "In progress|backfilling|02_label/Äpp\"Two,Äpp\"Two_01_init,Äpp\"Two_02_label"
check_poll "$S1: nothing left queued or running, its worker gone" 15 \
    "SELECT NOT EXISTS (SELECT 1 FROM pgroll.jobs WHERE schema = $L1 AND state IN ('queued', 'running'))
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pgroll worker'
                          AND application_name = 'pgroll worker for schema $S1')"
check "$S1: its jobs ended cancelled (or done), none failed" \
    "$(q "SELECT count(*) FILTER (WHERE state NOT IN ('cancelled', 'done')) || '/' || (count(*) FILTER (WHERE state = 'cancelled') > 0)
          FROM pgroll.jobs WHERE schema = $L1")" "0/true"
s1_after=$(dump --schema="$I1" --schema="$V1OLD")
same_dump "$S1: pg_dump --schema-only of the schema and its old version identical to before start" \
    "$s1_before" "$s1_after"
check "$S1: history back to 01_init, no version schema 02_qty" \
    "$(q "SELECT string_agg(name || ':' || done, ' ' ORDER BY created_at) FROM pgroll.migrations WHERE schema = $L1")/$(q "SELECT count(*) FROM pg_namespace WHERE nspname = '$S1' || '_02_qty'")" \
    "01_init:true/0"
check "$S1: qty is int again, every row has qty = id % 1000 + u (new clients' rows through down)" \
    "$(q "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '$I1.items'::regclass AND attname = 'qty'")/$(q "SELECT count(*) FROM $I1.items WHERE qty <> id % 1000 + u")" \
    "integer/0"
r2=$(q "SELECT rows_done FROM $JOBS WHERE j.kind = 'backfill' AND j.schema = $L2")
end_background two_gate2
check_poll "$S2: the backfill goes on after the rollback (same worker, first attempt)" 15 \
    "SELECT rows_done > ${r2:-0} AND worker_pid = ${p2:-0} AND attempts = 1
     FROM $JOBS WHERE j.kind = 'backfill' AND j.schema = $L2"
out=$(q "CALL pgroll.wait($L2, '60 s')")
check "$S2: CALL pgroll.wait() returns" "$?$out" 0
check "$S2: backfill, validation and index build done, each on its first attempt" \
    "$(q "SELECT string_agg(state || ':' || attempts, ' ' ORDER BY id) FROM pgroll.jobs WHERE schema = $L2")" \
    "done:1 done:1 done:1"
check "$S2: every row backfilled, label = 'L' || qty" \
    "$(q "SELECT count(*) FILTER (WHERE _pgroll_needs_backfill IS NOT false) || '/' ||
                 count(*) FILTER (WHERE _pgroll_new_label IS DISTINCT FROM 'L' || qty) FROM $I2.items")" "0/0"
check "$S2: complete" "$(q "SELECT pgroll.complete($L2)")" 02_label

# $S1 again, to the end
out=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -v doc="$DOC1" 2>&1 <<SQL
SET pgroll.backfill_batch_size = 5000;
SET pgroll.backfill_batch_time = 0;
SELECT pgroll.start(:'doc', '02_qty', $L1);
SQL
)
check "$S1: start 02_qty again" "$out" "$S1"_02_qty
out=$(q "CALL pgroll.wait($L1, '60 s')")
check "$S1: CALL pgroll.wait() returns" "$?$out" 0
check "$S1: complete" "$(q "SELECT pgroll.complete($L1)")" 02_qty

# ---------------------------------------------------------------------
# E. end state
# ---------------------------------------------------------------------
check "$S1: qty is bigint NOT NULL, every row qty = 10 * (id % 1000 + u)" \
    "$(q "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
          WHERE attrelid = '$I1.items'::regclass AND attname = 'qty'")/$(q "SELECT count(*) FROM $I1.items
          WHERE qty IS DISTINCT FROM (id % 1000 + u)::bigint * 10")" "bigint true/0"
check "$S2: label is text NOT NULL, every row label = 'L' || qty, qty = id % 1000 + u" \
    "$(q "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull FROM pg_attribute
          WHERE attrelid = '$I2.items'::regclass AND attname = 'label'")/$(q "SELECT count(*) FROM $I2.items
          WHERE label IS DISTINCT FROM 'L' || qty OR qty <> id % 1000 + u")" "text true/0"
check "$S2: items_label_idx is a valid index on label" \
    "$(q "SELECT i.indisvalid || ' ' || pg_get_indexdef(i.indexrelid) FROM pg_index i
          WHERE i.indexrelid = to_regclass('$I2.items_label_idx')")" \
    "true CREATE INDEX items_label_idx ON \"Äpp\"\"Two\".items USING btree (label)"
for s in s1 s2; do
    if [ $s = s1 ]; then I=$I1; N=$S1; else I=$I2; N=$S2; fi
    check "$N: rows = 50000 + logged inserts - logged deletes (count and sum of ids)" \
        "$(q "SELECT (SELECT count(*) || '/' || sum(id) FROM $I.items) =
                     (SELECT (50000 + (SELECT count(*) FROM twolog.ins WHERE sch = '$s')
                                    - (SELECT count(*) FROM twolog.del WHERE sch = '$s')) || '/' ||
                             (1250025000 + (SELECT coalesce(sum(id), 0) FROM twolog.ins WHERE sch = '$s')
                                         - (SELECT coalesce(sum(id), 0) FROM twolog.del WHERE sch = '$s')))")" t
    check "$N: every logged insert is there, every logged delete gone, sum(u) = logged updates" \
        "$(q "SELECT (SELECT count(*) FROM twolog.ins l WHERE sch = '$s' AND NOT EXISTS (SELECT 1 FROM $I.items i WHERE i.id = l.id))
                   + (SELECT count(*) FROM twolog.del l WHERE sch = '$s' AND EXISTS (SELECT 1 FROM $I.items i WHERE i.id = l.id))
                   || '/' || ((SELECT sum(u) FROM $I.items) = (SELECT count(*) FROM twolog.upd WHERE sch = '$s'))")" "0/true"
    check "$N: the old and the new writers' rows are there" \
        "$(q "SELECT string_agg(DISTINCT name, ',') FROM $I.items WHERE id > 50000")" "new,old"
done
# (complete renames the columns of the indexes copied onto _pgroll_new_label;
# the only triggers left are the tombstones of the retired versions)
check "no _pgroll_ column (of a table, view or index), constraint, trigger or relation left in the database" \
    "$(q "SELECT (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                  WHERE c.relnamespace <> 'pg_catalog'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'i')
                    AND a.attname LIKE '\_pgroll\_%' AND NOT a.attisdropped)
              || '/' || (SELECT count(*) FROM pg_constraint WHERE conname LIKE '\_pgroll\_%')
              || '/' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname <> 'retired_version')
              || '/' || (SELECT count(*) FROM pg_class WHERE relname LIKE '\_pgroll\_%')")" "0/0/0/0"
check "no index definition names a _pgroll_ column" \
    "$(q "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE c.relnamespace <> 'pg_catalog'::regnamespace AND pg_get_indexdef(i.indexrelid) LIKE '%\_pgroll\_%'")" 0
check "no invalid index in the database" \
    "$(q "SELECT count(*) FROM pg_index WHERE NOT indisvalid OR NOT indisready")" 0
check "no unfinished job; none failed" \
    "$(q "SELECT count(*) FROM pgroll.jobs WHERE state NOT IN ('done', 'cancelled')")" 0
check "history: both schemas complete, chained" \
    "$(q "SELECT string_agg(schema || ':' || name || ':' || coalesce(parent, '-') || ':' || done, ' '
                            ORDER BY schema COLLATE \"C\", created_at) FROM pgroll.migrations")" \
    "app one:01_init:-:true app one:02_qty:01_init:true Äpp\"Two:01_init:-:true Äpp\"Two:02_label:01_init:true"
check "version schemas: only the latest of each schema" \
    "$(q "$vs")" "app one_02_qty -> app one | Äpp\"Two_02_label -> Äpp\"Two"
third_after=$(dump --schema="$I3")
same_dump "third party: pg_dump --schema-only identical to before" "$third_before" "$third_after"
check "third party: data identical, no history, no job" \
    "$(q "SELECT md5(string_agg(i::text, ',' ORDER BY id)) FROM $I3.items i")/$(q "SELECT count(*) FROM pgroll.migrations WHERE schema = $L3")/$(q "SELECT count(*) FROM pgroll.jobs WHERE schema = $L3")" \
    "$third_data_before/0/0"

# ---------------------------------------------------------------------
# F. two starts on one schema at the same time
# ---------------------------------------------------------------------
race_start() {	# race_start APPNAME MIGRATION COLUMN
    PGAPPNAME=$1 psql -X -A -t -q -v schema='race, too' -v m="$2" -v col="$3" > "$work/$1.out" 2>&1 <<'SQL' &
SET pgroll.lock_retry_timeout = '30s';
SELECT pgroll.start(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('add_column',
    jsonb_build_object('table', 't', 'column', jsonb_build_object('name', :'col', 'type', 'int', 'default', '0'))))),
    :'m', :'schema');
\echo sqlstate :SQLSTATE
SQL
    bg_pids+=($!)
    last_pid=$!
}
race_before=$(dump --schema="$IR")
background two_race_barrier "BEGIN; LOCK TABLE $IR.t IN ACCESS SHARE MODE; SELECT pg_sleep(120);"
race_start two_race_a r1 c1
pid_race_a=$last_pid
race_start two_race_b r2 c2
pid_race_b=$last_pid
check_poll "race: both starts running, one holds the schema's lock, the other waits for it" 20 \
    "SELECT count(*) FILTER (WHERE l.granted) = 1 AND count(*) FILTER (WHERE NOT l.granted) = 1
     FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
     WHERE a.application_name IN ('two_race_a', 'two_race_b') AND a.state = 'active'
       AND l.locktype = 'object' AND l.classid = 'pg_namespace'::regclass AND l.objid = '$IR'::regnamespace::oid"
end_background two_race_barrier
wait "$pid_race_a"
wait "$pid_race_b"
ra=$(tr '\n' ' ' < "$work/two_race_a.out")
rb=$(tr '\n' ' ' < "$work/two_race_b.out")
echo "# race: a: $ra" ; echo "# race: b: $rb"
won=""; lost=""
case "$ra" in "race, too_r1 sqlstate 00000 ") won=r1; lost=$rb ;; esac
case "$rb" in "race, too_r2 sqlstate 00000 ") won="${won}r2"; lost=$ra ;; esac
check "race: exactly one start wins" "$(echo "$won" | grep -cE '^r[12]$')" 1
check "race: the other fails with SQLSTATE 55000, naming the schema and the winner" \
    "$(echo "$lost" | grep -cE "ERROR:  a migration for schema \"race, too\" is already in progress .*sqlstate 55000")" 1
check "race: one active migration, the winner's; only its version schema and column" \
    "$(q "SELECT string_agg(name || ':' || done, ' ') FROM pgroll.migrations WHERE schema = $LR")/$(q "SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspname LIKE 'race, too\_%'")/$(q "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '$IR.t'::regclass AND attnum > 0 AND NOT attisdropped")" \
    "$won:false/race, too_$won/id,v,_pgroll_new_c${won#r}"
check "race: rollback" "$(q "SELECT pgroll.rollback($LR)")" "$won"
same_dump "race: pg_dump --schema-only identical to before" "$race_before" "$(dump --schema="$IR")"
