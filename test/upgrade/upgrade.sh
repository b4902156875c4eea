#!/bin/bash
# test/upgrade/upgrade.sh -- ALTER EXTENSION pgroll UPDATE from 0.1.0 to
# 0.2.0 in the middle of a migration.
#
# Run by scripts/test.sh (as root) before the shared test cluster starts:
# it installs the released 0.1.0 library (built from the release commit in
# git) over the current one, and installs the current one again at the
# end.  Prints TAP.  Uses a throwaway cluster of its own (port 54326).
#
# With 0.1.0: one migration completed (an index build), a second one
# started with a column copy (alter_column), a rename_constraint, a
# drop_index and a backfill, stopped with the backfill under way.  Then
# the 0.2.0 library: the worker waits for the catalog; ALTER EXTENSION
# pgroll UPDATE; the backfill resumes from where it stopped; the active
# migration completes; a new one runs; the history is intact.
set -u
cd "$(dirname "$0")/../.."
. test/t/tap.bash
. scripts/lib.sh
started=$SECONDS
RELEASE_0_1_0=a6a2fb7		# the commit that released 0.1.0
old=$(mktemp -d)
cleanup() {
    stop_cluster
    rm -rf "$old"
    # whatever happened, the current library is what stays installed
    make -s install >/dev/null 2>&1 || echo "not ok - installing the current pgroll again"
    echo "1..$t"
    echo "# upgrade.sh took $((SECONDS - started)) s"
}
trap cleanup EXIT

# (as root in a clone another user owns, git wants the directory declared safe)
if ! git -c safe.directory='*' archive "$RELEASE_0_1_0" 2>"$old.err" | tar -x -C "$old"; then
    check "the 0.1.0 sources (commit $RELEASE_0_1_0) are in git history" "$(cat "$old.err")" ""
    rm -f "$old.err"
    exit 1
fi
rm -f "$old.err"
out=$(make -s -C "$old" 2>&1 && make -s -C "$old" install 2>&1)
check "the 0.1.0 library builds and installs" "$?" 0
[ -n "$out" ] && echo "$out" | comment

start_cluster /tmp/pgroll-upgrade-data 54326 pgroll_upgrade
export PGDATABASE=pgroll_upgrade
check "pgroll 0.1.0 installs" \
    "$(q "CREATE EXTENSION pgroll VERSION '0.1.0'; SELECT extversion FROM pg_extension WHERE extname = 'pgroll'")" \
    "0.1.0"

out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CREATE SCHEMA app;
CREATE TABLE app.items (id int PRIMARY KEY, gone int, qty int NOT NULL, note text);
ALTER TABLE app.items DROP COLUMN gone;
ALTER TABLE app.items ADD CONSTRAINT qty_positive CHECK (qty >= 0);
INSERT INTO app.items SELECT g, g % 100, 'n' || g FROM generate_series(1, 20000) g;
SELECT pgroll.start('{"operations": [{"create_index": {"table": "items", "name": "items_note",
    "columns": ["note"]}}]}', '01_note_index', 'app');
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
CALL pgroll.wait('app');
SET pgroll.backfill_batch_size = 100;
SET pgroll.backfill_batch_delay = 50;
SELECT pgroll.start('{"operations": [
    {"alter_column": {"table": "items", "column": "qty", "type": "bigint",
                      "up": "qty * 10", "down": "qty / 10"}},
    {"rename_constraint": {"table": "items", "from": "qty_positive", "to": "qty_not_negative"}},
    {"drop_index": {"name": "items_note"}},
    {"add_column": {"table": "items", "up": "length(note)",
                    "column": {"name": "note_length", "type": "int", "nullable": false}}}
    ]}', '02_wider_qty', 'app');
SQL
)
check "0.1.0: one migration completed, another started" "$out" "app_01_note_index
01_note_index
app_02_wider_qty"
check_poll "0.1.0: the backfill is under way" 20 \
    "SELECT rows_done >= 500 FROM pgroll.jobs WHERE kind = 'backfill' AND migration = '02_wider_qty'"
