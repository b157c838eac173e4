#!/usr/bin/env bash
# Builds the real node's binaries (#10) from Go modules into the same versioned cache as the control plane:
# containerd v2 (+ ctr, shim), CNI plugins, CoreDNS, metrics-server, kubelet and kube-proxy. No release
# download is reachable here, so everything comes through the Go module proxy. Each binary is stamped with
# its version; a second run with the same versions builds nothing. Prints the bin directory.
# Usage: build-node-binaries.sh [--no-k8s]   (--no-k8s skips kubelet/kube-proxy, which share the control
# plane's GOCACHE and are fast once build-binaries.sh has run)
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.4.2}
CNI_PLUGINS_VERSION=${CNI_PLUGINS_VERSION:-v1.10.0}
COREDNS_VERSION=${COREDNS_VERSION:-v1.15.0}
METRICS_SERVER_VERSION=${METRICS_SERVER_VERSION:-v0.9.0}
CACHE=${INVENTORYBOT_CACHE:-$HOME/.cache/inventorybot}
BIN="$CACHE/bin/k8s-$K8S_VERSION"
TOOLS_DIR="$(cd "$(dirname "$0")/../tools" && pwd)"

export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$BIN" "$BIN/cni"
# shellcheck source=../tools/lib/cache-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib/cache-lock.sh"
take_cache_lock "$CACHE/.build-node-binaries.lock"

log() { echo "[build-node-binaries] $(date -u +%H:%M:%S) $*" >&2; }
stamped() { [[ -x "$1" && -f "$1.version" && "$(cat "$1.version")" == "$2" ]]; }

# go_install DEST_DIR VERSION 'TAGS' 'LDFLAGS' PKG... : one `go install` for several commands of one module
go_install() {
  local dest=$1 version=$2 tags=$3 ldflags=$4; shift 4
  local missing=() pkg
  for pkg in "$@"; do stamped "$dest/${pkg##*/}" "$version" || missing+=("$pkg@$version"); done
  ((${#missing[@]})) || return 0
  log "building ${missing[*]}"
  local gobin start=$SECONDS; gobin=$(mktemp -d)
  GOBIN="$gobin" go install -trimpath -tags "$tags" -ldflags "-s -w $ldflags" "${missing[@]}"
  for pkg in "${missing[@]}"; do
    local name=${pkg%@*}; name=${name##*/}
    mv "$gobin/$name" "$dest/$name"
    echo "$version" > "$dest/$name.version"
  done
  rm -rf "$gobin"
  log "built in $((SECONDS - start)) s"
}

cd=github.com/containerd/containerd/v2
go_install "$BIN" "$CONTAINERD_VERSION" "no_btrfs no_devmapper no_zfs" \
  "-X $cd/version.Version=$CONTAINERD_VERSION" \
  "$cd/cmd/containerd" "$cd/cmd/ctr" "$cd/cmd/containerd-shim-runc-v2"

cni=github.com/containernetworking/plugins/plugins
go_install "$BIN/cni" "$CNI_PLUGINS_VERSION" "" "" \
  "$cni/main/bridge" "$cni/ipam/host-local" "$cni/main/loopback" "$cni/meta/portmap"

go_install "$BIN" "$COREDNS_VERSION" "" "" github.com/coredns/coredns
go_install "$BIN" "$METRICS_SERVER_VERSION" "" "" sigs.k8s.io/metrics-server/cmd/metrics-server

if [[ "${1:-}" != "--no-k8s" ]]; then
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  k8s_ldflags="-s -w \
   -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
   -X k8s.io/component-base/version.gitMajor=1 \
   -X k8s.io/component-base/version.gitMinor=$minor \
   -X k8s.io/component-base/version.gitTreeState=clean \
   -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  for cmd in kubelet kube-proxy; do
    stamped "$BIN/$cmd" "$K8S_VERSION" && continue
    log "building $cmd $K8S_VERSION"
    start=$SECONDS
    # A throwaway copy of the control plane's wrapper module, so go.sum lines the node commands add
    # never touch the repo's test/tools (the same replaces pin the staging modules).
    work=$(mktemp -d)
    cp "$TOOLS_DIR/go.mod" "$TOOLS_DIR/go.sum" "$work/"
    (cd "$work" && go build -trimpath -ldflags "$k8s_ldflags" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    rm -rf "$work"
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
    echo "$K8S_VERSION" > "$BIN/$cmd.version"
    log "built $cmd in $((SECONDS - start)) s"
  done
fi

echo "$BIN"
