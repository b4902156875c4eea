#!/bin/bash
# test/t/zoo.sh -- every operation on every kind of table a production
# schema has: the schema zoo (test/zoo/zoo.sql), owned by a role that is
# not a superuser, used by an application role.
#
# Run as root (scripts/test.sh runs it; or: bash test/t/zoo.sh).  Prints
# TAP.  Uses a throwaway cluster of its own (port 54326).  The zoo is
# loaded once into the database zoo_template (with CREATE EXTENSION pgroll
# and a completed baseline migration 00_baseline, so the zoo has a current
# version schema zoo_00_baseline as any schema pgroll migrates has); each
# case runs in a copy of it (CREATE DATABASE ... TEMPLATE zoo_template),
# ZOO_JOBS cases at a time (default 4).
#
# A case is one migration document for one zoo table, and what it should do:
#
#  * a case pgroll must refuse: validate and start are refused with the
#    expected SQLSTATE, and pg_dump --schema-only and a digest of every
#    zoo table's rows (and of pgroll's history and unfinished jobs) are as
#    before;
#  * a case pgroll must accept:
#    (b) validate returns true; start (as zoo_owner) then rollback at once;
#        after the rollback's queued work, the schema dump and the data
#        digest are byte-identical to before the start (no write is made);
#    (a) start again (as zoo_owner); as zoo_app, through the old version
#        (zoo_00_baseline) at once ("early"), then CALL pgroll.wait() and,
#        as zoo_app, reads and writes through both versions ("both": what
#        one version writes the other reads, through up and down); complete
#        (as zoo_owner); as zoo_app, reads and writes afterwards ("after",
#        through the new version and the base tables); the old version is
#        retired (55000), nothing of pgroll is left on the zoo's tables, and
#        status() says complete;
#  * a case whose background work must fail (a unique constraint over
#    duplicate rows): start works, CALL pgroll.wait() reports the failure,
#    complete is refused (55000), rollback works and leaves the schema dump
#    and the data as they were.
#
# Each case's scripts and their expected output are in the CASES text
# below; a table's default scripts (@defaults) are used where a case gives
# none.  At the end: no server process may have died of a signal.
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
. scripts/lib.sh
require_root
started=$SECONDS
JOBS=${ZOO_JOBS:-4}
WORK=$(mktemp -d /tmp/pgroll-zoo.XXXXXX)
chmod 755 "$WORK"
cleanup() {
    stop_cluster
    rm -rf "$WORK"
    echo "1..$t"
    echo "# zoo.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT
start_cluster /tmp/pgroll-zoo-data 54326 pgroll_zoo
export PGDATABASE=pgroll_zoo

BASELINE='{"operations": [{"sql": {"up": "COMMENT ON SCHEMA zoo IS '"'"'the schema zoo, baselined'"'"'",
                                   "down": "COMMENT ON SCHEMA zoo IS '"'"'the schema zoo'"'"'"}}]}'

# ---------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------

