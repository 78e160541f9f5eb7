#!/usr/bin/env bash
# Generate the Prisma client (packages/db/src/generated/prisma) from prisma/schema.prisma.
#
# Why a wrapper: the Prisma 7 CLI resolves (and, if missing, downloads) the schema-engine binary
# before running any command, which fails on offline machines and in sandboxed CI. `generate`
# never uses the schema engine, and the CLI skips the download when PRISMA_SCHEMA_ENGINE_BINARY
# names an existing executable, so any harmless executable will do for this one command.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ]; then
  # `type -P`, not `command -v`: the latter returns the shell builtin name "true", not a path.
  PRISMA_SCHEMA_ENGINE_BINARY="$(type -P true)"
fi

# Scoped to this process only, so a later `prisma migrate` in the same shell still gets the
# real engine. CHECKPOINT_DISABLE stops the CLI's update check, another network call.
PRISMA_SCHEMA_ENGINE_BINARY="$PRISMA_SCHEMA_ENGINE_BINARY" CHECKPOINT_DISABLE="${CHECKPOINT_DISABLE:-1}" \
  exec npx prisma generate "$@"
