#!/usr/bin/env bash
# Builds the Dockerfile on a machine without a container registry and smoke-tests the image.
#
#   sudo test/image/build-local-image.sh [--no-cache]      (or: make image-local)
#
# 1. installs Debian's docker.io and debootstrap if missing (apt-get);
# 2. starts dockerd in the background if no daemon answers (log: $CACHE/dockerd.log);
# 3. debootstraps a minimal bookworm root (--variant=minbase) into $CACHE (reused on later runs),
#    adds the Node 24 binary of the npm `node` package (node_modules/node/bin/node) as
#    /usr/local/bin/node and the machine's npm, and `docker import`s it as $BASE_IMAGE;
# 4. `docker build --network host --build-arg BASE_IMAGE=$BASE_IMAGE -t $IMAGE .`;
# 5. smoke-tests the image (read-only root, user 65532) and prints its size and the build time.
#
# Traffic: Debian's mirror (apt-get, debootstrap) and the npm registry (npm ci inside the build),
# nothing else. The daemon is left running for later steps; no container is left behind.
#
# Environment: IMAGE (inventorybot:dev), BASE_IMAGE (inventorybot-base:bookworm-node24),
# CACHE ($INVENTORYBOT_CACHE/image, default ~/.cache/inventorybot/image), DEBIAN_MIRROR (from /etc/apt/sources*, else deb.debian.org),
# DOCKER (docker client; default: Debian's /usr/bin/docker, which matches the daemon).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMAGE="${IMAGE:-inventorybot:dev}"
BASE_IMAGE="${BASE_IMAGE:-inventorybot-base:bookworm-node24}"
CACHE="${CACHE:-${INVENTORYBOT_CACHE:-${HOME:-/root}/.cache/inventorybot}/image}"
SUITE=bookworm
ROOTFS="$CACHE/rootfs-$SUITE-minbase"
BUILD_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --no-cache) BUILD_ARGS+=(--no-cache) ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 64 ;;
  esac
done

# shellcheck source=../tools/lib/detach.sh
source "$REPO/test/tools/lib/detach.sh"

log() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }
die() { printf 'build-local-image: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, dockerd, debootstrap, docker)"
mkdir -p "$CACHE"

# ---- 1. packages --------------------------------------------------------------------------------
missing=()
[ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's client talks the daemon's API version and has BuildKit built in; a newer client on PATH
# (e.g. a static docker 28 in /usr/local/bin) needs the buildx plugin for BuildKit.
DOCKER="${DOCKER:-/usr/bin/docker}"
[ -x "$DOCKER" ] || DOCKER="$(command -v docker)"
docker() { "$DOCKER" "$@"; }

# ---- 2. daemon ----------------------------------------------------------------------------------
start_dockerd() { # flags... ; returns 0 once `docker info` answers
  local logfile="$CACHE/dockerd.log"
  printf '\n---- %s dockerd %s\n' "$(date -Is)" "$*" >>"$logfile"
  detach "$logfile" /usr/sbin/dockerd "$@" # no inherited descriptors: see lib/detach.sh
  local pid=$DETACHED_PID
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      echo "$pid" >"$CACHE/dockerd.pid"
      echo "dockerd $* (pid $pid, log $logfile)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "dockerd $* did not come up; last lines of $logfile:" >&2
  tail -n 5 "$logfile" >&2
  return 1
}
if docker info >/dev/null 2>&1; then
  log "docker daemon already running"
else
  log "starting dockerd"
  # A daemon that leaves the host's network alone: no docker0 bridge, no iptables rules, no
  # net.ipv4.ip_forward=1 (with its defaults dockerd adds NAT rules and sets the FORWARD policy to DROP,
  # which can break other work on a shared machine, e.g. network namespaces routed through the host).
  # Builds use --network host and containers --network host|none, so no bridge is needed.
  # overlay2 first; vfs (slow, but works on any filesystem) if overlay mounts are not allowed.
  QUIET_NET=(--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none)
  start_dockerd "${QUIET_NET[@]}" ||
    start_dockerd "${QUIET_NET[@]}" --storage-driver=vfs ||
    die "dockerd does not start here; see $CACHE/dockerd.log"
fi
docker version --format 'client {{.Client.Version}} (API {{.Client.APIVersion}}), server {{.Server.Version}} (API {{.Server.APIVersion}})'
docker info --format 'storage driver {{.Driver}}, cgroup driver {{.CgroupDriver}} v{{.CgroupVersion}}'

# ---- 3. base image --------------------------------------------------------------------------------
NODE_BIN="$(readlink -f "$REPO/node_modules/node/bin/node" 2>/dev/null || true)"
[ -f "$NODE_BIN" ] || die "no $REPO/node_modules/node/bin/node: install the npm dependencies first (npm ci, as .ci/run does)"
NODE_VERSION="$("$NODE_BIN" --version)"
case "$NODE_VERSION" in v24.*) ;; *) die "node_modules/node is $NODE_VERSION, want v24" ;; esac
NPM_DIR="${NPM_DIR:-/usr/lib/node_modules/npm}"
[ -f "$NPM_DIR/bin/npm-cli.js" ] || die "no npm at $NPM_DIR"
NPM_VERSION="$("$NODE_BIN" "$NPM_DIR/bin/npm-cli.js" --version 2>/dev/null)" ||
  die "npm in $NPM_DIR does not run on Node $NODE_VERSION"