before=$(q "SELECT rows_done FROM pgroll.jobs WHERE kind = 'backfill' AND migration = '02_wider_qty'")
# an old client writes meanwhile
q "SET search_path = app_01_note_index; UPDATE items SET qty = qty + 1 WHERE id <= 10" >/dev/null

# the new library, as a package upgrade installs it: stop, install, start
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null
check "0.1.0: stopped with the backfill unfinished" \
    "$([ "${before:-0}" -lt 20000 ] && echo yes)" yes
out=$(make -s install 2>&1)
check "the 0.2.0 library installs" "$?$out" 0
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null
deadline=$((SECONDS + 20))
until grep -q "pgroll 0.1.0 is installed in database \"pgroll_upgrade\", the library expects 0.2.0" \
        "$PGDATA/server.log" || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
check "0.2.0 library on the 0.1.0 catalog: the worker waits and says why" \
    "$(grep -c "pgroll 0.1.0 is installed in database \"pgroll_upgrade\", the library expects 0.2.0" "$PGDATA/server.log")" 1

check "0.2.0 library on the 0.1.0 catalog: complete refuses, saying to update" \
    "$(psql -X -q -c "SELECT pgroll.complete('app')" 2>&1 | grep -c -e 'pgroll 0.1.0 is installed' -e 'ALTER EXTENSION pgroll UPDATE')" 2
check "ALTER EXTENSION pgroll UPDATE" \
    "$(q "ALTER EXTENSION pgroll UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'pgroll'")" \
    "0.2.0"
check "the state is kept by name" \
    "$(q "SELECT string_agg(operation || ':' || coalesce(relid::text, '') || ':' || coalesce(attname, '')
                            || ':' || coalesce(objname, ''), ' ' ORDER BY position)
          FROM pgroll.operation_state")" \
    "alter_column::: rename_constraint:app.items::qty_positive drop_index:::app.items_note add_column:app.items:_pgroll_new_note_length:"
check "the copies are kept by name" \
    "$(q "SELECT string_agg(relid::text || ':' || old_column || ':' || new_column, ' ') FROM pgroll.column_copies")" \
    "app.items:qty:_pgroll_new_qty"
check "the jobs keep their role by name" \
    "$(q "SELECT string_agg(DISTINCT role, ' ') FROM pgroll.jobs")" postgres

out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 2>&1 <<'SQL'
CALL pgroll.wait('app');
SELECT attempts > 1 AND rows_done >= 20000 FROM pgroll.jobs
WHERE kind = 'backfill' AND migration = '02_wider_qty';
SELECT pgroll.complete('app');
CALL pgroll.wait('app');
SELECT count(*) FILTER (WHERE qty = (id % 100 + CASE WHEN id <= 10 THEN 1 ELSE 0 END) * 10
                          AND note_length = length(note)) FROM app.items;
SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'app.items'::regclass;
SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
WHERE i.indrelid = 'app.items'::regclass;
SELECT pgroll.start('{"operations": [{"add_column": {"table": "items", "up": "qty + 1",
    "column": {"name": "qty_plus", "type": "bigint", "nullable": false}}}]}', '03_qty_plus', 'app');
CALL pgroll.wait('app');
SELECT pgroll.complete('app');
SELECT count(*) FILTER (WHERE qty_plus = qty + 1) FROM app.items;
SELECT string_agg(name || ':' || coalesce(parent, '-') || ':' || done, ' ' ORDER BY created_at)
FROM pgroll.migrations;
SELECT count(*) = count(DISTINCT id) FROM pgroll.jobs;
SQL
)
check "after the update the backfill resumed, the migration completed, a new one ran" "$out" \
    "t
02_wider_qty
20000
items_pkey,qty_not_negative
items_pkey
app_03_qty_plus
03_qty_plus
20000
01_note_index:-:true 02_wider_qty:01_note_index:true 03_qty_plus:02_wider_qty:true
t"

deaths=$(grep -c "terminated by signal" "$PGDATA/server.log")
check "no process of this cluster died of a signal" "$deaths" 0
