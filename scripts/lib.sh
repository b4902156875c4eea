# scripts/lib.sh -- shared by scripts/demo.sh and scripts/test.sh
#
# Installs what pgroll needs on Debian 12, builds and installs the
# extension, and runs a throwaway PostgreSQL 15 cluster as the postgres OS
# user (initdb and postgres refuse to run as root).

PGBIN=/usr/lib/postgresql/15/bin
PACKAGES="make gcc git postgresql-15 postgresql-client-15 postgresql-server-dev-15
          postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl"

say() { printf '\n==> %s\n' "$*"; }

require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "run this as root (it installs packages and runs the server as 'postgres')" >&2
        exit 1
    fi
}

install_packages() {
    local missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        echo "packages already installed"
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build_and_install() {
    make -s clean >/dev/null 2>&1 || true
    make -s
    make -s install >/dev/null
}

# start_cluster DATADIR PORT DBNAME [durable]: a fresh cluster with pgroll
# and pg_cron preloaded; DBNAME is created and is pg_cron's database.  Tests
# run without fsync; "durable" keeps fsync, synchronous_commit and
# full_page_writes on, as a user runs (the benchmarks).
start_cluster() {
    PGDATA=$1
    export PGHOST=/tmp PGPORT=$2 PGUSER=postgres
    local db=$3
    stop_cluster
    rm -rf "$PGDATA"
    install -d -o postgres -g postgres -m 700 "$PGDATA"
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$PGHOST'
shared_preload_libraries = 'pgroll,pg_cron'
cron.database_name = '$db'
cron.host = '$PGHOST'
max_worker_processes = 16
CONF
    if [ "${4:-}" = durable ]; then
        cat >> "$PGDATA/postgresql.conf" <<CONF
shared_buffers = 1GB
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF
    else
        cat >> "$PGDATA/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" \
        -w -t 60 start >/dev/null
    createdb "$db"
}

stop_cluster() {
    if [ -n "${PGDATA:-}" ] && [ -f "$PGDATA/postmaster.pid" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null 2>&1 || true
    fi
}
