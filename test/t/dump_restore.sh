#!/bin/bash
# test/t/dump_restore.sh -- backups and restores with pgroll installed.
#
# Run by scripts/test.sh (as root) with PGDATA, PGBIN, PGHOST, PGPORT and
# PGUSER of a running cluster that preloads pgroll.  Prints TAP.  Works in
# databases pgroll_dump_*, owned by the role pgroll_dump_owner (not a
# superuser), and drops them at the end.
#
#  A. pg_dump by the database's owner succeeds, without a word on stderr,
#     with no migration, with a completed history, with one active.
#  B. a completed history restored into another database accepts the next
#     migration with background work (job ids and every sequence pgroll
#     owns are restored).
#  C. a dump taken mid-migration (backfill under way) restored into a
#     database that already has tables of its own (so every OID differs,
#     and attribute numbers too: the source table had a dropped column):
#     completed there, and, restored again, rolled back there; the
#     bystander tables are untouched, and after the rollback the schema is
#     the source's from before the migration.
set -u

SRC=pgroll_dump_src
OWNER=pgroll_dump_owner
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGDATABASE=$SRC
started=$SECONDS
tmp=$(mktemp -d)
chmod 755 "$tmp"

. "$(dirname "$0")/tap.bash"

dbs="$SRC pgroll_dump_b pgroll_dump_c1 pgroll_dump_c2"
cleanup() {
    local db out
    for db in $dbs; do
        out=$(PGOPTIONS='-c statement_timeout=15s' psql -X -q -d postgres \
                  -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>&1)
        [ -n "$out" ] && check "DROP DATABASE $db" "$out" ""
    done
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1
    rm -rf "$tmp"
    echo "1..$t"
    echo "# dump_restore.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

if [ -z "${PGDATA:-}" ] || ! server_running; then
    echo "not ok 1 - dump_restore.sh needs PGDATA of a running cluster"
    t=1
    exit 1
fi

# qd DB SQL: q in another database
qd() { PGDATABASE=$1 q "$2"; }
# dump_as_owner DB FILE [pg_dump options]: pg_dump's status and stderr
dump_as_owner() {
    local db=$1 file=$2
    shift 2
    "$PGBIN/pg_dump" -U $OWNER "$@" -f "$file" "$db" 2>"$tmp/dump.err"
    echo "$?$(cat "$tmp/dump.err")"
}
# new_database DB: owned by the owner, with a bystander schema made first
new_database() {
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $1 OWNER $OWNER" 2>&1
    PGDATABASE=$1 psql -X -q -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
CREATE SCHEMA bystander;
CREATE TABLE bystander.t (id int PRIMARY KEY, gone int, v int, name text);
ALTER TABLE bystander.t DROP COLUMN gone;
INSERT INTO bystander.t SELECT g, g, 'row ' || g FROM generate_series(1, 500) g;
CREATE TABLE bystander.u (id int PRIMARY KEY, t_id int REFERENCES bystander.t, label text);
INSERT INTO bystander.u SELECT g, g, 'u' || g FROM generate_series(1, 100) g;
CREATE INDEX t_v ON bystander.t (v);
SQL
}
# a dump without comments and the random keys of \restrict lines
without_comments() { grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict'; }
bystander_state() {	# bystander_state DB: its schema and data, as one digest
    { "$PGBIN/pg_dump" -n bystander "$1" | without_comments ;
      qd "$1" "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM bystander.t" ; } | md5sum
}
# restore FILE DB: a plain dump, as the superuser (CREATE EXTENSION pgroll)
restore() {
    PGDATABASE=$2 psql -X -q -v ON_ERROR_STOP=1 -f "$1" >/dev/null 2>"$tmp/restore.err"
    echo "$?$(grep -v '^$' "$tmp/restore.err")"
}

out=$(psql -X -q -v ON_ERROR_STOP=1 -d postgres 2>&1 <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS $SRC WITH (FORCE);
DROP DATABASE IF EXISTS pgroll_dump_b WITH (FORCE);
DROP DATABASE IF EXISTS pgroll_dump_c1 WITH (FORCE);
DROP DATABASE IF EXISTS pgroll_dump_c2 WITH (FORCE);
DROP ROLE IF EXISTS $OWNER;
CREATE ROLE $OWNER LOGIN;
CREATE DATABASE $SRC OWNER $OWNER;
SQL
)
check "setup: a database owned by a role that is no superuser" "$out" ""
q "CREATE EXTENSION pgroll" >/dev/null

# ---------------------------------------------------------------------
# A. pg_dump by the owner
# ---------------------------------------------------------------------
check "A: owner dumps with pgroll installed, no migration" \
    "$(dump_as_owner $SRC "$tmp/a0.sql")" 0

out=$(psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
CREATE SCHEMA app;
-- a dropped column: attribute numbers in a restore differ
CREATE TABLE app.items (id int PRIMARY KEY, dropped int, qty int NOT NULL, note text);
ALTER TABLE app.items DROP COLUMN dropped;
INSERT INTO app.items SELECT g, g % 100, 'n' || g FROM generate_series(1, 5000) g;
CREATE TABLE app.tags (id serial PRIMARY KEY, item_id int REFERENCES app.items, label text);
INSERT INTO app.tags (item_id, label) SELECT g, 'tag ' || g FROM generate_series(1, 50) g;
CREATE INDEX items_qty ON app.items (qty);
ALTER TABLE app.items ADD CONSTRAINT qty_positive CHECK (qty >= 0);
SELECT pgroll.start('{"operations": [{"create_index": {"table": "items", "name": "items_note",
    "columns": ["note"]}}]}', '01_note_index', 'app');
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
CALL pgroll.wait('app');
SQL
)
check "A: a completed migration with background work" "$out" ""
check "A: owner dumps a completed history" "$(dump_as_owner $SRC "$tmp/completed.sql")" 0
"$PGBIN/pg_dump" -s -f "$tmp/before.sql" $SRC

