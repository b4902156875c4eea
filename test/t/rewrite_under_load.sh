#!/bin/bash
# test/t/rewrite_under_load.sh -- column rewrites on a 100k-row table while
# old and new clients write.
#
# Run by scripts/test.sh (as root) with PGDATA, PGBIN, PGHOST, PGPORT and
# PGUSER of a running cluster that preloads pgroll.  Prints TAP.  Works in
# its own database, pgroll_load, dropped at the end.
#
# One table of 100k rows (id, a, b, c, d, e, f, u).  Five migrations, one
# after the other, each a sub-form that rewrites columns through copies
# (02_type is first rolled back mid-backfill, under load, and must leave
# the schema exactly as it was):
#
#   02_type    alter_column a int -> bigint     up a * 2, down a / 2
#   03_notnull alter_column b nullable false    up coalesce(b, -1)
#   04_check   alter_column c check c >= 0      up abs(c)
#   05_unique  create_constraint unique (d)     up d || '-' || id
#   06_dropmc  drop_multicolumn_constraint e <= f, down least/greatest
#
# For each: two writers (pgbench -c 2, one-second runs back to back) write
# through the old version (search_path = the old version schema) from
# before start until the backfill is done, and through the new version from
# the moment it exists until a second after complete (the old one stops
# before complete, which drops the old version, as a rolling deploy retires
# the old release first).  Each client inserts (ids from a sequence of its
# own), updates (rows 1..90000) and deletes (rows 90001..100000), one
# statement per transaction, and logs what it did, with a timestamp, in
# loadlog.* in the same statement.  The scripts write only values both
# versions accept, so every transaction must succeed.
#
# Checked for each: start, complete and rollback succeed under load
# (pgroll.lock_retry_timeout is 10 s here: a step stuck behind the writers
# fails after 10 s, not after the default minute; their durations are
# printed as "#" lines, not asserted);
# both writers inserted, updated and deleted while the backfill ran; no
# failed pgbench transaction; after the backfill every row satisfies the
# up/down relation (new = up(old), or old = down(new) for rows the new
# version wrote last) and none is left marked; the new writer wrote right
# before and right after complete; afterwards no row is lost or duplicated
# (count and sum of ids against the logs), the counter column matches the
# logged updates, the new constraint holds, no _pgroll_ object is left.
# The rolled-back attempt leaves pg_dump --schema-only of the schema
# identical, and the same migration then starts and completes normally.
# The pgbench figures of each phase are printed as "# " comments.
set -u

DB=pgroll_load
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGDATABASE=$DB
started=$SECONDS
work=$(mktemp -d)
bg_pids=()

# (a step that cannot get its lock fails after 10 s, not after the default
# minute: a correct start or complete gets its locks in milliseconds)
export PGOPTIONS="-c pgroll.lock_retry_timeout=10s"
. "$(dirname "$0")/tap.bash"
# ms since the epoch
now_ms() { date +%s%3N; }

