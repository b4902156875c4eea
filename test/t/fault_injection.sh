#!/bin/bash
# test/t/fault_injection.sh -- a failure at any step of start, complete or
# rollback leaves the database exactly as it was before the call.
#
# Run by scripts/test.sh (as root) with PGHOST, PGPORT and PGUSER of a
# running cluster that preloads pgroll.  Prints TAP: one line per
# migration and phase.
#
# For every operation (and a migration combining several), on a fixture
# with identity and serial keys, foreign keys both ways, unique, check and
# exclusion constraints, an index, comments (and, for the partitioned_*
# migrations, a sub-partitioned partitioned table) and rows: for phase in start,
# complete, rollback, the call is made with pgroll.inject_fault = 'step:N'
# for N = 1, 2, ... until it succeeds.  Each failed call must fail with the
# injected error (SQLSTATE PR999: no step may swallow it), and leave the
# database as before the call: pg_dump --schema-only identical, the same
# rows, the same history and jobs.  Rewrites of columns with dependents
# (foreign keys both ways, unique, check, identity, sequences) also start
# under a statement_timeout that grows from 1 ms until start gets through:
# every cancel must reach the caller and leave the database as it was.  Migrations run in parallel, each in a
# database of its own.
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

FIXTURE="
CREATE SCHEMA fi;
CREATE TABLE fi.customers (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE CHECK (email LIKE '%@%'),
    name text);
COMMENT ON COLUMN fi.customers.name IS 'display name';
CREATE TABLE fi.orders (
    id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES fi.customers (id),
    amount int NOT NULL DEFAULT 0 CHECK (amount >= 0),
    note text,
    during tsrange,
    EXCLUDE USING gist (during WITH &&));
CREATE INDEX orders_amount_idx ON fi.orders (amount);
CREATE TABLE fi.refunds (id int PRIMARY KEY, order_id int REFERENCES fi.orders (id),
    reason text, CONSTRAINT refunds_reason_len CHECK (length(reason) < 100),
    CONSTRAINT refunds_pair UNIQUE (id, order_id));
INSERT INTO fi.customers (email, name) SELECT 'c' || g || '@x', 'c' || g FROM generate_series(1, 50) g;
INSERT INTO fi.orders (customer_id, amount, note, during)
    SELECT 1 + g % 50, g, CASE WHEN g % 3 = 0 THEN 'n' || g END,
           tsrange('2026-01-01'::timestamp + g * interval '1 hour',
                   '2026-01-01'::timestamp + g * interval '1 hour' + interval '30 minutes')
    FROM generate_series(1, 300) g;
INSERT INTO fi.refunds SELECT g, g, 'r' || g FROM generate_series(1, 20) g;
"
# for the partitioned_* migrations only (every snapshot dumps it: kept out
# of the others' way)
FIXTURE_PARTITIONED="
CREATE TABLE fi.events (id int NOT NULL, at date NOT NULL, kind text NOT NULL, n int)
    PARTITION BY RANGE (at);
CREATE TABLE fi.events_2025 PARTITION OF fi.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE fi.events_2026 PARTITION OF fi.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE fi.events_2026_a PARTITION OF fi.events_2026 FOR VALUES IN ('a');
CREATE TABLE fi.events_2026_b PARTITION OF fi.events_2026 DEFAULT;
CREATE INDEX events_n ON fi.events (n);
INSERT INTO fi.events SELECT g, date '2025-06-01' + g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, g
    FROM generate_series(1, 400) g;
"

