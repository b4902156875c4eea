#!/bin/bash
# test/conformance/run.sh -- pgroll's 56 example migrations, end to end.
#
# Runs against the cluster named by PGHOST/PGPORT/PGUSER (scripts/test.sh
# exports them); creates its own database ($PGROLL_CONFORMANCE_DB, default
# pgroll_conformance) with the pgroll extension and the helpers of
# conformance.sql and selftest.sql, and drops it at the end
# (PGROLL_CONFORMANCE_KEEP=1 keeps it to look into).  Prints TAP: a line
# for the self-test of the checks, one per migration and schema ("ok N -
# <schema> <migration>" or "not ok N - <schema> <migration>: <first failed
# check> (+n more)", every failed check on "#" lines below), one for
# dropping the database, the totals per schema and overall, and the plan.
# CONFORMANCE_VERBOSE=1 also prints the notes: inserts a version does not
# allow, rows checked by each "up" check, rows inserted, skipped checks.
#
# The examples (examples/*.json: pgroll's examples/ as JSON, copied from
# /work/shared/pgroll-examples/json; PGROLL_EXAMPLES=dir overrides) form
# one history, applied in file-name order to an empty schema, in two
# schemas at the same time (pgroll serialises per schema; each schema has
# its own psql session and its own snapshots): "public", and "Conf
# Schema", a name that needs quoting.  (Not "Conformance Schema": with it,
# the version schema of 51_create_table_with_table_foreign_key_constraint,
# "<schema>_<name>", would be 67 bytes, over PostgreSQL's 63.)  When a
# migration fails, its line says why and the suite goes on with the next
# one (the schema then simply lacks what the failed migration would have
# done, and later migrations may fail too).
#
# For every migration M of schema S:
#
#   cycle 1: load data, start, rollback
#     load    the generic loader (conformance.sql, load_data) puts 3 rows
#             into every table of S (see "the loader" below);
#     before  snapshot: pg_dump --schema-only of S, every row of every table
#             (by primary key / unique NOT NULL key), row counts, the table
#             shapes, the list of schemas, the history (pgroll.migrations);
#     start   pgroll.start(M, name, S), then CALL pgroll.wait(S, '2 minutes')
#             (backfills, concurrent index builds); start must return the
#             version schema "S_<version_schema or name>";
#     views   the version checks below;
#     rollback  pgroll.rollback(S), pgroll.wait; then S must be exactly as
#             before start: the same pg_dump (comment, SET and \restrict
#             lines and blank lines stripped), the same tables, columns,
#             row counts and row values, the same schemas (the new version
#             schema is gone, the old one is still there), the same
#             history, and nothing of pgroll's left (_pgroll_* relations,
#             columns, constraints, functions, NOT VALID constraints,
#             invalid indexes, triggers, queued jobs, an active migration).
#     A migration with a sql operation that has no "down" (and runs at
#     start) skips cycle 1: pgroll's rollback only runs "down", so what
#     "up" did stays, and a second start would run "up" again.  (Today:
#     40_create_enum_type.)
#
#   cycle 2: load data, start, use both versions, complete
#     load, snapshot as above, and the "up" checks are prepared: for each
#             operation that fills a column of existing rows (add_column:
#             up, else the default, else NULL; alter_column: up, else the
#             column itself; create_constraint, drop_multicolumn_constraint:
#             up per column; drop_constraint: up for the constraint's
#             column) the expression is evaluated now on every row, twice
#             (differing results = a volatile expression);
#     start, wait, version checks;
#     inserts one generated row through every view of the old version,
#             then of the new version, with search_path = that version
#             schema (pgroll's triggers then know which version writes);
#             the rows written through the old version are added to the
#             "up" checks (the expression evaluated on the old view);
#             afterwards every row of the new version is recorded;
#     complete  pgroll.complete(S), pgroll.wait; then: the history has
#             advanced by M (done, parent = the previous latest); the old
#             version schema is gone, the new one exists, no other schema
#             of S changed; nothing of pgroll's left (as above); the tables
#             of S have exactly the columns (names, types, defaults) of the
#             new version's views and, unless M has a sql operation, those
#             views are the same as before complete; each table a view of
#             the new version read still has as many rows as the view
#             showed before complete; each table holds exactly the rows
#             and values its view of the new version showed before
#             complete; every row that existed before start is still there
#             (by key) with the same values in every column that still
#             exists and is not filled by "up"; and every "up" check: the
#             column of each of those rows equals the expression's value
#             (cast to the column's type), or, for a volatile expression,
#             is NULL exactly when the expression gave NULL.
#
#   version checks (between start and complete, both cycles): each version
#             schema exists and holds only views; each view reads exactly
#             one table, can be read (every column of every row is
#             computed) and shows as many rows as that table; the old
#             version's views have exactly the names, columns, types and
#             defaults of the tables before start.  Column order is not
#             compared: rewriting a column (alter_column, create_constraint)
#             adds a copy that ends up last in the table.
#
# The loader (conformance.sql: value_for, gen_insert, try_insert) builds
# each row from the catalogs: identity and generated columns are left out;
# a column with a default gets it, unless it is unique and the default is
# not a sequence; NOT NULL columns get a value derived from the type and
# the row's number n (counted per table from 1000: numbers n, text
# 'val-<n>', dates/times offset by n, enums their first label, ...), so
# values are distinct (unique constraints) and row n of two tables agree
# (a column that refers to another table before a foreign key is added
# does refer to an existing row); nullable columns are NULL in the first
# row of a load and filled in the others; foreign keys take an existing
# parent row (one not yet referenced if the key is unique), or NULL; rows
# that violate a check or unique constraint are retried with another row
# (defaults and NULLs only, then another n) and otherwise skipped.
#
# What "allows" means for an insert through a version's view: the row the
# loader generates satisfies what that version shows -- its columns, and
# the NOT NULL, unique, check and foreign key constraints of the table
# columns they show (a foreign key gets an existing parent row).  The
# version's client cannot see the rest: table columns the view does not
# show (a column another version added or dropped, or the copy of a column
# being rewritten) and the constraints on them.  pgroll fills those
# columns (the sync trigger with up/down, or the default).  So an insert
# must succeed, except that:
#   - an integrity violation (SQLSTATE class 23) on a column or constraint
#     the view does not show means the version does not allow the insert
#     (e.g. NOT NULL without default on a column the version lacks, with no
#     up/down to fill it); this is a note, not a failure;
#   - when no row can be built (a NOT NULL foreign key with no parent row,
#     a NOT NULL column of a type the loader cannot produce) there is
#     nothing to insert; a note too.
# Any other error fails the check (a violation of a shown constraint after
# three different generated rows, errors of triggers, missing columns, ...).
#
# The only example treated specially: 35_alter_column_multiple has
# "down": "event_name", a column that does not exist.  start must refuse it
# (SQLSTATE 42703, message naming "down" and "event_name") and leave the
# schema as it was (the same checks as after a rollback); the history goes
# on with 36.  Any other migration that start refuses is a failure, and the
# schema must be unchanged by the refused start as well.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=${PGROLL_EXAMPLES:-$HERE/examples}
DB=${PGROLL_CONFORMANCE_DB:-pgroll_conformance}
SCHEMAS=("public" "Conf Schema")
REFUSED_AT_START=35_alter_column_multiple
ROWS_PER_LOAD=3
VERBOSE=${CONFORMANCE_VERBOSE:-0}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_DUMP=$PGBIN/pg_dump
[ -x "$PG_DUMP" ] || PG_DUMP=pg_dump
export PGOPTIONS="-c client_min_messages=warning -c statement_timeout=90s"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

