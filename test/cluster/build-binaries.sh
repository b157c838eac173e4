#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, helm,
# etcd when Debian's is unusable) from Go modules into a versioned cache outside the repo.
# No registry or release download is reachable, so everything comes through the Go module proxy.
# Prints the bin directory; a second run with the same versions builds nothing.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
HELM_VERSION=${HELM_VERSION:-v3.22.0}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
CACHE=${INVENTORYBOT_CACHE:-$HOME/.cache/inventorybot}
BIN="$CACHE/bin/k8s-$K8S_VERSION"
TOOLS_DIR="$(cd "$(dirname "$0")/../tools" && pwd)"

export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
mkdir -p "$BIN"
# shellcheck source=../tools/lib/cache-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib/cache-lock.sh"
take_cache_lock "$CACHE/.build-binaries.lock"

log() { echo "[build-binaries] $*" >&2; }

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
k8s_ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z \
 -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION \
 -X k8s.io/client-go/pkg/version.gitMajor=1 \
 -X k8s.io/client-go/pkg/version.gitMinor=$minor"

for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  if [[ -x "$BIN/$cmd" && -f "$BIN/$cmd.version" && "$(cat "$BIN/$cmd.version")" == "$K8S_VERSION" ]]; then
    continue
  fi
  log "building $cmd $K8S_VERSION (several minutes on a cold cache)"
  (cd "$TOOLS_DIR" && go build -trimpath -ldflags "$k8s_ldflags" -o "$BIN/$cmd.tmp.$$" "k8s.io/kubernetes/cmd/$cmd")
  mv "$BIN/$cmd.tmp.$$" "$BIN/$cmd"
  echo "$K8S_VERSION" > "$BIN/$cmd.version"
done

go_install() { # name module version [stamp] [extra ldflags]
  local name=$1 pkg=$2 version=$3 stamp=${4:-$3} ldflags="-s -w ${5:-}"
  if [[ -x "$BIN/$name" && -f "$BIN/$name.version" && "$(cat "$BIN/$name.version")" == "$stamp" ]]; then
    return
  fi
  log "building $name $version"
  local gobin; gobin=$(mktemp -d)
  GOBIN="$gobin" go install -trimpath -ldflags "$ldflags" "$pkg@$version"
  mv "$gobin/$name" "$BIN/$name"
  rm -rf "$gobin"
  echo "$stamp" > "$BIN/$name.version"
}

go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
# kwok's standalone binary needs stage definitions: take its own defaults (fast node and pod
# lifecycle, node heartbeat) from the module it was built from.
if [[ ! -s "$BIN/kwok-stages.yaml" || "$(cat "$BIN/kwok-stages.version" 2>/dev/null)" != "$KWOK_VERSION" ]]; then
  stage_dir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
           pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$stage_dir/$f"
  done > "$BIN/kwok-stages.yaml"
  echo "$KWOK_VERSION" > "$BIN/kwok-stages.version"
fi
# helm's own release build stamps the Kubernetes version it was built against (its Makefile, from the
# client-go it requires: v0.37 for v3.22); without it `helm template`/`lint` assume Kubernetes 1.20 (#17).
HELM_KUBE_MINOR=${HELM_KUBE_MINOR:-37}
helm_ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$HELM_KUBE_MINOR"
done
go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$HELM_VERSION+k8s1.$HELM_KUBE_MINOR+v" "$helm_ldflags"

# etcd: k8s 1.37 wants etcd >= 3.5 features (watch progress notify); Debian ships 3.4.23.
if [[ ! -x "$BIN/etcd" || "$(cat "$BIN/etcd.version" 2>/dev/null)" != "$ETCD_VERSION" ]]; then
  log "building etcd $ETCD_VERSION"
  "$(dirname "$0")/build-etcd.sh" "$ETCD_VERSION" "$BIN/etcd"
  echo "$ETCD_VERSION" > "$BIN/etcd.version"
fi

echo "$BIN"
