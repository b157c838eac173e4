# Sourced by the cache builders (build-binaries.sh, build-node-binaries.sh, build-node-images.sh).
#
# take_cache_lock LOCKFILE
#   One build at a time per cache: concurrent callers (two test runs, a test run and `make deploy-render`)
#   wait for the first, on descriptor 9. The wait is bounded (CACHE_LOCK_WAIT_S, default 2700 s: a cold
#   build of the slowest set takes ~30 min on 2 cores) and a timeout names the processes holding the lock,
#   instead of hanging until CI's 90-minute limit as it once did (stop 19; see lib/detach.sh).
take_cache_lock() {
  local lockfile=$1 wait_s=${CACHE_LOCK_WAIT_S:-2700}
  exec 9>"$lockfile"
  if ! flock -w "$wait_s" 9; then
    echo "waited ${wait_s}s for $lockfile; held by:" >&2
    local fd
    for fd in /proc/[0-9]*/fd/*; do
      [ "$(readlink "$fd" 2>/dev/null)" = "$lockfile" ] || continue
      local pid=${fd#/proc/}
      pid=${pid%%/*}
      [ "$pid" = "$$" ] && continue
      echo "  pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
    done
    exit 1
  fi
}