S="" M="" DOC="" VS_OLD="" VS_NEW="" TP="" CURRENT_VS=""
FAILS=() NOTES=() DETAILS=()

# ---------------------------------------------------------------------
# plumbing
# ---------------------------------------------------------------------

# One psql session (a coprocess) runs every query: starting a psql per
# query would cost more than the queries.  q runs the SQL on its stdin
# there and leaves the rows in OUT; it fails if a statement failed (the
# error is in OUT).  :'s' :'m' :'doc' :'vs_old' :'vs_new' in the SQL are
# the current schema, migration, document and version schemas.
SENTINEL="--conformance-$$-done--"
OUT=""
open_session() {
    coproc PSQL { exec psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=0 -d "$DB" 2>&1; }
}
close_session() {
    [ -n "${PSQL_PID:-}" ] || return 0
    echo '\q' >&"${PSQL[1]}"
    wait "$PSQL_PID" 2>/dev/null
}
q() {
    local sql line err=0
    sql=$(cat)
    printf '%s\n\\echo %s\n' "$sql" "$SENTINEL" >&"${PSQL[1]}" || bail "the psql session is gone"
    OUT=""
    while true; do
        IFS= read -r line <&"${PSQL[0]}" || bail "the psql session ended: $OUT"
        [ "$line" = "$SENTINEL" ] && break
        case $line in psql:*ERROR:* | psql:*FATAL:* | psql:*PANIC:*) err=1 ;; esac
        OUT+="$line"$'\n'
    done
    OUT=${OUT%$'\n'}
    return $err
}
# \set a psql variable of the session to any text
setvar() {
    local v=$2
    v=${v//\\/\\\\}
    v=${v//\'/\'\'}
    v=${v//$'\n'/\\n}
    printf "\\\\set %s '%s'\n" "$1" "$v" >&"${PSQL[1]}"
}
set_context() {
    setvar s "$S"; setvar m "$M"; setvar doc "$DOC"; setvar vs_old "$VS_OLD"; setvar vs_new "$VS_NEW"
}
oneline() { tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }
fail() { FAILS+=("$1"); }
note() { NOTES+=("$1"); }
detail() { DETAILS+=("$1"); }     # printed under a failing line

# run a query whose rows are problems ("NOTE: ..." rows are notes)
problems() {
    local label=$1 line
    set_context
    if ! q; then
        fail "$label: suite error: $(oneline <<<"$OUT")"
        return
    fi
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        case $line in
            NOTE:*) note "$label: ${line#NOTE: }" ;;
            FAIL:*) fail "$label: ${line#FAIL: }" ;;
            *) fail "$label: $line" ;;
        esac
    done <<<"$OUT"
}

