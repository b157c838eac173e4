#!/bin/bash
# Issue 12: measures the worker's charged memory in a memory cgroup (v1) at the pod limit while it drains
# 2,000 batches x 10 items, RUNS times (fresh Redis data and cgroup each run), and counts OOM kills.
# The worker runs as the pod does: compiled JS (tsc, as the image builds dist/) with the heap flags the
# operator derives from the memory limit (src/contracts/worker-heap.ts).
# Needs root and cgroup v1 (/sys/fs/cgroup/memory).
#   LIMIT=96M (the pod's limit) RUNS=5 FAIL=0.2 (20 % transient failures) BUILD=source (strip-types)
#   WORKER_ARGS="..." replaces the derived heap flags ("none": no flags).
# Usage: sudo test/bench/worker-cgroup-memory.sh
set -u
cd "$(dirname "$0")/../.."
NODE=node_modules/.bin/node
LIMIT=${LIMIT:-96M}
RUNS=${RUNS:-3}
BUILD=${BUILD:-compiled}
RP=16391; SP=18391; MP=19391
LOGS=${LOGS:-/tmp}
LIMIT_BYTES=$(numfmt --from=iec "$LIMIT")
if [ -z "${WORKER_ARGS:-}" ]; then
  WORKER_ARGS=$($NODE --experimental-strip-types --no-warnings --input-type=module -e \
    "import { workerHeap, workerHeapFlags } from './src/contracts/worker-heap.ts'; console.log(workerHeapFlags(workerHeap($LIMIT_BYTES)).join(' '))")
elif [ "$WORKER_ARGS" = none ]; then
  WORKER_ARGS=
fi
if [ "$BUILD" = compiled ]; then
  $NODE node_modules/typescript/bin/tsc -p tsconfig.build.json || exit 1
  ENTRY="dist/src/worker/main.js"
else
  ENTRY="--experimental-strip-types src/worker/main.ts"
fi
redis-server --port $RP --bind 127.0.0.1 --save '' --appendonly no > $LOGS/cgroup-bench-redis.log 2>&1 & RPID=$!
SIMULATOR_PORT=$SP SIMULATOR_FAILURE_RATE=${FAIL:-0} SIMULATOR_LATENCY_MEDIAN_MS=0 $NODE --experimental-strip-types src/simulator/main.ts > $LOGS/cgroup-bench-sim.log 2>&1 & SPID=$!
WPID=; CG=
# Stops what this script started, also when its output pipe closes early.
cleanup() { [ -n "$WPID" ] && kill $WPID 2>/dev/null; sleep 2; kill $SPID $RPID 2>/dev/null; sleep 1; [ -n "$CG" ] && rmdir $CG 2>/dev/null; }
trap cleanup EXIT
for i in $(seq 1 50); do redis-cli -p $RP ping > /dev/null 2>&1 && curl -s 127.0.0.1:$SP/metrics > /dev/null && break; sleep 0.2; done
echo "worker: $BUILD, node $WORKER_ARGS $ENTRY; memory limit $LIMIT; ${FAIL:-0} transient failures"
OOMS=0
for run in $(seq 1 $RUNS); do
  redis-cli -p $RP flushall > /dev/null
  $NODE --experimental-strip-types src/cli/main.ts enqueue --redis-url redis://127.0.0.1:$RP -n 2000 --batch-size 10 > $LOGS/cgroup-bench-enq.log 2>&1
  CG=/sys/fs/cgroup/memory/speed-worker-$$-$run
  mkdir $CG; echo $LIMIT_BYTES > $CG/memory.limit_in_bytes
  START=$(date +%s.%N)
  # shellcheck disable=SC2086 # the flags and the entry are word lists
  ( echo $BASHPID > $CG/cgroup.procs; exec env REDIS_URL=redis://127.0.0.1:$RP INVENTORYBOT_UPSTREAM_PRIMARY_URL=http://127.0.0.1:$SP \
    INVENTORYBOT_UPSTREAM_RATE_LIMIT_PER_SECOND=100000 INVENTORYBOT_MONITORING_METRICS_PORT=$MP INVENTORYBOT_METRICS_HOST=127.0.0.1 POD_NAME=cg \
    $NODE $WORKER_ARGS $ENTRY > $LOGS/cgroup-bench-worker.log 2>&1 ) & WPID=$!
  for i in $(seq 1 600); do
    sleep 0.5
    kill -0 $WPID 2>/dev/null || break
    L=$(redis-cli -p $RP xinfo groups inventory:batches 2>/dev/null | awk '/^lag$/{getline; print}')
    P=$(redis-cli -p $RP xinfo groups inventory:batches 2>/dev/null | awk '/^pending$/{getline; print}')
    [ "$L" = "0" ] && [ "$P" = "0" ] && break
  done
  END=$(date +%s.%N)
  OOM=$(awk '/oom_kill /{print $2}' $CG/memory.oom_control)
  OOMS=$((OOMS + ${OOM:-0}))
  echo "run $run: drained in $(echo "$END - $START" | bc) s (includes startup); max charged $(( $(cat $CG/memory.max_usage_in_bytes) / 1048576 )) MiB; failcnt $(cat $CG/memory.failcnt); oom kills ${OOM:-?}"
  kill $WPID 2>/dev/null; wait $WPID 2>/dev/null; WPID=
  rmdir $CG; CG=
done
echo "OOM-killed runs: $OOMS of $RUNS"
