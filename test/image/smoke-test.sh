#!/usr/bin/env bash
# Smoke tests for a built InventoryBot image: every container runs with a read-only root filesystem,
# as the numeric non-root user, without network (except where noted), and is removed afterwards.
#
#   test/image/smoke-test.sh [IMAGE]        (default inventorybot:dev; DOCKER picks the client)
set -euo pipefail
IMAGE="${1:-inventorybot:dev}"
DOCKER="${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || command -v docker )}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN=("$DOCKER" run --rm --read-only --user 65532:65532 --network none)
failures=0
pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/        /'; failures=$((failures + 1)); }

echo "smoke tests for $IMAGE"

user=$("$DOCKER" image inspect -f '{{.Config.User}}' "$IMAGE")
[ "$user" = "65532:65532" ] && pass "USER is $user" || fail "USER is '$user', want 65532:65532"

# The literal command from the docs.
if out=$("${RUN[@]}" "$IMAGE" node dist/src/cli/main.js --help 2>&1) && grep -q '^Usage: inventorybot' <<<"$out"; then
  pass "node dist/src/cli/main.js --help"
else
  fail "node dist/src/cli/main.js --help" "$out"
fi

# Default CMD is the CLI help; `inventorybot` is on PATH.
if out=$("${RUN[@]}" "$IMAGE" 2>&1) && grep -q '^Usage: inventorybot' <<<"$out"; then
  pass "default CMD prints the CLI help"
else
  fail "default CMD prints the CLI help" "$out"
fi
if out=$("${RUN[@]}" "$IMAGE" inventorybot dlq --help 2>&1) && grep -q 'Usage: inventorybot dlq' <<<"$out"; then
  pass "inventorybot dlq --help (on PATH)"
else
  fail "inventorybot dlq --help (on PATH)" "$out"
fi

# Worker with a bad configuration: exit code 2 and a one-line reason, not a module or stack trace error.
set +e
out=$("${RUN[@]}" -e INVENTORYBOT_CONFIG=/nonexistent/worker.json "$IMAGE" node dist/src/worker/main.js 2>&1)
rc=$?
set -e
if [ "$rc" = 2 ] && grep -q 'INVENTORYBOT_CONFIG' <<<"$out" && ! grep -qiE 'ERR_MODULE_NOT_FOUND|Cannot find (module|package)|^\s+at ' <<<"$out"; then
  pass "worker with a missing config file exits 2: $(head -n 1 <<<"$out")"
else
  fail "worker with a missing config file: exit $rc" "$out"
fi

# In-image checks (Node version, no dev dependencies, every module resolves, simulator serves).
if out=$("${RUN[@]}" -v "$HERE/smoke-in-image.mjs:/smoke/smoke-in-image.mjs:ro" "$IMAGE" node /smoke/smoke-in-image.mjs 2>&1); then
  printf '%s\n' "$out" | sed 's/^/  /'
else
  fail "in-image checks" "$out"
fi

leftover=$("$DOCKER" ps -aq --filter "ancestor=$IMAGE")
[ -z "$leftover" ] && pass "no containers left" || fail "containers left: $leftover"

if [ "$failures" -gt 0 ]; then
  echo "smoke tests: $failures failed"
  exit 1
fi
echo "smoke tests: all passed"