# pgroll.start/complete/rollback through conformance.try_*: sets RESULT
# (the function's result, or "SQLSTATE: message") and returns 1 on error
RESULT=""
lifecycle() {
    local call=$1 status a b
    set_context
    q <<SQL || { RESULT="suite error: $(oneline <<<"$OUT")"; return 1; }
SELECT CASE WHEN (r->>'ok')::boolean THEN 'ok' ELSE 'error' END,
       coalesce(r->>'result', r->>'sqlstate'),
       replace(coalesce(r->>'message', '') || coalesce(' DETAIL: ' || nullif(r->>'detail', ''), ''), E'\n', ' ')
FROM $call r;
SQL
    IFS=$'\t' read -r status a b <<<"$OUT"
    if [ "$status" = ok ]; then
        RESULT=$a
        return 0
    fi
    RESULT="$a: $b"
    return 1
}
start()    { lifecycle "conformance.try_start(:'doc'::jsonb, :'m', :'s')"; }
complete() { lifecycle "conformance.try_complete(:'s')"; }
rollback() { lifecycle "conformance.try_rollback(:'s')"; }

# CALL pgroll.wait: the queued work of the phase must finish without error
wait_for_work() {
    set_context
    q <<<"CALL pgroll.wait(:'s', '2 minutes');" || fail "$1: pgroll.wait: $(oneline <<<"$OUT")"
}

dump_schema() {
    "$PG_DUMP" -d "$DB" --schema-only --schema="\"${S//\"/\"\"}\"" 2>&1 |
        grep -vE '^(--|SET |SELECT pg_catalog\.set_config|\\(un)?restrict )' | sed '/^$/d'
}

load_data() {
    problems "load" <<<"SELECT 'NOTE: ' || conformance.load_data(:'s', $ROWS_PER_LOAD);"
}

