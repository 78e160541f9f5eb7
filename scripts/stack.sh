#!/usr/bin/env bash
# Run the whole postdate stack locally: Postgres, Redis, a mail catcher, the API and the worker.
# Ctrl-C stops what this script started in the foreground (API, worker, maildev). Postgres and
# Redis started under .local/ keep running so the next start is instant; stop them with
#   bash -c 'source scripts/lib/services.sh && stop_local_services'
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$POSTDATE_ROOT"

log() { printf '[postdate] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# child process bookkeeping
# ---------------------------------------------------------------------------------------------

CHILD_PIDS=()
CHILD_NAMES=()

# start_child NAME CMD...: run CMD in the background in its own process group, so that stopping
# it also stops what it spawned (npm -> sh -> tsx -> node), which a plain `kill PID` would orphan.
# Job control is switched on only for the fork: left on, it would also move foreground commands
# into their own groups (Ctrl-C would then bypass our trap) and print "[1]+ Terminated" noise.
start_child() {
  local name="$1"
  shift
  set -m
  "$@" &
  set +m
  CHILD_PIDS+=("$!")
  CHILD_NAMES+=("$name")
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${#CHILD_PIDS[@]}" -gt 0 ]; then
    log "stopping ${CHILD_NAMES[*]}"
    local pid
    for pid in "${CHILD_PIDS[@]}"; do
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    # Give graceful shutdown (draining the worker, closing HTTP) a moment before insisting.
    for _ in $(seq 1 50); do
      local alive=0
      for pid in "${CHILD_PIDS[@]}"; do
        kill -0 -- "-$pid" 2>/dev/null && alive=1
      done
      [ "$alive" -eq 0 ] && break
      sleep 0.2
    done
    for pid in "${CHILD_PIDS[@]}"; do
      kill -KILL -- "-$pid" 2>/dev/null || true
    done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Probe a TCP port without depending on nc/curl being installed.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# infrastructure
# ---------------------------------------------------------------------------------------------

ensure_deps
ensure_postgres postdate
ensure_redis

log "applying database migrations"
npm run --silent migrate

# The demo tenant is created once per checkout; its key cannot be read back later (only a hash is
# stored), so it is kept in .local for the banner of every subsequent run.
KEY_FILE="$POSTDATE_LOCAL_DIR/demo-api-key"
if [ ! -s "$KEY_FILE" ]; then
  log "creating demo tenant"
  cli_errors="$(mktemp)"
  if tenant_output="$(npm run --silent cli -- tenant create demo 2>"$cli_errors")"; then
    :
  elif grep -q 'already exists' "$cli_errors"; then
    # Created from another checkout (or .local was wiped): its key is gone with that checkout, so the
    # demo tenant gets a new one.
    log "demo tenant already exists in this database; issuing it a new key"
    tenant_output="$(npm run --silent cli -- key create demo --label stack)" || _pd_die "'cli key create demo' failed"
  else
    cat "$cli_errors" >&2
    rm -f "$cli_errors"
    _pd_die "'cli tenant create demo' failed"
  fi
  rm -f "$cli_errors"
  # The CLI prints the key on its last line; skip trailing blank lines and strip CR/whitespace.
  demo_key="$(printf '%s\n' "$tenant_output" | awk 'NF { last = $0 } END { print last }' | tr -d '[:space:]')"
  [ -n "$demo_key" ] || _pd_die "the CLI printed no API key"
  mkdir -p "$POSTDATE_LOCAL_DIR"
  # Write to a temp file and rename so an interrupted run never leaves a half-written key behind.
  (umask 077 && printf '%s\n' "$demo_key" >"$KEY_FILE.tmp")
  mv "$KEY_FILE.tmp" "$KEY_FILE"
fi
DEMO_KEY="$(tr -d '[:space:]' <"$KEY_FILE")"

# ---------------------------------------------------------------------------------------------
# mail catcher
# ---------------------------------------------------------------------------------------------

MAILDEV_SMTP="${MAILDEV_SMTP_PORT:-1025}"
MAILDEV_WEB="${MAILDEV_WEB_PORT:-1080}"
MAIL_UI_URL=""
if [ -n "${SMTP_URL:-}" ]; then
  log "using SMTP_URL from the environment; not starting maildev"
elif port_open 127.0.0.1 "$MAILDEV_SMTP"; then
  # Most likely a maildev left over from another terminal; a second one could not bind anyway.
  log "something already listens on 127.0.0.1:$MAILDEV_SMTP; using it as the mail catcher"
  SMTP_URL="smtp://127.0.0.1:$MAILDEV_SMTP"
  MAIL_UI_URL="http://127.0.0.1:$MAILDEV_WEB (if that is maildev)"
else
  log "starting maildev (SMTP 127.0.0.1:$MAILDEV_SMTP, web http://127.0.0.1:$MAILDEV_WEB)"
  mkdir -p "$POSTDATE_LOCAL_DIR"
  # --ip only binds SMTP; the web UI has its own --web-ip (maildev defaults both to all
  # interfaces, which would expose captured mail to the network). Its chatter goes to a log file
  # so the terminal shows the API and worker.
  start_child maildev node_modules/.bin/maildev \
    --smtp "$MAILDEV_SMTP" --ip 127.0.0.1 \
    --web "$MAILDEV_WEB" --web-ip 127.0.0.1 \
    >"$POSTDATE_LOCAL_DIR/maildev.log" 2>&1
  for _ in $(seq 1 50); do
    port_open 127.0.0.1 "$MAILDEV_SMTP" && break
    kill -0 "${CHILD_PIDS[${#CHILD_PIDS[@]}-1]}" 2>/dev/null || break
    sleep 0.2
  done
  port_open 127.0.0.1 "$MAILDEV_SMTP" || {
    tail -n 20 "$POSTDATE_LOCAL_DIR/maildev.log" >&2 || true
    _pd_die "maildev did not start (see .local/maildev.log)"
  }
  SMTP_URL="smtp://127.0.0.1:$MAILDEV_SMTP"
  MAIL_UI_URL="http://127.0.0.1:$MAILDEV_WEB"
fi

export SMTP_URL
export MAIL_DOMAIN="${MAIL_DOMAIN:-postdate.local}"
export PORT="${PORT:-3000}"

# ---------------------------------------------------------------------------------------------
# application
# ---------------------------------------------------------------------------------------------

start_child api npm run --silent api
start_child worker npm run --silent worker

API_URL="http://127.0.0.1:$PORT"

# The curl example computes sendAt when it is pasted, not when the banner was printed, so it is
# always 10 seconds in the future. GNU date and BSD date spell that differently.
if date -d '+10 seconds' -Iseconds >/dev/null 2>&1; then
  send_at_expr="\$(date -d '+10 seconds' -Iseconds)"
else
  send_at_expr="\$(date -v+10S +%Y-%m-%dT%H:%M:%S%z)"
fi

cat <<BANNER

  postdate is starting
  ────────────────────────────────────────────────────────────────
  API           $API_URL
  Mail UI       ${MAIL_UI_URL:-n/a (SMTP_URL=$(_pd_redact "$SMTP_URL"))}
  Database      $(_pd_redact "$DATABASE_URL")
  Redis         $(_pd_redact "$REDIS_URL")
  Demo API key  $DEMO_KEY

  Schedule an email for 10 seconds from now:

  curl -s -X POST $API_URL/v1/emails \\
    -H "Authorization: Bearer $DEMO_KEY" \\
    -H 'Content-Type: application/json' \\
    -d '{"from":"demo@$MAIL_DOMAIN","to":["you@example.com"],"subject":"Hello","text":"Hi","sendAt":"'"$send_at_expr"'"}'

  Ctrl-C stops what this script started here; Postgres and Redis keep running.

BANNER

# Stay in the foreground until a child dies (then take the rest down with a non-zero status, so
# a crash is not mistaken for a clean exit) or until Ctrl-C / SIGTERM runs cleanup via the traps.
while :; do
  for i in "${!CHILD_PIDS[@]}"; do
    if ! kill -0 "${CHILD_PIDS[$i]}" 2>/dev/null; then
      child_status=0
      wait "${CHILD_PIDS[$i]}" || child_status=$?
      log "${CHILD_NAMES[$i]} exited (status $child_status); shutting down"
      exit 1
    fi
  done
  sleep 1
done
