#!/bin/bash
# Issue 12: measures the worker's charged memory in a 96M memory cgroup (v1) while it drains 2,000 batches x 10 items.
# Needs root and cgroup v1 (/sys/fs/cgroup/memory). FAIL=0.2 for 20 % transient failures; WORKER_ARGS for extra node flags.
# Usage: sudo test/bench/worker-cgroup-memory.sh
set -u
cd "$(dirname "$0")/../.."
NODE=node_modules/.bin/node
RP=16391; SP=18391; MP=19391
CG=/sys/fs/cgroup/memory/speed-worker-$$
redis-server --port $RP --bind 127.0.0.1 --save '' --appendonly no > ${LOGS:-/tmp}/cgroup-bench-redis.log 2>&1 & RPID=$!
SIMULATOR_PORT=$SP SIMULATOR_FAILURE_RATE=${FAIL:-0} SIMULATOR_LATENCY_MEDIAN_MS=0 $NODE --experimental-strip-types src/simulator/main.ts > ${LOGS:-/tmp}/cgroup-bench-sim.log 2>&1 & SPID=$!
sleep 2
$NODE --experimental-strip-types src/cli/main.ts enqueue --redis-url redis://127.0.0.1:$RP -n 2000 --batch-size 10 > ${LOGS:-/tmp}/cgroup-bench-enq.log 2>&1
mkdir $CG; echo 96M > $CG/memory.limit_in_bytes
WPID=
# Stops what this script started, also when its output pipe closes early.
cleanup() { [ -n "$WPID" ] && kill $WPID 2>/dev/null; sleep 2; kill $SPID $RPID 2>/dev/null; sleep 1; rmdir $CG 2>/dev/null; }
trap cleanup EXIT
START=$(date +%s.%N)
( echo $BASHPID > $CG/cgroup.procs; exec env REDIS_URL=redis://127.0.0.1:$RP INVENTORYBOT_UPSTREAM_PRIMARY_URL=http://127.0.0.1:$SP \
  INVENTORYBOT_UPSTREAM_RATE_LIMIT_PER_SECOND=100000 INVENTORYBOT_MONITORING_METRICS_PORT=$MP INVENTORYBOT_METRICS_HOST=127.0.0.1 POD_NAME=cg \
  $NODE ${WORKER_ARGS:-} --experimental-strip-types src/worker/main.ts > ${LOGS:-/tmp}/cgroup-bench-worker.log 2>&1 ) & WPID=$!
for i in $(seq 1 600); do
  sleep 0.5
  L=$(redis-cli -p $RP xinfo groups inventory:batches 2>/dev/null | awk '/^lag$/{getline; print}')
  P=$(redis-cli -p $RP xinfo groups inventory:batches 2>/dev/null | awk '/^pending$/{getline; print}')
  [ "$L" = "0" ] && [ "$P" = "0" ] && break
done
END=$(date +%s.%N)
echo "drained in $(echo "$END - $START" | bc) s (includes startup); max charged $(( $(cat $CG/memory.max_usage_in_bytes) / 1048576 )) MiB; failcnt $(cat $CG/memory.failcnt); oom: $(grep oom_kill $CG/memory.oom_control)"
echo "applied: $(curl -s 127.0.0.1:$SP/metrics | grep -m1 applied || true)"