# snapshot under tag $1 (and with "dump", the pg_dump under $WORK/$1.sql)
snapshot() {
    problems "snapshot" <<<"SELECT conformance.snapshot('${TP}$1', :'s');"
    [ "${2:-}" != dump ] || dump_schema >"$WORK/${TP}$1.sql"
}

# ---------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------

# S is exactly as in snapshot $1 (after rollback, or a refused start)
check_unchanged() {
    local tag=$1 what=$2
    dump_schema >"$WORK/${TP}now.sql"
    if ! diff -u "$WORK/${TP}$tag.sql" "$WORK/${TP}now.sql" >"$WORK/${TP}dump.diff"; then
        fail "$what: pg_dump of the schema differs"
        while IFS= read -r line; do detail "  $line"; done < <(sed -n '3,40p' "$WORK/${TP}dump.diff")
    fi
    problems "$what" <<SQL
SELECT conformance.compare_rows('${TP}$tag', true);
SELECT conformance.leftovers(:'s');
SELECT conformance.history_problems('${TP}$tag', :'s', NULL);
SELECT conformance.schema_problems('${TP}$tag', :'s', NULL, NULL);
SQL
}

# both versions between start and complete (snapshot $1 = before start)
check_versions() {
    local tag=$1 phase=$2
    problems "$phase" <<SQL
SELECT conformance.check_version(:'vs_new', '${TP}new_$tag');
SELECT conformance.check_version(:'vs_old', '${TP}old_$tag') WHERE :'vs_old' <> '';
SELECT conformance.compare_shapes((SELECT shapes FROM conformance.snap_meta WHERE tag = '${TP}$tag'),
                                  conformance.view_shapes(:'vs_old'),
                                  'tables before start', 'old version')
WHERE :'vs_old' <> '';
SQL
}

# an insert through each view of both versions
check_inserts() {
    problems "insert through old version" <<<"SELECT conformance.insert_through(:'vs_old', :'s') WHERE :'vs_old' <> '';"
    problems "up" <<<"SELECT conformance.extend_up_checks(:'s', :'vs_old') WHERE :'vs_old' <> '';"
    problems "insert through new version" <<<"SELECT conformance.insert_through(:'vs_new', :'s');"
    # the views still agree with their tables; record the new version
    problems "after inserts" <<SQL
SELECT conformance.check_version(:'vs_old', '${TP}old_inserted') WHERE :'vs_old' <> '';
SELECT conformance.check_version(:'vs_new', '${TP}pre_complete');
SELECT conformance.snapshot_version('${TP}pre_complete', :'vs_new');
DELETE FROM conformance.snap_meta WHERE tag = '${TP}pre_complete';
INSERT INTO conformance.snap_meta (tag, shapes) VALUES ('${TP}pre_complete', conformance.view_shapes(:'vs_new'));
SQL
}

# after complete (snapshot before2 = before start)
check_completed() {
    problems "after complete" <<SQL
SELECT conformance.history_problems('${TP}before2', :'s', :'m');
SELECT conformance.schema_problems('${TP}before2', :'s', nullif(:'vs_old', ''), :'vs_new');
SELECT conformance.leftovers(:'s');
SELECT conformance.compare_shapes(conformance.table_shapes(:'s'), conformance.view_shapes(:'vs_new'),
                                  'tables', 'new version');
SELECT conformance.compare_shapes((SELECT shapes FROM conformance.snap_meta WHERE tag = '${TP}pre_complete'),
                                  conformance.view_shapes(:'vs_new'),
                                  'new version before complete', 'after complete')
WHERE NOT jsonb_path_exists(:'doc'::jsonb, '\$.operations[*].sql');
SELECT conformance.check_version(:'vs_new', '${TP}completed');
SELECT conformance.compare_counts('${TP}pre_complete');
SELECT conformance.compare_version_rows('${TP}pre_complete', :'s');
SELECT conformance.compare_rows('${TP}before2', false,
                                ARRAY(SELECT base FROM conformance.view_snap WHERE tag = '${TP}pre_complete'),
                                conformance.up_targets(:'s'));
SQL
    problems "up" <<<"SELECT conformance.verify_up_checks(:'s');"
}

