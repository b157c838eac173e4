#!/usr/bin/env bash
# oci-archive.sh ROOTFS_DIR IMAGE_NAME OUT.tar CONFIG_JSON
# Writes a one-layer OCI image archive of ROOTFS_DIR that `ctr -n k8s.io images import` accepts (#10):
# no registry is reachable here, so the node's images are made from local files. CONFIG_JSON is the
# image config's "config" object, e.g. '{"Entrypoint":["/pause"],"User":"65535:65535"}'.
# Deterministic: sorted entries, mtime 0, numeric root ownership.
set -euo pipefail
rootfs=$1 name=$2 out=$3 config=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"

blob() { # FILE -> prints "digest size", moves FILE into blobs/
  local sum size
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$work/blobs/sha256/$sum"
  echo "$sum $size"
}

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer" .
read -r layer_sum layer_size < <(blob "$work/layer")

printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$config" "$layer_sum" > "$work/config"
read -r config_sum config_size < <(blob "$work/config")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config_sum" "$config_size" "$layer_sum" "$layer_size" > "$work/manifest"
read -r manifest_sum manifest_size < <(blob "$work/manifest")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest_sum" "$manifest_size" "$name" "${name##*:}" > "$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci-layout"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"
