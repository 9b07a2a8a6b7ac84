# Sourced by .ci/run: a throwaway PostgreSQL server for the store tests, so the same store code is
# tested on PostgreSQL as well as SQLite. It lives in a temp folder, listens only on a Unix socket
# there, and is stopped and deleted by stop_postgres. Exports TEST_DATABASE_URL for the tests.

pg_dir=""

start_postgres() {
    local pg_bin run_as=()
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$pg_bin" ]]; then
        echo "postgres.sh: no PostgreSQL under /usr/lib/postgresql; the store tests run on SQLite only" >&2
        return 0
    fi
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/otline-pg.XXXXXX")
    if [[ $(id -u) == 0 ]]; then  # initdb refuses to run as root
        chown nobody "$pg_dir"
        run_as=(runuser -u nobody --)
    fi
    "${run_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U otline --auth=trust -E UTF8 --no-locale >"$pg_dir/initdb.log"
    "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
        -o "-k $pg_dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    "$pg_bin/createdb" -h "$pg_dir" -U otline otline_test
    export TEST_DATABASE_URL="postgresql://otline@/otline_test?host=$pg_dir"
    "$pg_bin/psql" "$TEST_DATABASE_URL" -qAtc 'select 1' >/dev/null
    echo "postgres.sh: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at TEST_DATABASE_URL=$TEST_DATABASE_URL"
}

stop_postgres() {
    [[ -n "$pg_dir" && -d "$pg_dir/data" ]] || return 0
    local pg_ctl
    pg_ctl=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)
    if [[ $(id -u) == 0 ]]; then
        runuser -u nobody -- "$pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
    else
        "$pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$pg_dir"
}
