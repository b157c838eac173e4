#!/usr/bin/env bash
# Installs the Debian packages listed in prerequisites.tsv for the given purposes (demo, test, ...) when
# they are missing; used by the Makefile targets and .ci/run (#9). As root it runs apt-get; otherwise it
# stops with the exact command to run. The distribution's redis-server/prometheus services are stopped
# right after install: the demo and the tests start their own on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
(($#)) || set -- demo test node

missing=()
while IFS=$'\t' read -r purpose binary package; do
  [[ -z "$purpose" || "$purpose" == \#* ]] && continue
  for want in "$@"; do
    [[ "$purpose" == "$want" ]] || continue
    [[ -e "$binary" ]] && continue
    [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
  done
done < "$here/prerequisites.tsv"

command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || {
  echo "prerequisites: Go >= 1.26 is needed to build the test cluster's binaries (https://go.dev/doc/install)" >&2
  [[ " $* " != *" test "* ]] || exit 1
}

((${#missing[@]})) || exit 0
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if ((EUID != 0)); then
  echo "prerequisites: missing Debian packages: ${missing[*]}. Run:" >&2
  echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi
echo "prerequisites: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${cmd[@]}" >/dev/null || { apt-get update >/dev/null && "${cmd[@]}" >/dev/null; }
for svc in redis-server prometheus; do
  [[ " ${missing[*]} " == *" ${svc} "* ]] || continue
  systemctl stop "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
done
