#!/usr/bin/env bash
# The test command (`npm test`): make Postgres and Redis available, then run the checks from the
# cheapest to the most expensive, stopping at the first failure so the signal comes quickly.
# Arguments are passed to jest, e.g. `npm test -- packages/domain` or `npm test -- -t "quota"`.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$POSTDATE_ROOT"

step() { printf '\n[postdate] ==> %s\n' "$*" >&2; }

ensure_deps
# The suites create (and drop) their own databases, so all they need is an admin connection.
ensure_postgres postgres
ensure_redis
ensure_chromium

step "typecheck: tsc --noEmit"
npx tsc --noEmit -p tsconfig.json

# ESLint 9 only reads flat config files; without one it errors instead of skipping, hence the check.
eslint_config=""
for f in eslint.config.js eslint.config.mjs eslint.config.cjs eslint.config.ts eslint.config.mts eslint.config.cts; do
  if [ -f "$f" ]; then
    eslint_config="$f"
    break
  fi
done
if [ -n "$eslint_config" ]; then
  step "lint: eslint ($eslint_config)"
  npx eslint .
else
  step "lint: skipped (no eslint.config.* at the repo root)"
fi

# Known-vulnerable runtime dependencies fail the run. Where the registry's advisory endpoint cannot be
# reached (some mirrors and proxies refuse it), that is said plainly instead of being counted as clean.
step "audit: npm audit --omit=dev --audit-level=high"
if audit_output="$(npm audit --omit=dev --audit-level=high 2>&1)"; then
  printf '%s\n' "$audit_output" | tail -n 3 >&2
elif printf '%s' "$audit_output" | grep -q 'audit endpoint returned an error\|ENOTFOUND\|ECONNREFUSED\|EAI_AGAIN'; then
  echo "[postdate] audit skipped: the registry's advisory endpoint is unreachable from this machine" >&2
else
  printf '%s\n' "$audit_output" >&2
  exit 1
fi

step "import cycles: madge"
npm run --silent cycles

step "tests: jest $*"
npx jest "$@"