# name|document: one migration per line
MIGRATIONS=$(cat <<'EOF'
add_column|{"operations": [{"add_column": {"table": "orders", "up": "amount * 2", "column": {"name": "doubled", "type": "bigint", "nullable": false, "unique": true, "check": {"name": "doubled_even", "constraint": "doubled % 2 = 0"}}}}]}
alter_column_type|{"operations": [{"alter_column": {"table": "orders", "column": "id", "type": "bigint", "up": "id", "down": "id"}}]}
alter_column_not_null|{"operations": [{"alter_column": {"table": "orders", "column": "note", "nullable": false, "up": "coalesce(note, 'none')", "down": "note"}}]}
alter_column_fk|{"operations": [{"alter_column": {"table": "orders", "column": "customer_id", "type": "bigint", "up": "customer_id", "down": "customer_id"}}]}
rename_column|{"operations": [{"rename_column": {"table": "customers", "from": "name", "to": "full_name"}}]}
drop_column|{"operations": [{"drop_column": {"table": "orders", "column": "note", "down": "'restored'"}}]}
rename_table|{"operations": [{"rename_table": {"from": "refunds", "to": "returns"}}]}
drop_table|{"operations": [{"drop_table": {"name": "refunds"}}]}
create_table|{"operations": [{"create_table": {"name": "invoices", "columns": [{"name": "id", "type": "serial", "pk": true}, {"name": "order_id", "type": "int", "references": {"name": "invoices_order_fk", "table": "orders", "column": "id"}}, {"name": "total", "type": "numeric(10,2)", "default": "0", "check": {"name": "total_pos", "constraint": "total >= 0"}}]}}]}
create_index|{"operations": [{"create_index": {"name": "orders_note_idx", "table": "orders", "columns": ["note"], "predicate": "note IS NOT NULL"}}]}
drop_index|{"operations": [{"drop_index": {"name": "orders_amount_idx"}}]}
create_constraint|{"operations": [{"create_constraint": {"name": "note_short", "table": "orders", "type": "check", "columns": ["note"], "check": "length(note) < 10", "up": {"note": "left(note, 9)"}, "down": {"note": "note"}}}]}
drop_constraint|{"operations": [{"drop_constraint": {"table": "orders", "name": "orders_amount_check", "up": "amount", "down": "greatest(amount, 0)"}}]}
drop_multicolumn_constraint|{"operations": [{"drop_multicolumn_constraint": {"table": "refunds", "name": "refunds_pair", "up": {"id": "id", "order_id": "order_id"}, "down": {"id": "id", "order_id": "order_id"}}}]}
rename_constraint|{"operations": [{"rename_constraint": {"table": "refunds", "from": "refunds_reason_len", "to": "refunds_reason_short"}}]}
set_replica_identity|{"operations": [{"set_replica_identity": {"table": "customers", "identity": {"type": "full"}}}]}
sql|{"operations": [{"sql": {"up": "CREATE TABLE fi.log (id int)", "down": "DROP TABLE fi.log"}}]}
alter_identity|{"operations": [{"alter_column": {"table": "customers", "column": "id", "type": "bigint", "up": "id", "down": "id"}}]}
alter_unique_check|{"operations": [{"alter_column": {"table": "customers", "column": "email", "type": "varchar(200)", "up": "email", "down": "email"}}]}
partitioned_index|{"operations": [{"create_index": {"name": "events_kind_n", "table": "events", "columns": ["kind", "n"]}}]}
partitioned_rewrite|{"operations": [{"alter_column": {"table": "events", "column": "n", "type": "bigint", "up": "n", "down": "n"}}, {"add_column": {"table": "events", "up": "n + 1", "column": {"name": "m", "type": "int", "nullable": true}}}]}
combined|{"operations": [{"add_column": {"table": "customers", "up": "upper(email)", "column": {"name": "shout", "type": "text", "nullable": true}}}, {"alter_column": {"table": "orders", "column": "amount", "type": "bigint", "up": "amount", "down": "amount"}}, {"rename_column": {"table": "orders", "from": "note", "to": "remark"}}, {"create_index": {"name": "customers_shout_idx", "table": "customers", "columns": ["shout"]}}, {"drop_column": {"table": "refunds", "column": "reason"}}]}
EOF
)

# snapshot DB: everything a call could change
snapshot() {
    "$PGBIN/pg_dump" --schema-only -d "$1" 2>&1 |
        grep -Ev '^-- Dumped|^SET |^SELECT pg_catalog.set_config|^.(un)?restrict '
    for t in $(psql -X -A -t -q -d "$1" -c "SELECT format('%I.%I', n.nspname, c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'fi' AND c.relkind IN ('r', 'p') ORDER BY 1"); do
        echo "$t $(psql -X -A -t -q -d "$1" -c "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM $t t")"
    done
    psql -X -A -t -q -d "$1" -c "
        SELECT 'migration ' || name || ' ' || done FROM pgroll.migrations WHERE schema = 'fi'
        UNION ALL SELECT 'jobs ' || count(*) FILTER (WHERE state IN ('queued', 'running'))
                  || ' ' || count(*) FILTER (WHERE state = 'failed') FROM pgroll.jobs
        UNION ALL SELECT 'skipped ' || count(*) FROM pgroll.skipped_objects
        ORDER BY 1"
}