# ---------------------------------------------------------------------
# one migration
# ---------------------------------------------------------------------

# cycle 1: start, rollback; returns 1 if the migration cannot go on
cycle_rollback() {
    load_data
    snapshot before dump
    if ! start; then
        if [ "$M" = "$REFUSED_AT_START" ]; then
            case $RESULT in
                42703:*down*event_name* | 42703:*event_name*down*) ;;
                *) fail "start: expected a refusal with SQLSTATE 42703 naming down and event_name, got $RESULT" ;;
            esac
        else
            fail "start: $RESULT"
        fi
        check_unchanged before "after the refused start"
        return 1
    fi
    if [ "$M" = "$REFUSED_AT_START" ]; then
        fail "start: accepted, expected a refusal (SQLSTATE 42703, down = event_name does not exist)"
        rollback || fail "rollback: $RESULT"
        wait_for_work "rollback"
        return 1
    fi
    VS_NEW=$RESULT
    [ "$VS_NEW" = "$EXPECTED_VS" ] || fail "start returned version schema $VS_NEW, expected $EXPECTED_VS"
    wait_for_work "start"
    check_versions before "between start and rollback"
    if ! rollback; then
        fail "rollback: $RESULT"
        # still active: complete it, so that the history goes on
        complete || fail "complete: $RESULT"
        wait_for_work "complete"
        return 1
    fi
    wait_for_work "rollback"
    check_unchanged before "after rollback"
    return 0
}

# cycle 2: start, use both versions, complete
cycle_complete() {
    load_data
    snapshot before2
    problems "preparing up checks" <<<"SELECT 'NOTE: ' || conformance.prepare_up_checks(:'s', :'doc'::jsonb);"
    if ! start; then
        fail "second start: $RESULT"
        return
    fi
    VS_NEW=$RESULT
    wait_for_work "start"
    check_versions before2 "between start and complete"
    check_inserts
    if ! complete; then
        fail "complete: $RESULT"
        rollback || fail "rollback after the failed complete: $RESULT"
        wait_for_work "rollback"
        return
    fi
    wait_for_work "complete"
    check_completed
    CURRENT_VS=$VS_NEW
}

