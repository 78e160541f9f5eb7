# syntax=docker/dockerfile:1
#
# postdate: one image, three roles, each started with node directly (no npm, no tsx):
#   default CMD                                   -> API
#   command ["node", "apps/worker/dist/main.js"]  -> worker
#   command ["node", "apps/cli/dist/main.js", "migrate"] -> migrations (one-shot; safe to run concurrently)
#
# The apps are compiled (tsup: each app and the workspace packages it uses, bundled into dist/main.js);
# the runtime image holds that output, production dependencies only, and prisma/migrations.

ARG NODE_IMAGE=node:20-slim
ARG TURBO_VERSION=2.11.11

# ---------------------------------------------------------------------------------------------
# prune: the part of the monorepo the three apps need. out/json holds only manifests and the pruned
# lockfile (so the install layers below stay cached until dependencies change); out/full the sources.
FROM ${NODE_IMAGE} AS prune
ARG TURBO_VERSION
WORKDIR /src
RUN npm install --global turbo@${TURBO_VERSION}
COPY . .
RUN turbo prune @postdate/api @postdate/worker @postdate/cli --docker

# ---------------------------------------------------------------------------------------------
# build: every dependency (tsup, the Prisma CLI), then the sources, then the turbo graph: generate the
# Prisma client, bundle each app. Install scripts are skipped: the root's postinstall needs the sources.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=prune /src/out/json/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY --from=prune /src/out/full/ ./
ENV TURBO_TELEMETRY_DISABLED=1
RUN npx turbo run build --filter=@postdate/api --filter=@postdate/worker --filter=@postdate/cli

# ---------------------------------------------------------------------------------------------
# production dependencies: what the bundles import at run time, nothing else (no dev, optional or peer
# dependencies: no jest, no Prisma CLI, no TypeScript).
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY --from=prune /src/out/json/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --omit=peer --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root (read-only for the app user).
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/apps/api/dist ./apps/api/dist
COPY --from=build /app/apps/worker/dist ./apps/worker/dist
COPY --from=build /app/apps/cli/dist ./apps/cli/dist
# The migrator finds prisma/migrations from the db package's root (its package.json).
COPY --from=build /app/packages/db/package.json ./packages/db/package.json
COPY --from=build /app/prisma/migrations ./prisma/migrations
# The image's `node` user, by uid so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# API (PORT default) and worker health/metrics (METRICS_PORT default).
EXPOSE 3000 9464
# node is PID 1 and gets SIGTERM itself: the API and the worker drain and exit 0.
CMD ["node", "--enable-source-maps", "apps/api/dist/main.js"]