# an active migration whose backfill is slow enough to be caught under way
out=$(psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
SET pgroll.backfill_batch_size = 100;
SET pgroll.backfill_batch_time = 0;
SET pgroll.backfill_batch_delay = 100;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "items", "column": "qty", "type": "bigint",
                      "up": "qty * 10", "down": "qty / 10"}},
    {"rename_column": {"table": "tags", "from": "label", "to": "title"}},
    {"drop_index": {"name": "items_note"}},
    {"rename_constraint": {"table": "items", "from": "qty_positive", "to": "qty_not_negative"}},
    {"add_column": {"table": "tags", "column": {"name": "weight", "type": "int", "default": "1"}}}
    ]}', '02_wider_qty', 'app');
SQL
)
check "A: a migration started" "$out" ""
check_poll "A: its backfill is under way" 20 \
    "SELECT rows_done > 0 FROM pgroll.jobs WHERE kind = 'backfill' AND migration = '02_wider_qty'"
check "A: owner dumps mid-migration" "$(dump_as_owner $SRC "$tmp/active.sql")" 0
check "A: owner dumps mid-migration, custom format" \
    "$(dump_as_owner $SRC "$tmp/active.dump" -Fc)" 0
check "A: the dump was taken before the backfill ended" \
    "$(grep -c "backfill.*running" "$tmp/active.sql")" 1

# ---------------------------------------------------------------------
# B. a completed history, restored, takes the next migration
# ---------------------------------------------------------------------
check "B: a database with tables of its own" "$(new_database pgroll_dump_b)" ""
check "B: the completed history restores" "$(restore "$tmp/completed.sql" pgroll_dump_b)" 0
check "B: the job ids go on after the restored ones" \
    "$(qd pgroll_dump_b "SELECT nextval('pgroll.jobs_id_seq') > max(id) FROM pgroll.jobs")" t