# call ROLE DB SQL [DOC]: SQL's output (:'doc' is DOC); on an error, the
# error message and a last line "SQLSTATE <code>"
call() {
    psql -X -A -t -q -U "$1" -d "$2" -v doc="${4:-}" 2>&1 <<SQL
\\set VERBOSITY default
$3
\\if :ERROR
\\echo SQLSTATE :LAST_ERROR_SQLSTATE
\\endif
SQL
}
# outcome OUTPUT: the SQLSTATE of OUTPUT's error, or OUTPUT itself
outcome() {
    local code
    code=$(printf '%s\n' "$1" | sed -n 's/^SQLSTATE \([0-9A-Z]\{5\}\)$/\1/p' | tail -1)
    if [ -n "$code" ]; then echo "$code"; else printf '%s\n' "$1"; fi
}
# app DB FILE: FILE run as zoo_app (each statement on its own; an error does
# not stop the script).  :old, :new and :base set search_path to the old
# version, the new version and the base schema; pg_temp.try(sql) runs a
# statement and returns 'ok' or its SQLSTATE.
app() {
    {
        cat <<'HEAD'
\set VERBOSITY terse
\set old 'SET search_path = zoo_00_baseline;'
\set new 'SET search_path = zoo_01_new;'
\set base 'SET search_path = zoo;'
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $f$;
HEAD
        cat "$2"
    } | psql -X -A -t -q -U zoo_app -d "$1" 2>&1
}
# the schema, as pg_dump --schema-only shows it (without the random
# \restrict key and the version line)
dump_schema() {
    "$PGBIN/pg_dump" --schema-only -d "$1" 2>&1 | grep -Ev '^-- Dumped|^\\(un)?restrict '
}
# the data: every zoo table and materialized view (rows, md5 of the sorted
# rows), pgroll's history of the zoo, pgroll's unfinished and failed jobs
digest() {
    psql -X -A -t -q -d "$1" 2>&1 <<'SQL'
SELECT format($q$SELECT %L || ' ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM ONLY %s t$q$,
              c.oid::regclass::text, c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'zoo'::regnamespace AND c.relkind IN ('r', 'm')
ORDER BY c.relname
\gexec
SELECT 'migration ' || name || ' done ' || done FROM pgroll.migrations WHERE schema = 'zoo' ORDER BY created_at, name;
SELECT 'jobs unfinished ' || count(*) FILTER (WHERE state IN ('queued', 'running'))
       || ' failed ' || count(*) FILTER (WHERE state = 'failed') FROM pgroll.jobs;
SQL
}
# what of pgroll is left on the zoo's tables (after complete: nothing)
LEFTOVERS="
SELECT concat_ws(' ', (SELECT string_agg(format('column %s.%s', a.attrelid::regclass, a.attname), ' ')
                         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                        WHERE c.relnamespace = 'zoo'::regnamespace AND a.attname LIKE '\_pgroll%' AND NOT a.attisdropped),
                      (SELECT string_agg(format('trigger %s', t.tgname), ' ')
                         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                        WHERE c.relnamespace = 'zoo'::regnamespace AND t.tgname LIKE '%pgroll%'),
                      (SELECT string_agg(format('constraint %s', conname), ' ')
                         FROM pg_constraint WHERE connamespace = 'zoo'::regnamespace AND conname LIKE '\_pgroll%'),
                      (SELECT string_agg(format('relation %s', relname), ' ')
                         FROM pg_class WHERE relnamespace = 'zoo'::regnamespace AND relname LIKE '\_pgroll%'),
                      (SELECT string_agg(format('invalid index %s', i.indexrelid::regclass), ' ')
                         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                        WHERE c.relnamespace = 'zoo'::regnamespace AND NOT i.indisvalid))"
# the first view of the old version, read as zoo_app: the version is retired
RETIRED="SELECT pg_temp.try(format('SELECT 1 FROM zoo_00_baseline.%I LIMIT 1',
    (SELECT min(relname) FROM pg_class WHERE relnamespace = 'zoo_00_baseline'::regnamespace)));"

# record FILE DESCRIPTION GOT EXPECTED [DIAGNOSTICS]: one check, printed later.
# EXPECTED may list alternatives, "42P16|0A000".
record() {
    local got=$3
    case "|$4|" in *"|$got|"*) [ -n "$got" ] && got=$4 ;; esac
    printf '%s\0%s\0%s\0%s\0' "$2" "$got" "$4" "${5:-}" >>"$1"
}
# differences FILE1 FILE2: the first lines of a diff, or nothing
differences() { diff "$1" "$2" | head -40; }

new_database() {
    local db=$1 n
    for n in 1 2 3 4 5 6 7 8 9 10; do
        if psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE zoo_template" >/dev/null 2>&1; then
            psql -X -q -d postgres -c "GRANT CREATE ON DATABASE $db TO zoo_owner" >/dev/null 2>&1
            return 0
        fi
        sleep 0.5
    done
    return 1
}
drop_database() {
    local db=$1 n
    for n in $(seq 1 20); do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
}

# section CASE NAME: the file of a case's section, or its table's default
section() {
    local c=$CASEDIR/$1
    if [ -f "$c/$2" ]; then
        echo "$c/$2"
    elif [ -f "$DEFDIR/$(cat "$c/table")/$2" ]; then
        echo "$DEFDIR/$(cat "$c/table")/$2"
    fi
}
# run_section DB CASE NAME RESULTS LABEL: run a section as zoo_app and
# compare its output with the expected one
run_section() {
    local db=$1 name=$2 sec=$3 res=$4 label=$5 script expected got
    script=$(section "$name" "$sec")
    [ -n "$script" ] || return 0
    expected=$(section "$name" "$sec=")
    got=$(app "$db" "$script")
    record "$res" "$name: $label" "$got" "$(cat "$expected")" \
        "$(diff <(cat "$expected") <(printf '%s\n' "$got") | head -30)"
}