# the migration's TAP line (unnumbered: number_tap numbers them)
report() {
    local line summary i
    if [ "$VERBOSE" = 1 ]; then
        for line in "${NOTES[@]}"; do echo "#   $line"; done
    fi
    if [ ${#FAILS[@]} -eq 0 ]; then
        echo "ok - $S $M"
        SCHEMA_PASSED=$((SCHEMA_PASSED + 1))
    else
        summary=${FAILS[0]}
        [ ${#FAILS[@]} -gt 1 ] && summary="$summary (+$(( ${#FAILS[@]} - 1 )) more)"
        echo "not ok - $S $M: $(oneline <<<"$summary" | cut -c1-300)"
        for i in "${!FAILS[@]}"; do
            echo "#   $(oneline <<<"${FAILS[$i]}" | cut -c1-1000)"
        done
        for line in "${DETAILS[@]}"; do echo "#   $line"; done
        SCHEMA_FAILED=$((SCHEMA_FAILED + 1))
    fi
}

run_migration() {
    local file=$1
    M=$(basename "$file" .json)
    DOC=$(<"$file")
    VS_OLD=$CURRENT_VS
    VS_NEW=""
    FAILS=() NOTES=() DETAILS=()
    set_context
    q <<<"SELECT :'s' || '_' || coalesce(:'doc'::jsonb->>'version_schema', :'m');"
    EXPECTED_VS=$OUT
    set_context
    q <<<"SELECT jsonb_path_exists(:'doc'::jsonb, '\$.operations[*] ? (exists(@.sql) && !(exists(@.sql.down)) && !(@.sql.onComplete == true))');"
    if [ "$OUT" = t ]; then
        # a sql operation without down cannot be undone: pgroll's rollback
        # runs down, and start would then run up a second time
        note "no rollback cycle: a sql operation without down is irreversible"
        cycle_complete
    elif cycle_rollback; then
        cycle_complete
    fi
    report
}

# ---------------------------------------------------------------------
# main
# ---------------------------------------------------------------------

bail() { echo "Bail out! $*"; exit 1; }

# the whole history in schema $1, in its own psql session (run in the
# background, one per schema: pgroll serialises per schema only)
run_schema() {
    S=$1
    TP=$2                       # tag prefix of this schema's snapshots
    SCHEMA_PASSED=0
    SCHEMA_FAILED=0
    open_session
    for f in "${files[@]}"; do
        run_migration "$f"
    done
    close_session
    echo "# $S: $SCHEMA_PASSED passed, $SCHEMA_FAILED failed"
}

# the checks can fail: each detects a fault planted in a scratch schema
run_selftest() {
    open_session
    if ! q <<<"SELECT conformance.selftest();" || [ -n "$OUT" ]; then
        echo "not ok - self-test of the checks: $(oneline <<<"$OUT")"
    else
        echo "ok - self-test of the checks (each detects a planted fault)"
    fi
    close_session
}

# drop our database (PGROLL_CONFORMANCE_KEEP=1 keeps it, to look into it)
drop_database() {
    if [ "${PGROLL_CONFORMANCE_KEEP:-0}" = 1 ]; then
        echo "ok - drop database $DB # SKIP kept (PGROLL_CONFORMANCE_KEEP=1)"
    elif PGOPTIONS="-c statement_timeout=20s" psql -X -q -d postgres -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE \"$DB\"" >/dev/null 2>"$WORK/err"; then
        echo "ok - drop database $DB"
    else
        echo "not ok - drop database $DB: $(oneline <"$WORK/err")"
    fi
}

# numbers the TAP lines, adds the totals and the plan; fails on a failure
number_tap() {
    awk '
        /^ok - / { n++; passed++; sub(/^ok - /, "ok " n " - ") }
        /^not ok - / { n++; failed++; sub(/^not ok - /, "not ok " n " - ") }
        /^Bail out!/ { bailed = 1 }
        /^#@elapsed / { elapsed = $2; next }
        { print; fflush() }
        END {
            printf "# total: %d passed, %d failed, %d s\n", passed, failed, elapsed
            printf "1..%d\n", n
            exit (failed > 0 || bailed || n == 0)
        }'
}

for v in PGHOST PGPORT PGUSER; do
    [ -n "${!v:-}" ] || bail "$v is not set"
done
files=("$EXAMPLES"/*.json)
[ -e "${files[0]}" ] || bail "no examples in $EXAMPLES"
started=$(date +%s)

# a database of our own (dropping a leftover one must not hang the suite)
PGOPTIONS="-c statement_timeout=20s" psql -X -q -d postgres -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>"$WORK/err" ||
    bail "cannot drop the leftover database $DB: $(oneline <"$WORK/err")"
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DB\"" >/dev/null 2>"$WORK/err" ||
    bail "cannot create database $DB: $(oneline <"$WORK/err")"
{
    echo "CREATE EXTENSION pgroll;"
    cat "$HERE/conformance.sql" "$HERE/selftest.sql"
    for S in "${SCHEMAS[@]}"; do
        [ "$S" = public ] || echo "CREATE SCHEMA \"${S//\"/\"\"}\";"
    done
} | psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null 2>"$WORK/err" ||
    bail "cannot set up $DB: $(oneline <"$WORK/err")"

{
    echo "# pgroll conformance: ${#files[@]} examples from $EXAMPLES, schemas: ${SCHEMAS[*]}"
    run_selftest
    pids=()
    for i in "${!SCHEMAS[@]}"; do
        run_schema "${SCHEMAS[$i]}" "s$i." >"$WORK/schema$i.tap" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in "${!SCHEMAS[@]}"; do
        cat "$WORK/schema$i.tap"
    done
    drop_database
    echo "#@elapsed $(( $(date +%s) - started ))"
} | number_tap