if [ ! -f "$ROOTFS/.complete" ]; then
  if [ -z "${DEBIAN_MIRROR:-}" ]; then
    DEBIAN_MIRROR="$(grep -rhE '^[[:space:]]*(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
      grep -oE 'https?://[^ ]+/debian/?( |$)' | tr -d ' ' | head -n 1 || true)"
    DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  fi
  log "debootstrap --variant=minbase $SUITE $ROOTFS ($DEBIAN_MIRROR)"
  rm -rf "$ROOTFS.tmp"
  debootstrap --variant=minbase "$SUITE" "$ROOTFS.tmp" "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # Image hygiene, as the Debian slim images do: no package caches, lists, man pages or logs.
  rm -rf "$ROOTFS.tmp"/var/cache/apt/*.bin "$ROOTFS.tmp"/var/cache/apt/archives/*.deb \
    "$ROOTFS.tmp"/var/lib/apt/lists/* "$ROOTFS.tmp"/usr/share/man/* "$ROOTFS.tmp"/usr/share/info/* \
    "$ROOTFS.tmp"/var/log/*.log "$ROOTFS.tmp"/var/log/apt/* "$ROOTFS.tmp"/tmp/* \
    "$ROOTFS.tmp"/var/cache/debconf/*-old "$ROOTFS.tmp"/var/lib/dpkg/*-old
  touch "$ROOTFS.tmp/.complete"
  mv "$ROOTFS.tmp" "$ROOTFS"
else
  log "reusing $ROOTFS"
fi

# The base image carries a fingerprint of what went into it; re-import only when it changes.
FINGERPRINT="$( { sha256sum "$NODE_BIN" | cut -d' ' -f1; echo "npm $NPM_VERSION"; stat -c %Y "$ROOTFS/.complete"; } |
  sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f '{{index .Config.Labels "io.inventorybot.base-fingerprint"}}' "$BASE_IMAGE" 2>/dev/null)" = "$FINGERPRINT" ]; then
  log "base image $BASE_IMAGE is current (node $NODE_VERSION, npm $NPM_VERSION)"
else
  log "docker import $BASE_IMAGE (node $NODE_VERSION, npm $NPM_VERSION)"
  STAGE="$CACHE/base-overlay"
  rm -rf "$STAGE"
  mkdir -p "$STAGE/usr/local/bin" "$STAGE/usr/local/lib/node_modules"
  install -m 0755 "$NODE_BIN" "$STAGE/usr/local/bin/node"
  cp -a "$NPM_DIR" "$STAGE/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$STAGE/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$STAGE/usr/local/bin/npx"
  # One tar stream over the cached root and the overlay's files (the cached root stays pristine).
  # docker import rejects duplicate paths, so only entries the root lacks (it has usr/local/{bin,lib}).
  tar --numeric-owner -c -C "$ROOTFS" --exclude=./.complete . \
    -C "$STAGE" ./usr/local/bin/node ./usr/local/bin/npm ./usr/local/bin/npx ./usr/local/lib/node_modules |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
      --change "LABEL io.inventorybot.base-fingerprint=$FINGERPRINT" \
      --change 'CMD ["node"]' \
      --message "debootstrap $SUITE minbase + node $NODE_VERSION (npm package) + npm $NPM_VERSION" \
      - "$BASE_IMAGE" >/dev/null
  rm -rf "$STAGE"
fi
docker run --rm --network none "$BASE_IMAGE" sh -c 'echo "base: node $(node --version), npm $(npm --version), $(. /etc/os-release; echo "$PRETTY_NAME")"'

# ---- 4. build ---------------------------------------------------------------------------------------
log "docker build --network host --build-arg BASE_IMAGE=$BASE_IMAGE -t $IMAGE ${BUILD_ARGS[*]:-}"
REVISION="$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$REPO" status --porcelain -- src package.json package-lock.json 2>/dev/null)" ] || REVISION="$REVISION-dirty"
# npm inside the build must trust what npm on this machine trusts: here the registry is reached
# through a TLS-inspecting proxy whose CA is only in the host's store (npm `cafile`, NODE_EXTRA_CA_CERTS).
# Passed as a build secret (mounted while npm ci runs, never in a layer); no CA, no secret.
NPM_CA="${NPM_CA:-$(npm config get cafile 2>/dev/null | grep -v '^null$' || true)}"
NPM_CA="${NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}"
SECRET_ARGS=()
if [ -n "$NPM_CA" ] && [ -s "$NPM_CA" ]; then
  echo "npm CA bundle for the build: $NPM_CA (build secret npm_ca)"
  SECRET_ARGS=(--secret "id=npm_ca,src=$NPM_CA")
fi
start=$(date +%s%N)
DOCKER_BUILDKIT=1 docker build --network host "${SECRET_ARGS[@]}" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  --build-arg "VERSION=$("$NODE_BIN" -p 'require(process.argv[1]).version' "$REPO/package.json" 2>/dev/null || echo 0.0.0)" \
  --build-arg "REVISION=$REVISION" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "${BUILD_ARGS[@]}" -t "$IMAGE" "$REPO"
BUILD_SECONDS=$((($(date +%s%N) - start) / 1000000000))
# The image this build replaced under the same tag is now dangling: remove ours only.
docker image prune -f --filter "label=org.opencontainers.image.title=inventorybot" >/dev/null

# ---- 5. smoke tests -----------------------------------------------------------------------------------
"$REPO/test/image/smoke-test.sh" "$IMAGE"

SIZE=$(docker image inspect -f '{{.Size}}' "$IMAGE")
BASE_SIZE=$(docker image inspect -f '{{.Size}}' "$BASE_IMAGE")
log "done"
echo "image      $IMAGE  $SIZE bytes ($((SIZE / 1000000)) MB)"
echo "base       $BASE_IMAGE  $BASE_SIZE bytes ($((BASE_SIZE / 1000000)) MB)"
echo "app layers $(((SIZE - BASE_SIZE) / 1000000)) MB"
echo "build      ${BUILD_SECONDS}s (docker build only${BUILD_ARGS[*]:+, ${BUILD_ARGS[*]}}); whole script ${SECONDS}s"