run_case() {
    local name=$1 db=zoo_case_$2 res=$RESDIR/$1 dir=$CASEDIR/$1
    local expect doc out got before_s before_d
    expect=$(cat "$dir/expect")
    doc=$(cat "$dir/doc")
    : >"$res"
    if ! new_database "$db"; then
        record "$res" "$name: a copy of the zoo" "could not create $db" "created"
        return
    fi
    dump_schema "$db" >"$dir/schema.before"
    digest "$db" >"$dir/data.before"

    out=$(call zoo_owner "$db" "SELECT pgroll.validate(:'doc', 'zoo');" "$doc")
    case $expect in ok|worker_fails) want=t ;; *) want=$expect ;; esac
    record "$res" "$name: validate says $want" "$(outcome "$out")" "$want" "$out"

    out=$(call zoo_owner "$db" "SELECT pgroll.start(:'doc', '01_new', 'zoo');" "$doc")
    got=$(outcome "$out")
    if [ "$expect" != ok ] && [ "$expect" != worker_fails ]; then
        record "$res" "$name: start is refused with $expect" "$got" "$expect" "$out"
        if [ "$got" = zoo_01_new ]; then
            call zoo_owner "$db" "CALL pgroll.wait('zoo', '60 s'); SELECT pgroll.rollback('zoo'); CALL pgroll.wait('zoo', '60 s');" >/dev/null
        fi
        dump_schema "$db" >"$dir/schema.after"
        digest "$db" >"$dir/data.after"
        record "$res" "$name: after the refused start the schema dump is unchanged" \
            "$(differences "$dir/schema.before" "$dir/schema.after")" ""
        record "$res" "$name: after the refused start the data is unchanged" \
            "$(differences "$dir/data.before" "$dir/data.after")" ""
        drop_database "$db"
        return
    fi

    # (b) start, rollback at once: nothing left, no row changed
    record "$res" "$name: (b) start" "$got" zoo_01_new "$out"
    if [ "$expect" = worker_fails ]; then
        out=$(call zoo_owner "$db" "CALL pgroll.wait('zoo', '60 s');")
        record "$res" "$name: CALL pgroll.wait() reports the failed background step" \
            "$(outcome "$out" | grep -c '^[0-9A-Z]\{5\}$')" 1 "$out"
        out=$(call zoo_owner "$db" "SELECT phase FROM pgroll.status('zoo');")
        record "$res" "$name: status() says failed" "$out" failed
        out=$(call zoo_owner "$db" "SELECT pgroll.complete('zoo');")
        record "$res" "$name: complete is refused (55000)" "$(outcome "$out")" 55000 "$out"
    fi
    out=$(call zoo_owner "$db" "SELECT pgroll.rollback('zoo');")
    record "$res" "$name: (b) rollback" "$out" 01_new
    out=$(call zoo_owner "$db" "CALL pgroll.wait('zoo', '60 s');")
    record "$res" "$name: (b) the rollback's work is done" "$out" ""
    dump_schema "$db" >"$dir/schema.after"
    digest "$db" >"$dir/data.after"
    record "$res" "$name: (b) after rollback pg_dump --schema-only is byte-identical" \
        "$(differences "$dir/schema.before" "$dir/schema.after")" ""
    record "$res" "$name: (b) after rollback every row is as before" \
        "$(differences "$dir/data.before" "$dir/data.after")" ""
    if [ "$expect" = worker_fails ]; then
        drop_database "$db"
        return
    fi

    # (a) start, both versions, wait, both versions, complete, afterwards
    out=$(call zoo_owner "$db" "SELECT pgroll.start(:'doc', '01_new', 'zoo');" "$doc")
    record "$res" "$name: (a) start as zoo_owner" "$(outcome "$out")" zoo_01_new "$out"
    if [ "$(outcome "$out")" != zoo_01_new ]; then
        drop_database "$db"
        return
    fi
    run_section "$db" "$name" early "$res" "(a) zoo_app through the old version at once"
    out=$(call zoo_owner "$db" "CALL pgroll.wait('zoo', '60 s');")
    record "$res" "$name: (a) CALL pgroll.wait()" "$out" ""
    run_section "$db" "$name" both "$res" "(a) zoo_app through both versions"
    out=$(call zoo_owner "$db" "SELECT pgroll.complete('zoo');")
    record "$res" "$name: (a) complete as zoo_owner" "$out" 01_new
    call zoo_owner "$db" "CALL pgroll.wait('zoo', '60 s');" >/dev/null
    run_section "$db" "$name" after "$res" "(a) zoo_app afterwards"
    run_section "$db" "$name" extra "$res" "(a) afterwards, the catalog says"
    out=$(app "$db" <(echo "$RETIRED"))
    record "$res" "$name: (a) the old version is retired (55000)" "$out" 55000
    out=$(call postgres "$db" "$LEFTOVERS;")
    record "$res" "$name: (a) nothing of pgroll is left on the zoo's tables" "$out" ""
    out=$(call zoo_owner "$db" "SELECT status || ' ' || phase FROM pgroll.status('zoo');")
    record "$res" "$name: (a) status() says complete" "$out" "Complete complete"
    drop_database "$db"
}

