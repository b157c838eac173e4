# Sourced by scripts that start a long-running daemon (build-local-image.sh starts dockerd).
#
# detach LOGFILE CMD [ARGS...]
#   Starts CMD in its own session (setsid), stdin from /dev/null, stdout and stderr appended to LOGFILE,
#   with every inherited descriptor above 2 closed. Sets DETACHED_PID.
#
# Why the descriptors are closed: a daemon outlives the script that starts it, and an inherited
# descriptor keeps that script's flock held for as long as the daemon runs. dockerd, started from
# build-node-images.sh, held the image lock; the real-node suite's second build-node-images.sh waited
# on it forever and CI timed out after 90 minutes (stop 19). Bash has no "close all" primitive, so the
# subshell walks /proc/self/fd.
detach() {
  local logfile=$1
  shift
  (
    for fd in /proc/self/fd/*; do
      n=${fd##*/}
      if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi 2>/dev/null
    done
    exec setsid nohup "$@" >>"$logfile" 2>&1 </dev/null
  ) &
  DETACHED_PID=$!
}
