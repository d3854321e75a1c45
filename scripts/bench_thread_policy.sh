#!/usr/bin/env bash
# Prefill and decode throughput under each OpenMP wait policy, without and with a competing busy loop
# on one core: shows what engram-bench's default (OMP_WAIT_POLICY=PASSIVE, set by re-executing itself)
# changes against libgomp's default (spin, then sleep) on a shared machine.
#
# Usage: scripts/bench_thread_policy.sh [MODEL] [THREADS]   (MODEL default: tiny-dense; env BENCH=path)
# Prints one line per (policy, competitor) with the speed row's prefill and decode tok/s and the load.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-tiny-dense}
threads=${2:-$(nproc)}
bench=${BENCH:-build/harness/engram-bench}
args=(speed --model "$model" --batch 1 --prompt-tokens 256 --gen-tokens 32 --threads "$threads" --repetitions 3
      --warmup-max 2 --output-format json)

measure() {  # measure LABEL ENV...: one speed run, its prefill/decode tok/s and the load average
  local label=$1; shift
  local out
  out=$(mktemp)
  env "$@" "$bench" "${args[@]}" --output "$out" >/dev/null 2>&1
  python3 -c 'import json,sys,os; r=json.load(open(sys.argv[1]))["rows"][0]
print(f"{sys.argv[2]:<44} prefill {r[\"prefill_tok_s\"]:8.1f} tok/s  decode {r[\"decode_tok_s\"]:7.1f} tok/s  load {os.getloadavg()[0]:.2f}")' "$out" "$label"
  rm -f "$out"
}

run_all() {  # run_all SUFFIX
  # ENGRAM_OMP_WAIT_SET without OMP_WAIT_POLICY: engram-bench does not re-execute, libgomp keeps its default.
  measure "libgomp default$1" -u OMP_WAIT_POLICY ENGRAM_OMP_WAIT_SET=1
  measure "PASSIVE (engram-bench default)$1" -u OMP_WAIT_POLICY -u ENGRAM_OMP_WAIT_SET
  measure "ACTIVE$1" OMP_WAIT_POLICY=ACTIVE -u ENGRAM_OMP_WAIT_SET
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
