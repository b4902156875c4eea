# test/t/tap.bash -- TAP helpers shared by the scripts in test/t (sourced,
# not run: scripts/test.sh runs only the executable *.sh files).
# The scripts get PGHOST, PGPORT, PGUSER, PGDATA and PGBIN from scripts/test.sh.

t=0			# the number of the last check

# q SQL: its result, unaligned, or the error text
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
comment() { sed 's/^/# /'; }
check() {	# check DESCRIPTION GOT EXPECTED
    t=$((t + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $t - $1"
    else
        echo "not ok $t - $1"
        printf '%s\n' "got:      '$2'" "expected: '$3'" | comment
    fi
}
# poll SECONDS SQL: until SQL returns t; fails after SECONDS
poll() {
    local deadline=$((SECONDS + $1))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(q "$2")" = t ] && return 0
        sleep 0.1
    done
    return 1
}
check_poll() { if poll "$2" "$3"; then check "$1" t t; else check "$1" "$(q "$3")" t; fi; }
server_running() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