# run_phase DB NAME PHASE DOC: inject a fault at every step of the call
run_phase() {
    local db=$1 name=$2 phase=$3 doc=$4 call n out before after faults=0 problem=""
    case $phase in
        start) call="SELECT pgroll.start('$doc', '02_$name', 'fi')" ;;
        *) call="SELECT pgroll.$phase('fi')" ;;
    esac
    before=$(snapshot "$db")
    for n in $(seq 1 400); do
        out=$(psql -X -A -t -q -d "$db" -v ON_ERROR_STOP=1 -v VERBOSITY=default \
                -c "SET pgroll.inject_fault = 'step:$n'" -c "SET client_min_messages = error" \
                -c "$call" 2>&1)
        if [ $? -eq 0 ]; then
            break
        fi
        faults=$((faults + 1))
        if ! grep -q "pgroll: fault injected at step $n (" <<<"$out"; then
            problem="step $n: the call failed with another error, or the injected one was swallowed: $(echo $out)"
            break
        fi
        after=$(snapshot "$db")
        if [ "$before" != "$after" ]; then
            problem="step $n: the database changed: $(diff <(echo "$before") <(echo "$after") | head -20 | tr '\n' ' ')"
            break
        fi
    done
    if [ -z "$problem" ] && [ "$n" -ge 400 ]; then
        problem="never succeeded"
    fi
    echo "$name|$phase|$faults|$problem"
}

# run_timeouts DB NAME DOC: start cancelled by statement_timeout at 1, 3,
# 5, ... ms until it gets through: each cancel (57014, never swallowed)
# must leave the database as it was, wherever it hit (copying foreign keys
# both ways, unique and check constraints, indexes, identity, sequences)
run_timeouts() {
    local db=$1 name=$2 doc=$3 ms out before after cancels=0 problem=""
    before=$(snapshot "$db")
    for ms in $(seq 1 2 401); do
        out=$(psql -X -A -t -q -d "$db" -v ON_ERROR_STOP=1 \
                -c "SET client_min_messages = error" -c "SET statement_timeout = '${ms}ms'" \
                -c "SELECT pgroll.start('$doc', '02_$name', 'fi')" 2>&1)
        if [ $? -eq 0 ]; then
            break
        fi
        cancels=$((cancels + 1))
        if ! grep -q "canceling statement due to statement timeout" <<<"$out"; then
            problem="${ms} ms: another error: $(echo $out)"
            break
        fi
        after=$(snapshot "$db")
        if [ "$before" != "$after" ]; then
            problem="${ms} ms: the database changed: $(diff <(echo "$before") <(echo "$after") | head -20 | tr '\n' ' ')"
            break
        fi
    done
    echo "$name|start under statement_timeout|$cancels|$problem"
}

# one migration: start, rollback, start, complete, each with faults
run_migration() {
    local name=$1 doc=$2 db="pgroll_fi_$1"
    dropdb --if-exists "$db" >/dev/null 2>&1
    createdb "$db" && psql -X -q -d "$db" -c "CREATE EXTENSION pgroll" \
        -c "$FIXTURE" >/dev/null 2>&1
    case $name in
        partitioned_*) psql -X -q -d "$db" -c "$FIXTURE_PARTITIONED" >/dev/null 2>&1 ;;
    esac
    case $name in
        alter_*|combined)
            run_timeouts "$db" "$name" "$doc"
            psql -X -q -d "$db" -c "CALL pgroll.wait('fi')" -c "SELECT pgroll.rollback('fi')" >/dev/null 2>&1
            ;;
    esac
    run_phase "$db" "$name" start "$doc"
    psql -X -q -d "$db" -c "CALL pgroll.wait('fi')" >/dev/null 2>&1
    run_phase "$db" "$name" rollback "$doc"
    psql -X -q -d "$db" -c "SELECT pgroll.start('$doc', '02_$name', 'fi')" -c "CALL pgroll.wait('fi')" >/dev/null 2>&1
    run_phase "$db" "$name" complete "$doc"
    dropdb "$db" >/dev/null 2>&1
}

results=$(mktemp -d)
i=0
while IFS='|' read -r name doc; do
    [ -n "$name" ] || continue
    doc=${doc//\'/\'\'}
    run_migration "$name" "$doc" >"$results/$(printf '%02d' $i)" &
    i=$((i + 1))
    # two at a time: the machine has two cores
    if [ $((i % 2)) -eq 0 ]; then wait; fi
done <<<"$MIGRATIONS"
wait

for f in "$results"/*; do
    while IFS='|' read -r name phase faults problem; do
        if [ -z "$problem" ] && [ "$faults" -gt 0 ]; then
            if [ "$phase" = "start under statement_timeout" ]; then
                check "$name: $phase: $faults cancels, each left nothing" t t
            else
                check "$name: $phase failed at each of its $faults steps and left nothing" t t
            fi
        else
            check "$name: $phase with a fault at every step" "${problem:-no step was counted}" ""
        fi
    done <"$f"
done
rm -rf "$results"
echo "1..$t"
