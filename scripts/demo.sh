#!/bin/bash
# scripts/demo.sh -- see pgroll work, on a throwaway cluster.
#
# As root on Debian 12: installs what it needs, builds and installs the
# extension, starts a PostgreSQL 15 cluster as the postgres OS user, and
# walks through a two-phase migration while both versions are live.  The
# cluster is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
require_root

say "installing packages (apt-get)"
install_packages
say "building and installing the pgroll extension"
build_and_install
say "starting a throwaway PostgreSQL 15 cluster in /tmp/pgroll-demo-data (port 54322)"
trap stop_cluster EXIT
start_cluster /tmp/pgroll-demo-data 54322 pgroll_demo

run() {
    printf '\n-- %s\n' "$1"
    shift
    psql -X -q -d pgroll_demo -v ON_ERROR_STOP=1 -e "$@"
}

run "install the extension" -c "CREATE EXTENSION pgroll"

run "the first migration creates a table (start + complete)" <<'SQL'
SELECT pgroll.start('{"operations": [{"create_table": {"name": "customers",
  "columns": [{"name": "id", "type": "int", "pk": true},
              {"name": "name", "type": "text"},
              {"name": "credit_card", "type": "text", "nullable": true}]}}]}',
  '01_create_customers');
SELECT pgroll.complete();
INSERT INTO customers VALUES (1, 'Ada', '4111'), (2, 'Grace', NULL);
SQL

run "start the second migration: rename a table and a column, drop a column" <<'SQL'
SELECT pgroll.start('{"operations": [
  {"rename_table": {"from": "customers", "to": "clients"}},
  {"rename_column": {"table": "clients", "from": "name", "to": "full_name"}},
  {"drop_column": {"table": "clients", "column": "credit_card"}}]}',
  '02_clients');
SELECT * FROM pgroll.status();
SQL

run "the old release still reads and writes version 01 ..." <<'SQL'
SET search_path = public_01_create_customers;
SELECT * FROM customers ORDER BY id;
INSERT INTO customers VALUES (3, 'Edsger', '5500');
SQL

run "... while the new release uses version 02, on the same rows" <<'SQL'
SET search_path = public_02_clients;
SELECT * FROM clients ORDER BY id;
INSERT INTO clients VALUES (4, 'Barbara');
SQL

run "both versions see every row" <<'SQL'
SELECT 'v01' AS version, count(*) FROM public_01_create_customers.customers
UNION ALL
SELECT 'v02', count(*) FROM public_02_clients.clients;
SQL

run "complete: the old version is retired, the table takes the new shape" <<'SQL'
SELECT pgroll.complete();
SELECT * FROM pgroll.status();
\d clients
SELECT name, parent, done FROM pgroll.migrations ORDER BY created_at;
SQL

printf '\n-- %s\n' "a client still on the retired version gets a clear error, never the new tables"
psql -X -q -d pgroll_demo -e -c "SET search_path = public_01_create_customers, public" \
    -c "SELECT * FROM customers WHERE id = 1" || true

run "a migration can also be rolled back before complete" <<'SQL'
SELECT pgroll.start('{"operations": [{"drop_table": {"name": "clients"}}]}', '03_drop');
SELECT pgroll.rollback();
SELECT count(*) AS rows_still_there FROM clients;
SQL

say "demo finished; stopping the cluster"