# ---------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------
# @defaults TABLE starts a table's default sections; @case NAME TABLE EXPECT
# starts a case (EXPECT: ok, worker_fails, or the SQLSTATE(s) start must
# refuse it with, "a|b" for either); then @doc, and @early, @both, @after,
# @extra with their expected output in @early=, @both=, ... .  Scripts run
# as zoo_app; :old, :new, :base choose the version.
CASES=$(cat <<'CASES'
@@CASES@@
CASES
)

# ---------------------------------------------------------------------
# the zoo
# ---------------------------------------------------------------------
CASEDIR=$WORK/cases
DEFDIR=$WORK/defaults
RESDIR=$WORK/results
mkdir -p "$CASEDIR" "$DEFDIR" "$RESDIR"
printf '%s\n' "$CASES" | awk -v cases="$CASEDIR" -v defs="$DEFDIR" '
    /^@defaults / { dir = defs "/" $2; system("mkdir -p \"" dir "\""); file = ""; next }
    /^@case / {
        dir = cases "/" $2; system("mkdir -p \"" dir "\"")
        print $3 > (dir "/table"); close(dir "/table")
        print $4 > (dir "/expect"); close(dir "/expect")
        print $2 >> (cases "/ORDER"); close(cases "/ORDER")
        file = ""; next }
    /^@[a-z]+=?$/ { if (file != "") close(file); file = dir "/" substr($1, 2); printf "" > file; next }
    file != "" { print > file }'