cleanup() {
    local p f
    for f in "$work"/*.out; do [ -e "$f" ] && touch "${f%.out}.stop"; done
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    out=$(PGOPTIONS='-c statement_timeout=15s' "$PGBIN/psql" -X -q -d postgres \
              -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>&1)
    check "DROP DATABASE $DB" "$?$out" 0
    rm -rf "$work"
    echo "1..$t"
    echo "# rewrite_under_load.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

out=$(PGOPTIONS='-c statement_timeout=15s' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
          -c "SET client_min_messages = warning" \
          -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>&1)
if [ $? -ne 0 ]; then
    check "a fresh database $DB" "$out" ""
    exit 1
fi

# ---------------------------------------------------------------------
# Setup: the table (through a first migration, so that an old version
# schema exists), the logs and the id sequences of the writers
# ---------------------------------------------------------------------
out=$("$PGBIN/psql" -X -q -o /dev/null -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE EXTENSION pgroll;
CREATE SCHEMA load;
SELECT pgroll.start(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('sql',
  jsonb_build_object('up', $s$
CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b int, c int, d text, e int, f int,
                u int NOT NULL DEFAULT 0, CONSTRAINT t_e_f_check CHECK (e <= f));
INSERT INTO t SELECT g, g, CASE WHEN g % 10 <> 0 THEN g END, g, 'k' || (g % 50000), g % 100, g % 100 + 1, 0
  FROM generate_series(1, 100000) g;
$s$)))), '01_base', 'load');
SELECT pgroll.complete('load');
ANALYZE load.t;
CREATE SCHEMA loadlog;
CREATE SEQUENCE loadlog.old_ids START 1000001;
CREATE SEQUENCE loadlog.new_ids START 2000001;
CREATE TABLE loadlog.ins (id int, version text, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE loadlog.upd (id int, version text, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE loadlog.del (id int, version text, ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE VIEW loadlog.all AS
    SELECT 'ins' AS op, * FROM loadlog.ins UNION ALL
    SELECT 'upd', * FROM loadlog.upd UNION ALL
    SELECT 'del', * FROM loadlog.del;
SQL
)
check "setup: a table of 100k rows" "$?:$(q "SELECT count(*) FROM load.t")" "0:100000"
[ -n "${out:-}" ] && echo "$out" | comment

# ---------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------

# write_scripts NAME VERSION SEQ DEL_FROM DEL_TO INS_VALUES UPD_SET: three
# one-statement pgbench scripts in $work/NAME.{ins,upd,del}.sql, each logging
# what it did: an insert (n: the new id, from the writer's sequence; the
# values of a, b, c, d, e, f as expressions of n), an update of a random row
# of 1..90000 (SET UPD_SET and the counter u), a delete of a random row of
# DEL_FROM..DEL_TO
write_scripts() {
    local name=$1 version=$2 seq=$3 from=$4 to=$5 values=$6 set=$7
    cat > "$work/$name.ins.sql" <<EOF
WITH i AS (INSERT INTO t (id, a, b, c, d, e, f) SELECT n, $values FROM (SELECT nextval('loadlog.$seq')::int AS n) s RETURNING id)
INSERT INTO loadlog.ins (id, version) SELECT id, '$version' FROM i;
EOF
    cat > "$work/$name.upd.sql" <<EOF
\\set r random(1, 90000)
WITH x AS (UPDATE t SET $set, u = u + 1 WHERE id = :r RETURNING id) INSERT INTO loadlog.upd (id, version) SELECT id, '$version' FROM x;
EOF
    cat > "$work/$name.del.sql" <<EOF
\\set k random($from, $to)
WITH x AS (DELETE FROM t WHERE id = :k RETURNING id) INSERT INTO loadlog.del (id, version) SELECT id, '$version' FROM x;
EOF
}

# writer NAME SEARCH_PATH: pgbench runs of one second each, one after the
# other, in the background until stop_writer NAME; output in $work/NAME.out
writer() {
    local name=$1 path=$2
    rm -f "$work/$name.stop"
    : > "$work/$name.out"
    (
        while [ ! -e "$work/$name.stop" ]; do
            PGOPTIONS="-c search_path=$path" "$PGBIN/pgbench" -n -c 2 -j 2 -T 1 \
                -f "$work/$name.ins.sql@3" -f "$work/$name.upd.sql@5" -f "$work/$name.del.sql@1" \
                "$DB" >> "$work/$name.out" 2>&1 ||
                { echo "pgbench exit status $?" >> "$work/$name.out"; sleep 0.2; }
        done
    ) &
    bg_pids+=($!)
    eval "pid_$name=$!"
}
stop_writer() {
    local name=$1 pid
    eval "pid=\$pid_$name"
    touch "$work/$name.stop"
    wait "$pid"
}
# report NAME: "ok" if every run went without error, else the complaints
report() {
    local name=$1 processed failed
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$name.out" |
                    awk '{ s += $1 } END { print s + 0 }')
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/$name.out" |
                 awk '{ s += $1 } END { print s + 0 }')
    if [ "$failed" = 0 ] && [ "$processed" -gt 0 ] && ! grep -qiE 'error|abort|exit status' "$work/$name.out"; then
        echo ok
    else
        echo "processed=$processed failed=$failed: $(grep -m 3 -iE 'error|abort|exit status' "$work/$name.out" | tr '\n' ' ')"
    fi
}
# the transactions and the mean rate of a writer's runs
tps() {
    echo "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/$1.out" |
                awk '{ s += $1 } END { print s + 0 }') transactions," \
         "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/$1.out" | awk '{ s += $1; n++ } END { printf "%d", n ? s / n : 0 }') tps"
}

# ---------------------------------------------------------------------
# One migration under load
# ---------------------------------------------------------------------

# run MIGRATION DOC RELATION FINAL_DESCRIPTION FINAL_QUERY FINAL_EXPECTED
#   RELATION: a query counting the rows that break the up/down relation
#   (run on the base table while both versions exist)
#   FINAL_QUERY: run after complete, with its expected result
run() {
    local m=$1 doc=$2 relation=$3 final_desc=$4 final=$5 final_expected=$6
    local old_path new_path="load_$m"
    old_path="load_$(q "SELECT pgroll.latest_version('load')")"

    # the old writer writes during start and the backfill; the new one, from
    # the moment its version exists, during the backfill and complete
    writer "old_$m" "$old_path"
    sleep 0.5
    t0=$(now_ms)
    out=$("$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -v doc="$doc" -v m="$m" 2>&1 <<'SQL'
SET pgroll.backfill_batch_size = 2000;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 15;
SELECT pgroll.start(:'doc', :'m', 'load');
SQL
)
    t1=$(now_ms)
    writer "new_$m" "$new_path"
    check "$m: start while old and new clients write" "$out" "$new_path"
    echo "# $m: start took $((t1 - t0)) ms under load"
    out=$(q "CALL pgroll.wait('load', '2 minutes')")
    check "$m: the backfill and the other queued work finish under load" \
        "$out$(q "SELECT string_agg(j.description || ': ' || j.state, '; ')
                  FROM pgroll.jobs j JOIN pgroll.migrations m
                    ON m.schema = j.schema AND m.name = j.migration
                  WHERE j.schema = 'load' AND j.migration = '$m' AND j.state <> 'done'
                    AND j.created_at >= m.created_at")" ""
    check "$m: old and new clients inserted, updated and deleted while the backfill ran" \
        "$(q "SELECT string_agg(DISTINCT version || ':' || op, ' ' ORDER BY version || ':' || op)
                FROM loadlog.all l, pgroll.jobs j
               WHERE j.schema = 'load' AND j.migration = '$m' AND j.kind = 'backfill'
                 AND j.state = 'done' AND l.ts BETWEEN j.started_at AND j.finished_at")" \
        "new:del new:ins new:upd old:del old:ins old:upd"
    echo "# $m: the backfill took $(q "SELECT round(extract(epoch FROM finished_at - started_at)::numeric, 2)
                                        FROM pgroll.jobs WHERE schema = 'load' AND migration = '$m'
                                         AND kind = 'backfill'") s"
    check "$m: every row was backfilled (none left marked)" \
        "$(q "SELECT count(*) FROM load.t WHERE _pgroll_needs_backfill")" 0
    check "$m: every row satisfies the up/down relation" "$(q "$relation")" 0
    stop_writer "old_$m"
    check "$m: old writer (through $old_path): no failed transaction" "$(report "old_$m")" ok
    # the old version is retired; the new writer goes on through complete
    before=$(q "SELECT clock_timestamp()")
    t0=$(now_ms)
    out=$(q "SELECT pgroll.complete('load')")
    t1=$(now_ms)
    after=$(q "SELECT clock_timestamp()")
    check "$m: complete while the new client writes" "$out" "$m"
    echo "# $m: complete (with the call) took $((t1 - t0)) ms under load"
    sleep 1
    stop_writer "new_$m"
    check "$m: new writer (through $new_path): no failed transaction" "$(report "new_$m")" ok
    check "$m: the new client wrote right before and right after complete" \
        "$(q "SELECT count(*) FILTER (WHERE ts BETWEEN '$before'::timestamptz - interval '1 second' AND '$before') > 0
                 AND count(*) FILTER (WHERE ts BETWEEN '$after' AND '$after'::timestamptz + interval '1 second') > 0
                FROM loadlog.all WHERE version = 'new'")" t
    echo "# $m: complete took $(q "SELECT round(extract(epoch FROM '$after'::timestamptz - '$before')::numeric * 1000) ") ms"
    echo "# $m: pgbench -c 2, old version: $(tps "old_$m"); new version: $(tps "new_$m")"

    # nothing lost, nothing duplicated
    check "$m: no row lost or duplicated (count and sum of ids against the logs)" \
        "$(q "SELECT (SELECT count(*) || '/' || sum(id) FROM load.t) =
                     (SELECT (100000 + (SELECT count(*) FROM loadlog.ins) - (SELECT count(*) FROM loadlog.del)) || '/' ||
                             (5000050000 + (SELECT coalesce(sum(id), 0) FROM loadlog.ins)
                                         - (SELECT coalesce(sum(id), 0) FROM loadlog.del)))")" t
    check "$m: every logged insert is there, every logged delete gone" \
        "$(q "SELECT (SELECT count(*) FROM loadlog.ins i WHERE NOT EXISTS (SELECT 1 FROM load.t WHERE t.id = i.id))
                   + (SELECT count(*) FROM loadlog.del d WHERE EXISTS (SELECT 1 FROM load.t WHERE t.id = d.id))")" 0
    check "$m: the update counter matches the logged updates" \
        "$(q "SELECT (SELECT sum(u) FROM load.t WHERE id <= 90000) = (SELECT count(*) FROM loadlog.upd)")" t
    check "$m: after complete: $final_desc" "$(q "$final")" "$final_expected"
    q "VACUUM ANALYZE load.t" >/dev/null
    check "$m: no _pgroll_ objects left" \
        "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'load.t'::regclass AND attname LIKE '\_pgroll\_%' AND NOT attisdropped")/$(q "SELECT count(*) FROM pg_constraint WHERE conrelid = 'load.t'::regclass AND conname LIKE '\_pgroll\_%'")/$(q "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'load.t'::regclass AND NOT tgisinternal")" \
        "0/0/0"
}

# run_rollback MIGRATION DOC: the migration is rolled back while the
# backfill runs and the old client writes (the new client stops first: the
# rollback drops its version); the schema is exactly as before start
run_rollback() {
    local m=$1 doc=$2
    local old_path new_path="load_$m" before after
    old_path="load_$(q "SELECT pgroll.latest_version('load')")"
    before=$("$PGBIN/pg_dump" --schema-only --schema=load "$DB" 2>&1 | grep -Ev '^.(un)?restrict ')

    writer "old_rb_$m" "$old_path"
    sleep 0.5
    out=$("$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -v doc="$doc" -v m="$m" 2>&1 <<'SQL'
SET pgroll.backfill_batch_size = 1000;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 20;
SELECT pgroll.start(:'doc', :'m', 'load');
SQL
)
    check "$m (rolled back): start while the old client writes" "$out" "$new_path"
    writer "new_rb_$m" "$new_path"
    sleep 1.5
    stop_writer "new_rb_$m"
    check "$m (rolled back): the backfill is still running" \
        "$(q "SELECT state FROM pgroll.jobs WHERE schema = 'load' AND migration = '$m' AND kind = 'backfill'")" running
    t0=$(now_ms)
    out=$(q "SELECT pgroll.rollback('load')")
    t1=$(now_ms)
    check "$m (rolled back): rollback during the backfill, while the old client writes" "$out" "$m"
    echo "# $m (rolled back): rollback took $((t1 - t0)) ms under load"
    sleep 0.5
    stop_writer "old_rb_$m"
    check "$m (rolled back): old writer (through $old_path): no failed transaction" "$(report "old_rb_$m")" ok
    check "$m (rolled back): new writer (through $new_path): no failed transaction" "$(report "new_rb_$m")" ok
    echo "# $m (rolled back): pgbench -c 2, old version: $(tps "old_rb_$m"); new version: $(tps "new_rb_$m")"
    check "$m (rolled back): no queued work left running" \
        "$(q "SELECT count(*) FROM pgroll.jobs WHERE schema = 'load' AND state IN ('queued', 'running')")" 0
    after=$("$PGBIN/pg_dump" --schema-only --schema=load "$DB" 2>&1 | grep -Ev '^.(un)?restrict ')
    if [ "$before" = "$after" ]; then
        check "$m (rolled back): pg_dump --schema-only of the schema is identical to before start" same same
    else
        check "$m (rolled back): pg_dump --schema-only of the schema is identical to before start" \
            "$(diff <(echo "$before") <(echo "$after") | head -20)" ""
    fi
    check "$m (rolled back): no row lost or duplicated (count and sum of ids against the logs)" \
        "$(q "SELECT (SELECT count(*) || '/' || sum(id) FROM load.t) =
                     (SELECT (100000 + (SELECT count(*) FROM loadlog.ins) - (SELECT count(*) FROM loadlog.del)) || '/' ||
                             (5000050000 + (SELECT coalesce(sum(id), 0) FROM loadlog.ins)
                                         - (SELECT coalesce(sum(id), 0) FROM loadlog.del)))")" t
    check "$m (rolled back): the update counter matches the logged updates" \
        "$(q "SELECT (SELECT sum(u) FROM load.t WHERE id <= 90000) = (SELECT count(*) FROM loadlog.upd)")" t
    check "$m (rolled back): the new client's rows are there with down's values" \
        "$(q "SELECT count(*) FILTER (WHERE t.a <> t.id % 1000) || '/' || (count(*) > 0)::text
                FROM load.t JOIN loadlog.ins USING (id) WHERE ins.version = 'new'")" "0/true"
}

# 02_type: a int -> bigint; old clients write a, new clients write 2a.
# The new client's update sets a value that does not depend on a: until
# the backfill reaches a row, the new version reads NULL for its new
# column (README, Limitations), and "a = a + 2" would write NULL + 2 (a
# NOT NULL violation of the old column, down's value), where the trigger
# used to overwrite it with up, losing the + 2 without a word.
write_scripts old_02_type old old_ids 90001 95000 "n % 1000, n, n, 'o' || n, 1, 2" "a = a + 1"
write_scripts new_02_type new new_ids 95001 100000 "(n % 1000) * 2, n, n, 'n' || n, 1, 2" "a = (id % 1000) * 2"
write_scripts old_rb_02_type old old_ids 90001 95000 "n % 1000, n, n, 'o' || n, 1, 2" "a = a + 1"
write_scripts new_rb_02_type new new_ids 95001 100000 "(n % 1000) * 2, n, n, 'n' || n, 1, 2" "a = (id % 1000) * 2"
run_rollback 02_type '{"operations": [{"alter_column": {"table": "t", "column": "a", "type": "bigint",
    "up": "a::bigint * 2", "down": "(a / 2)::int"}}]}'
run 02_type '{"operations": [{"alter_column": {"table": "t", "column": "a", "type": "bigint",
    "up": "a::bigint * 2", "down": "(a / 2)::int"}}]}' \
    "SELECT count(*) FROM load.t WHERE _pgroll_new_a IS DISTINCT FROM a::bigint * 2" \
    "the type is bigint and every value went through up (even)" \
    "SELECT format_type(atttypid, atttypmod) || '/' || (SELECT count(*) FROM load.t WHERE a % 2 <> 0)
       FROM pg_attribute WHERE attrelid = 'load.t'::regclass AND attname = 'a'" \
    "bigint/0"

# 03_notnull: b becomes NOT NULL; old clients write NULLs, up makes them -1
write_scripts old_03_notnull old old_ids 90001 95000 "n * 2, CASE WHEN n % 3 = 0 THEN NULL ELSE n END, n, 'o' || n, 1, 2" \
    "b = CASE WHEN b IS NULL THEN id ELSE NULL END"
write_scripts new_03_notnull new new_ids 95001 100000 "n * 2, n, n, 'n' || n, 1, 2" "b = coalesce(b, 0) + 1"
run 03_notnull '{"operations": [{"alter_column": {"table": "t", "column": "b", "nullable": false,
    "up": "coalesce(b, -1)"}}]}' \
    "SELECT count(*) FROM load.t WHERE _pgroll_new_b IS DISTINCT FROM coalesce(b, -1) AND b IS DISTINCT FROM _pgroll_new_b" \
    "b is NOT NULL and holds no NULL" \
    "SELECT attnotnull::text || '/' || (SELECT count(*) FROM load.t WHERE b IS NULL)
       FROM pg_attribute WHERE attrelid = 'load.t'::regclass AND attname = 'b'" \
    "true/0"

# 04_check: c >= 0; old clients write negative values, up takes abs
write_scripts old_04_check old old_ids 90001 95000 "n * 2, n, -n, 'o' || n, 1, 2" "c = -c"
write_scripts new_04_check new new_ids 95001 100000 "n * 2, n, n, 'n' || n, 1, 2" "c = abs(c) + 1"
run 04_check '{"operations": [{"alter_column": {"table": "t", "column": "c",
    "check": {"name": "t_c_nonneg", "constraint": "c >= 0"}, "up": "abs(c)", "down": "c"}}]}' \
    "SELECT count(*) FROM load.t WHERE _pgroll_new_c IS DISTINCT FROM abs(c) AND c IS DISTINCT FROM _pgroll_new_c" \
    "the check is valid and holds" \
    "SELECT (SELECT convalidated::text FROM pg_constraint WHERE conname = 't_c_nonneg') || '/' ||
            (SELECT count(*) FROM load.t WHERE c < 0)" \
    "true/0"

# 05_unique: create_constraint unique (d); old clients write duplicates
write_scripts old_05_unique old old_ids 90001 95000 "n * 2, n, n, 'dup', 1, 2" "d = 'dup'"
write_scripts new_05_unique new new_ids 95001 100000 "n * 2, n, n, 'n' || n, 1, 2" "d = 'n' || id"
run 05_unique '{"operations": [{"create_constraint": {"table": "t", "name": "t_d_key", "type": "unique",
    "columns": ["d"], "up": {"d": "d || '"'"'-'"'"' || id"}, "down": {"d": "d"}}}]}' \
    "SELECT count(*) FROM load.t WHERE _pgroll_new_d IS DISTINCT FROM d || '-' || id AND d IS DISTINCT FROM _pgroll_new_d" \
    "the unique constraint is there and every value is distinct" \
    "SELECT (SELECT contype::text FROM pg_constraint WHERE conname = 't_d_key') || '/' ||
            (SELECT (count(*) = count(DISTINCT d))::text FROM load.t)" \
    "u/true"

# 06_dropmc: drop_multicolumn_constraint t_e_f_check; new clients write e > f
write_scripts old_06_dropmc old old_ids 90001 95000 "n * 2, n, n, 'o' || n, 1, 2" "e = e - 1"
write_scripts new_06_dropmc new new_ids 95001 100000 "n * 2, n, n, 'n' || n, 5, 1" "e = f + 1"
run 06_dropmc '{"operations": [{"drop_multicolumn_constraint": {"table": "t", "name": "t_e_f_check",
    "down": {"e": "least(e, f)", "f": "greatest(e, f)"}}}]}' \
    "SELECT count(*) FROM load.t WHERE (_pgroll_new_e, _pgroll_new_f) IS DISTINCT FROM (e, f)
                                   AND (e, f) IS DISTINCT FROM (least(_pgroll_new_e, _pgroll_new_f), greatest(_pgroll_new_e, _pgroll_new_f))" \
    "the check is gone and new clients' rows break it" \
    "SELECT (SELECT count(*) FROM pg_constraint WHERE conname = 't_e_f_check') || '/' ||
            (SELECT (count(*) > 0)::text FROM load.t WHERE e > f)" \
    "0/true"
