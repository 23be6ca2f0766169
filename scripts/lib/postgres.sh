# shellcheck shell=bash
# A local PostgreSQL for the console's tests (its index on PostgreSQL): Debian's postgresql, a throw-away cluster
# started once and left running. Sourced after common.sh.

# Prints the URL of the local PostgreSQL on HL7R_POSTGRES_PORT (55432), starting a cluster in HL7R_POSTGRES_DIR
# (/tmp/hl7r-postgres-<port>: the postgres user must reach it) when none answers there, and installing Debian's
# postgresql package first when it is missing (root only). Progress goes to stderr.
hl7r_ensure_postgres() {
  local port="${HL7R_POSTGRES_PORT:-55432}"
  local dir="${HL7R_POSTGRES_DIR:-/tmp/hl7r-postgres-$port}"
  local bin
  bin="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)"
  if [ -z "$bin" ]; then
    hl7r_apt_install postgresql
    bin="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -1)"
  fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    local as=()
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$dir"
      as=(runuser -u postgres --)
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      "${as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 > "$dir.initdb.log" 2>&1 ||
        { cat "$dir.initdb.log" >&2; die "initdb failed"; }
    fi
    say "starting PostgreSQL on 127.0.0.1:$port ($dir)"
    "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >&2 ||
      die "PostgreSQL did not start; see $dir/server.log"
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}
