# syntax=docker/dockerfile:1
#
# postdate: one image, three roles.
#   default CMD        -> API            (npm run api)
#   command override   -> worker         (npm run worker)
#   command override   -> migrations     (npm run migrate, one-shot; safe to run concurrently)
#
# The TypeScript sources run through tsx (no compile step), so the runtime image carries the
# source tree and a full node_modules: tsx and the prisma CLI are devDependencies, hence
# `npm ci --include=dev` even though NODE_ENV=production at run time.

ARG NODE_IMAGE=node:20-slim

# ---------------------------------------------------------------------------------------------
# manifests: only package.json files + the lockfile, so the `npm ci` layer below stays cached
# until dependencies change (source edits do not invalidate it).
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /out \
 && cp package.json package-lock.json /out/ \
 && find apps packages -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /out/ \;

# ---------------------------------------------------------------------------------------------
# deps: install exactly what the lockfile says (workspaces are linked into node_modules).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /out/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# build: add the source and generate the Prisma client into packages/db/src/generated
# (offline: `prisma generate` does not connect to a database).
FROM deps AS build
COPY . .
RUN bash scripts/prisma-generate.sh

# ---------------------------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
# NPM_CONFIG_SCRIPT_SHELL: npm runs scripts through `sh -c`; Debian's sh (dash) does not exec the
# command, so on SIGTERM npm signals dash, dash dies, and the app never sees the signal (it is
# SIGKILLed when the container ends: no graceful drain). bash -c execs a simple command, so
# npm's forwarded SIGTERM reaches the node process itself, which drains and exits 0.
# NPM_CONFIG_CACHE: npm writes its logs under its cache dir; /tmp is the only writable path
# when the root filesystem is read-only (k8s mounts an emptyDir there).
ENV NODE_ENV=production \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
# Files stay owned by root (read-only for the app user).
COPY --from=build /app /app
# The image's `node` user, by uid so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# API (PORT default) and worker health/metrics (METRICS_PORT default).
EXPOSE 3000 9464
CMD ["npm", "run", "api"]