out=$(PGDATABASE=pgroll_dump_b psql -X -q -A -t -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
SELECT pgroll.start('{"operations": [
    {"add_column": {"table": "items", "up": "qty + 1",
                    "column": {"name": "qty_plus", "type": "int", "nullable": false}}},
    {"create_index": {"table": "items", "name": "items_qty_plus", "columns": ["qty_plus"]}}
    ]}', '02_qty_plus', 'app');
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
SELECT count(*) FILTER (WHERE qty_plus = qty + 1) FROM app.items;
SELECT string_agg(migration || ':' || state, ' ' ORDER BY id) FROM pgroll.jobs;
SQL
)
check "B: a migration with a backfill and an index build runs to the end" "$out" \
    "app_02_qty_plus
02_qty_plus
5000
01_note_index:done 02_qty_plus:done 02_qty_plus:done 02_qty_plus:done"
check "B: the bystander tables are untouched" \
    "$(qd pgroll_dump_b "SELECT count(*) || ' ' || sum(v) FROM bystander.t")" "500 125250"

# ---------------------------------------------------------------------
# C. mid-migration, restored, completed; restored again, rolled back
# ---------------------------------------------------------------------
for db in pgroll_dump_c1 pgroll_dump_c2; do
    check "C: $db with tables of its own" "$(new_database $db)" ""
    eval "bystander_$db='$(bystander_state $db)'"
done
check "C: the mid-migration dump restores (plain)" \
    "$(restore "$tmp/active.sql" pgroll_dump_c1)" 0
pg_restore_out=$("$PGBIN/pg_restore" -d pgroll_dump_c2 "$tmp/active.dump" 2>&1)
check "C: the mid-migration dump restores (pg_restore)" "$?$pg_restore_out" 0

for db in pgroll_dump_c1 pgroll_dump_c2; do
    check "C: $db: the state names its own tables" \
        "$(qd $db "SELECT string_agg(DISTINCT relid::text, ' ') FROM pgroll.operation_state")" \
        "app.items app.tags"
    check "C: $db: the migration is in progress" \
        "$(qd $db "SELECT status || ' ' || migration FROM pgroll.status('app')")" \
        "In progress 02_wider_qty"
done

# completed in the first
out=$(PGDATABASE=pgroll_dump_c1 psql -X -q -A -t -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
CALL pgroll.wait('app');
SELECT count(*) FILTER (WHERE qty = (id % 100) * 10) FROM app.items;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'app.items'::regclass AND attname = 'qty';
SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
WHERE attrelid = 'app.tags'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
WHERE conrelid = 'app.items'::regclass;
SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
WHERE i.indrelid = 'app.items'::regclass;
SELECT count(*) FROM pg_attribute WHERE attname LIKE '\_pgroll%' AND attnum > 0 AND NOT attisdropped;
SQL
)
check "C: completed in the restored database, the backfill resumed there" "$out" \
    "02_wider_qty
5000
bigint
id,item_id,title,weight
items_pkey,qty_not_negative
items_pkey,items_qty
0"
check "C: pgroll_dump_c1: the bystander tables are untouched" \
    "$(bystander_state pgroll_dump_c1)" "$bystander_pgroll_dump_c1"

# rolled back in the second
out=$(PGDATABASE=pgroll_dump_c2 psql -X -q -A -t -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
SELECT pgroll.rollback('app');
CALL pgroll.wait('app');
SELECT count(*) FILTER (WHERE qty = id % 100) FROM app.items;
SELECT string_agg(state, ',' ORDER BY id) FROM pgroll.jobs WHERE migration = '02_wider_qty';
SQL
)
check "C: rolled back in the restored database" "$out" \
    "02_wider_qty
5000
cancelled,cancelled,cancelled,cancelled"
check "C: pgroll_dump_c2: the bystander tables are untouched" \
    "$(bystander_state pgroll_dump_c2)" "$bystander_pgroll_dump_c2"
"$PGBIN/pg_dump" -s -N bystander -f "$tmp/after_rollback.sql" pgroll_dump_c2
check "C: after the rollback the schema is the source's before the migration" \
    "$(diff <(without_comments < "$tmp/before.sql") <(without_comments < "$tmp/after_rollback.sql"))" ""

# the source goes on too
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -U $OWNER 2>&1 <<'SQL'
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
SQL
)
check "the source database completes its migration" "$out" "02_wider_qty"
