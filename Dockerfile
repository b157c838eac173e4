# InventoryBot: operator, worker, upstream simulator and CLI in one image.
#
#   docker build -t inventorybot:dev .
#   docker run --rm inventorybot:dev                                   # CLI help
#   docker run --rm inventorybot:dev node dist/src/operator/main.js    # operator
#   docker run --rm inventorybot:dev node dist/src/worker/main.js      # worker
#   docker run --rm inventorybot:dev node dist/src/simulator/main.js   # upstream simulator
#   docker run --rm inventorybot:dev inventorybot enqueue --help       # CLI (on PATH)
#
# BASE_IMAGE must provide Node 24 as `node` on PATH (and npm for the build stages). Without a
# registry, test/image/build-local-image.sh makes one from debootstrap + the npm `node` package.
# Needs BuildKit (default since Docker 23, buildx in CI, DOCKER_BUILDKIT=1 on 20.10) for one optional
# build secret: `--secret id=npm_ca,src=FILE` adds a CA bundle for npm install (e.g. behind a TLS-inspecting
# proxy); it is mounted only while npm runs and never stored in a layer. No `# syntax=` line, so the
# builder's built-in frontend is used and nothing is pulled.
ARG BASE_IMAGE=node:24-bookworm-slim

# ---- build: all dependencies, TypeScript -> dist/ ---------------------------------------------
FROM ${BASE_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# Exactly the versions package-lock.json pins (`npm ci` never rewrites the lock).
# allowScripts in package.json lets the `node` devDependency fetch its binary (npm scripts, tsc
# included, then run on that Node 24) and @swc/core check its prebuilt binary.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm ci --no-progress
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && mkdir -p /out/bin \
 && printf '#!/usr/bin/env node\n// `inventorybot` on PATH: the CLI entry point.\nimport "../dist/src/cli/main.js";\n' > /out/bin/inventorybot \
 && chmod 0755 /out/bin/inventorybot

# ---- prod-deps: production node_modules only --------------------------------------------------
FROM ${BASE_IMAGE} AS prod-deps
WORKDIR /src
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# --omit=dev drops the `node` devDependency (the base image provides Node 24) and all build/test
# tools; no production dependency has an install script (resvg ships prebuilt optional packages).
# Source maps and type declarations are not needed at run time: dropping them saves ~50 MB of ~120 MB.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm ci --omit=dev --ignore-scripts --no-progress \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete \
 && rm -rf /root/.npm /tmp/*

# ---- runtime ----------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="inventorybot" \
      org.opencontainers.image.description="Kubernetes operator and worker for fleets of inventory-processing bots" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/inventorybot/inventorybot" \
      org.opencontainers.image.url="https://github.com/inventorybot/inventorybot" \
      org.opencontainers.image.vendor="InventoryBot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
# Read-only root filesystem friendly: nothing writes outside /tmp (mount an emptyDir there).
ENV NODE_ENV=production \
    HOME=/tmp \
    PATH=/app/bin:${PATH} \
    npm_config_update_notifier=false
WORKDIR /app
COPY --from=prod-deps /src/package.json ./package.json
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /out/bin ./bin
# Numeric user and group (distroless "nonroot"): runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
# Metrics and probes: 9100 worker (spec.monitoring.metricsPort default), 8080 operator (--metrics-port).
EXPOSE 9100 8080
CMD ["node", "dist/src/cli/main.js", "--help"]
