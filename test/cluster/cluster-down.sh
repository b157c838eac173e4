#!/usr/bin/env bash
# Stops what `make cluster-up` started and removes its data.
set -euo pipefail
state="${INVENTORYBOT_CACHE:-$HOME/.cache/inventorybot}/cluster"
[[ -f "$state/pids" ]] || { echo "no local control plane running"; exit 0; }
while read -r pid; do kill "$pid" 2>/dev/null || true; done < <(tac "$state/pids")
sleep 2
while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$state/pids"
[[ -f "$state/current" ]] && rm -rf "$(cat "$state/current")"
rm -f "$state/pids" "$state/current"
echo "local control plane stopped"
