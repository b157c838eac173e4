#!/usr/bin/env bash
# build-etcd.sh VERSION OUT: builds etcd's server from its Go module (see test/tools/etcd).
set -euo pipefail
version=$1 out=$2
dir="$(cd "$(dirname "$0")/../tools/etcd" && pwd)"
grep -q "go.etcd.io/etcd/server/v3 $version" "$dir/go.mod" || { echo "test/tools/etcd/go.mod pins another etcd than $version" >&2; exit 1; }
(cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" .)
mv "$out.tmp" "$out"