for d in "$CASEDIR"/*/; do
    # a document is one line
    [ -f "$d/doc" ] && tr '\n' ' ' <"$d/doc" | sed 's/ *$//' >"$d/doc.1" && mv "$d/doc.1" "$d/doc"
done

createdb zoo_template
out=$(psql -X -q -v ON_ERROR_STOP=1 -d zoo_template -c "CREATE EXTENSION pgroll" -f test/zoo/zoo.sql 2>&1)
check "the zoo loads (test/zoo/zoo.sql, as a superuser)" "$out" ""
check "zoo_owner and zoo_app are not superusers and cannot bypass row level security" \
    "$(q "SELECT count(*) FROM pg_roles WHERE rolname IN ('zoo_owner', 'zoo_app')
            AND NOT rolsuper AND NOT rolbypassrls" -d zoo_template)" 2
check "zoo_owner owns the schema and everything in it" \
    "$(q "SELECT (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'zoo') || ' '
              || (SELECT count(*) FROM pg_class WHERE relnamespace = 'zoo'::regnamespace
                  AND relowner <> 'zoo_owner'::regrole)" -d zoo_template)" "zoo_owner 0"
check "the zoo has each kind of table" \
    "$(q "SELECT string_agg(k, ', ' ORDER BY k) FROM (
            SELECT 'range partitioned, sub-partitioned, default' AS k
             WHERE EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = 'zoo.measurements'::regclass AND partstrat = 'r')
               AND EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = 'zoo.measurements_2025'::regclass AND partstrat = 'l')
               AND (SELECT count(*) FROM pg_class WHERE relnamespace = 'zoo'::regnamespace
                     AND relpartbound IS NOT NULL AND pg_get_expr(relpartbound, oid) = 'DEFAULT') = 2
            UNION ALL SELECT 'list partitioned'
             WHERE EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = 'zoo.orders_by_region'::regclass AND partstrat = 'l')
            UNION ALL SELECT 'inheritance'
             WHERE EXISTS (SELECT FROM pg_inherits WHERE inhrelid = 'zoo.trucks'::regclass AND inhparent = 'zoo.vehicles'::regclass)
            UNION ALL SELECT 'rls forced' FROM pg_class WHERE oid = 'zoo.tenant_notes'::regclass AND relrowsecurity AND relforcerowsecurity
            UNION ALL SELECT 'deferrable unique, exclusion' WHERE EXISTS (SELECT FROM pg_constraint WHERE conname = 'bookings_ref_code_key' AND condeferred)
               AND EXISTS (SELECT FROM pg_constraint WHERE conname = 'bookings_no_overlap' AND contype = 'x')
            UNION ALL SELECT 'identity always, by default, serial'
             WHERE (SELECT string_agg(attidentity::text, '' ORDER BY attidentity) FROM pg_attribute
                    WHERE attrelid IN ('zoo.visitors'::regclass, 'zoo.donations'::regclass) AND attidentity <> '') = 'ad'
               AND pg_get_serial_sequence('zoo.tickets', 'id') IS NOT NULL
            UNION ALL SELECT 'no primary key' WHERE NOT EXISTS (SELECT FROM pg_index WHERE indrelid = 'zoo.sensor_log'::regclass AND indisprimary)
            UNION ALL SELECT 'names of 63 bytes' FROM pg_attribute WHERE attrelid = 'zoo.exhibit_opening_hours_exceptions_for_public_holidays_and_events'::regclass
               AND octet_length(attname) = 63 AND attname <> attname::text COLLATE \"C\" || '' IS NOT TRUE AND octet_length(attname) > length(attname)
          ) k" -d zoo_template)" \
    "deferrable unique, exclusion, identity always, by default, serial, inheritance, list partitioned, names of 63 bytes, no primary key, range partitioned, sub-partitioned, default, rls forced"
check "every zoo table has between 200 and 5000 rows" \
    "$(psql -X -A -t -q -d zoo_template 2>&1 <<'SQL'
SELECT format('SELECT CASE WHEN count(*) BETWEEN 200 AND 5000 THEN NULL ELSE %L || '' '' || count(*) END FROM %s',
              c.oid::regclass, c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'zoo'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 1
\gexec
SQL
)" ""
check "zoo_app reads every zoo table; row level security gives it its own tenant's notes" \
    "$(psql -X -A -t -q -U zoo_app -d zoo_template 2>&1 <<'SQL'
SELECT format('SELECT %L || '' '' || (count(*) > 0) FROM %s', c.relname, c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'zoo'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
\gexec
SELECT count(*), count(*) FILTER (WHERE tenant = 'zoo_app') FROM zoo.tenant_notes;
SQL
)" "Opening Hours \"Spécial\" Ü true
animals true
bookings true
donations true
exhibit_opening_hours_exceptions_for_public_holidays_and_events true
exhibits true
feedings true
keeper_audit true
keepers true
measurements true
orders_by_region true
sensor_log true
tenant_notes true
tickets true
trucks true
vehicles true
visitors true
400|400"
out=$(call zoo_owner zoo_template "SELECT pgroll.start(:'doc', '00_baseline', 'zoo'); SELECT pgroll.complete('zoo');" "$BASELINE")
check "the baseline migration 00_baseline (as zoo_owner)" "$out" "zoo_00_baseline
00_baseline"
check "no worker is left connected to the template" \
    "$(poll 30 "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = 'zoo_template')" && echo t)" t

# ---------------------------------------------------------------------
# the matrix
# ---------------------------------------------------------------------
i=0
while read -r name; do
    i=$((i + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_case "$name" "$i" &
done <"$CASEDIR/ORDER"
wait

while read -r name; do
    while IFS= read -r -d '' desc && IFS= read -r -d '' got && IFS= read -r -d '' exp &&
          IFS= read -r -d '' diag; do
        if [ "$got" = "$exp" ]; then
            check "$desc" "$got" "$exp"
        else
            t=$((t + 1))
            echo "not ok $t - $desc"
            if [ -n "$diag" ]; then
                printf '%s\n' "$diag" | comment
            else
                printf '%s\n' "got:      '$got'" "expected: '$exp'" | comment
            fi
        fi
    done <"$RESDIR/$name"
done <"$CASEDIR/ORDER"

# ---------------------------------------------------------------------
# the server log
# ---------------------------------------------------------------------
deaths=$(grep "terminated by signal" "$PGDATA/server.log")
check "no server process died of a signal (server log)" "$deaths" ""
