#!/usr/bin/env bash
# Prefill and decode throughput under each OpenMP wait policy, without and with a competing busy loop
# on one core: shows what engram-bench's default (OMP_WAIT_POLICY=PASSIVE, set by re-executing itself)
# changes against libgomp's default (spin, then sleep) on a shared machine.
#
# Usage: scripts/bench_thread_policy.sh [MODEL] [THREADS]   (MODEL default: tiny-dense)
#        env BENCH=path PROMPT=256 GEN=32 REPS=3 WARMUP=2
# Prints one line per (policy, competitor) with the speed row's prefill and decode tok/s and the load.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-tiny-dense}
threads=${2:-$(nproc)}
bench=${BENCH:-build/harness/engram-bench}
args=(speed --model "$model" --batch 1 --prompt-tokens "${PROMPT:-256}" --gen-tokens "${GEN:-32}" --threads "$threads"
      --repetitions "${REPS:-3}" --warmup-max "${WARMUP:-2}" --output-format json)

measure() {  # measure LABEL ENV...: one speed run, its prefill/decode tok/s and the load average
  local label=$1; shift
  local out
  out=$(mktemp)
  env "$@" "$bench" "${args[@]}" --output "$out" >/dev/null 2>&1
  python3 - "$out" "$label" <<'PY'
import json, os, sys
row = json.load(open(sys.argv[1]))["rows"][0]
print("{:<44} prefill {:8.1f} tok/s  decode {:7.1f} tok/s  load {:.2f}".format(
    sys.argv[2], row["prefill_tok_s"], row["decode_tok_s"], os.getloadavg()[0]))
PY
  rm -f "$out"
}

run_all() {  # run_all SUFFIX
  # ENGRAM_OMP_WAIT_SET without OMP_WAIT_POLICY: engram-bench does not re-execute, libgomp keeps its default.
  measure "libgomp default$1" -u OMP_WAIT_POLICY ENGRAM_OMP_WAIT_SET=1
  measure "PASSIVE (engram-bench default)$1" -u OMP_WAIT_POLICY -u ENGRAM_OMP_WAIT_SET
  measure "ACTIVE$1" -u ENGRAM_OMP_WAIT_SET OMP_WAIT_POLICY=ACTIVE
}

echo "model $model, $threads threads, $(nproc) CPUs usable"
run_all ""
# One core kept busy by another process, as on a shared machine.
taskset -c 0 sh -c 'while :; do :; done' &
busy=$!
trap 'kill $busy 2>/dev/null || true' EXIT
run_all ", busy loop on CPU 0"
kill $busy
trap - EXIT
