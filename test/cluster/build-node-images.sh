#!/usr/bin/env bash
# Builds the images the real node runs (#10) as OCI/docker archives in the cache, for
# `ctr -n k8s.io images import` at bring-up. No registry is reachable here:
#   - registry.k8s.io/pause:3.10   a static pause binary (images/pause.c), the sandbox image the node pins;
#   - inventorybot.local/redis:7   Debian's redis-server binary and its shared libraries (ldd);
#   - inventorybot.local/inventorybot:e2e   the project image from the Dockerfile (build-local-image.sh,
#     which starts dockerd with no network changes if none runs), saved with `docker save`.
# Usage: build-node-images.sh [--no-project]. Prints the images directory.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE=${INVENTORYBOT_CACHE:-$HOME/.cache/inventorybot}
OUT="$CACHE/images"
PROJECT_IMAGE=${PROJECT_IMAGE:-inventorybot.local/inventorybot:e2e}
mkdir -p "$OUT"
# shellcheck source=../tools/lib/cache-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib/cache-lock.sh"
take_cache_lock "$OUT/.lock"
log() { echo "[build-node-images] $(date -u +%H:%M:%S) $*" >&2; }

# ---- pause: rebuilt when its source changes ----
pause_stamp=$(sha256sum "$HERE/images/pause.c" | cut -c1-16)
if [[ ! -s "$OUT/pause.tar" || "$(cat "$OUT/pause.version" 2>/dev/null)" != "$pause_stamp" ]]; then
  log "pause image"
  root=$(mktemp -d)
  gcc -static -Os -s -o "$root/pause" "$HERE/images/pause.c"
  "$HERE/images/oci-archive.sh" "$root" registry.k8s.io/pause:3.10 "$OUT/pause.tar" \
    '{"Entrypoint":["/pause"],"User":"65535:65535"}'
  rm -rf "$root"
  echo "$pause_stamp" > "$OUT/pause.version"
fi

# ---- redis: Debian's redis-server, rebuilt when the package version changes ----
redis_stamp=$(dpkg-query -W -f '${Version}' redis-server 2>/dev/null)-nss ||
  { echo "redis-server (Debian package) is not installed" >&2; exit 1; }
if [[ ! -s "$OUT/redis.tar" || "$(cat "$OUT/redis.version" 2>/dev/null)" != "$redis_stamp" ]]; then
  log "redis image from Debian redis-server $redis_stamp"
  root=$(mktemp -d)
  mkdir -p "$root/usr/bin" "$root/data" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  # redis-server is a symlink to redis-check-rdb, which dispatches on argv[0].
  cp "$(readlink -f /usr/bin/redis-server)" "$root/usr/bin/redis-server"
  cp /usr/bin/redis-cli "$root/usr/bin/redis-cli"
  for lib in $( (ldd /usr/bin/redis-server; ldd /usr/bin/redis-cli) | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  # Name resolution (redis-cli -h NAME) through glibc's NSS modules.
  for lib in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
    [[ -e "$lib" ]] && cp -L "$lib" "$root$lib"
  done
  echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
  echo 'redis:x:999:999::/data:/usr/sbin/nologin' > "$root/etc/passwd"
  echo 'redis:x:999:' > "$root/etc/group"
  "$HERE/images/oci-archive.sh" "$root" inventorybot.local/redis:7 "$OUT/redis.tar" \
    '{"Entrypoint":["/usr/bin/redis-server"],"User":"999:999","WorkingDir":"/data","ExposedPorts":{"6379/tcp":{}}}'
  rm -rf "$root"
  echo "$redis_stamp" > "$OUT/redis.version"
fi

# ---- the project image: the Dockerfile through build-local-image.sh (docker's layer cache makes repeats fast) ----
if [[ "${1:-}" != "--no-project" ]]; then
  log "project image $PROJECT_IMAGE"
  # 9>&-: the image build must not hold this script's lock (it may start dockerd, which outlives us).
  IMAGE="$PROJECT_IMAGE" "$REPO/test/image/build-local-image.sh" >&2 9>&-
  id=$(/usr/bin/docker image inspect -f '{{.Id}}' "$PROJECT_IMAGE")
  if [[ ! -s "$OUT/inventorybot.tar" || "$(cat "$OUT/inventorybot.version" 2>/dev/null)" != "$id" ]]; then
    /usr/bin/docker save "$PROJECT_IMAGE" -o "$OUT/inventorybot.tar.tmp"
    mv "$OUT/inventorybot.tar.tmp" "$OUT/inventorybot.tar"
    echo "$id" > "$OUT/inventorybot.version"
  fi
fi
echo "$OUT"
