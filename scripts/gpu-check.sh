#!/usr/bin/env bash
# GPU acceptance check, for a machine with a CUDA GPU, in one call of at most 8 minutes
# ($GPU_CHECK_SECONDS, default 470 s; later steps get what is left). It
#   1. builds engram-bench and the LibTorch tests against the machine's own PyTorch ($PYTHON's torch)
#      for the GPU's compute capability;
#   2. lists the tests and fails when any gtest filter pattern below matches no test (a filter that
#      matches nothing would pass without checking anything);
#   3. runs on the GPU (ENGRAM_REQUIRE_CUDA=1: a skipped CUDA case is a failure): CUDA hashing against
#      the golden ids (the reference's small cases and its default table sizes), the Engram forward
#      against the golden tensors, each host/disk tier bit-identical to the device tier, and whole
#      models with their tables in every tier (with decoding, and built without tables), CUDA graph
#      decode replay against eager decoding (same tokens) and both timed on dense-4b;
#   4. table 4: dense-4b alone, and with an Engram table of >= 20B parameters in pinned host memory
#      (never on the GPU), without and with the hot-row cache, on nano-vLLM's workload (input and
#      output Uniform(100, 1024), EOS ignored; $ENGRAM_T4_SEQS sequences, default 64, to fit the
#      time), and prints the paper's numbers beside ours.
# Everything goes to $OUT (default gpu-check-results/); summary.json holds every step's status,
# seconds and the table-4 numbers. The exit status is non-zero if any step failed.
#
# Usage: scripts/gpu-check.sh                  (OUT=dir PYTHON=python ENGRAM_TABLE_PARAMS=20B ...)
#        scripts/gpu-check.sh --list-only BIN  (step 2 alone, against a built engram_torch_tests; no GPU needed)
set -uo pipefail
cd "$(dirname "$0")/.."

# name|filter: the GPU checks of step 3. Patterns are gtest's (':'-separated); each must match a test.
CUDA_GROUPS=(
  "cuda_hashing|CudaPresence.*:GoldenHash.*:GoldenHashDefaultTables.*:HashPaths.*"
  "engram_forward|*GoldenForwardTest.*:GoldenForward.*"
  "tiers_vs_device|*EngramTiers.Cuda*"
  "whole_model_tiers|EngramTiersModel.Cuda*:TablePlacement.*"
  "decode_graphs|DecodeGraphs.*:*PreallocatedCache.*"
)

# check_filters BINARY: every pattern of every group matches at least one listed test.
check_filters() {
  local binary=$1 bad=0 group filter pattern count
  "$binary" --gtest_list_tests >/dev/null || { echo "gpu-check: $binary cannot list its tests" >&2; return 1; }
  for group in "${CUDA_GROUPS[@]}"; do
    filter=${group#*|}
    IFS=':' read -ra patterns <<<"$filter"
    for pattern in "${patterns[@]}"; do
      count=$("$binary" --gtest_list_tests --gtest_filter="$pattern" | grep -c '^  ')
      echo "${group%%|*}: '$pattern' matches $count tests"
      [ "$count" -gt 0 ] || { echo "gpu-check: filter pattern '$pattern' (${group%%|*}) matches no test" >&2; bad=1; }
    done
  done
  return $bad
}

if [ "${1:-}" = "--list-only" ]; then
  check_filters "${2:-build/tests/engram_torch_tests}"
  exit $?
fi

OUT=${OUT:-gpu-check-results}
mkdir -p "$OUT"
: > "$OUT/log.txt"
PYTHON=${PYTHON:-python3}
BUDGET=${GPU_CHECK_SECONDS:-470}
started=$(date +%s)
steps_file="$OUT/steps.jsonl"
: > "$steps_file"
failed=0

left() { echo $(( BUDGET - ($(date +%s) - started) )); }

step() {  # step NAME COMMAND...: runs it within the time left, records status and seconds
  local name=$1; shift
  local t0 budget rc
  t0=$(date +%s)
  budget=$(left)
  if [ "$budget" -le 5 ]; then
    rc=124; echo "== $name: no time left" | tee -a "$OUT/log.txt"
  else
    echo "== $name (<= ${budget}s): $*" | tee -a "$OUT/log.txt"
    timeout --kill-after=5 "$budget" "$@" >>"$OUT/log.txt" 2>&1
    rc=$?
  fi
  echo "{\"step\": \"$name\", \"exit\": $rc, \"seconds\": $(( $(date +%s) - t0 ))}" >> "$steps_file"
  [ $rc -eq 0 ] || { failed=1; echo "   FAILED ($rc), see $OUT/log.txt"; }
  return 0
}

# Runs one group of GPU tests; a skipped test fails the group (a CUDA case must not be skipped here).
gpu_tests() {
  local name=$1 filter=$2 json="$OUT/$1.json"
  ENGRAM_REQUIRE_CUDA=1 build-gpu/tests/engram_torch_tests --gtest_filter="$filter" --gtest_output="json:$json" || return 1
  if grep -q '"result": "SKIPPED"' "$json"; then
    echo "gpu-check: $name skipped tests on the GPU:"; grep -B3 '"result": "SKIPPED"' "$json" | grep '"name"'
    return 1
  fi
}

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no CUDA GPU (nvidia-smi -L failed); nothing to check" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv > "$OUT/gpu.csv"
capability=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' ')
torch_prefix=$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)') || {
  echo "gpu-check: $PYTHON has no torch; set PYTHON to the interpreter whose PyTorch to build against" >&2; exit 2; }
"$PYTHON" -c 'import torch, json; print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda}))' > "$OUT/torch.json"

# 1. Build.
export PATH=/usr/lib/ccache:$PATH
step configure cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  -DTORCH_CUDA_ARCH_LIST="$capability" -DENGRAM_CUDA=ON -DENGRAM_BUILD_BENCH=OFF
step build ninja -C build-gpu engram-bench engram_torch_tests
bench=build-gpu/harness/engram-bench

# 2. Every filter matches something.
step filters_match check_filters build-gpu/tests/engram_torch_tests

# 3. On the GPU.
for group in "${CUDA_GROUPS[@]}"; do
  step "${group%%|*}" gpu_tests "${group%%|*}" "${group#*|}"
done

# CUDA graph decoding against eager decoding on a dense model (the speed rows of both go to $OUT).
graphs=(speed --model dense-4b --device cuda --dtype bfloat16 --batch 1,16 --prompt-tokens 128 --gen-tokens 32
        --repetitions 2 --output-format json)
step decode_speed_eager "$bench" "${graphs[@]}" --cuda-graphs false --output "$OUT/decode_speed_eager.json"
step decode_speed_graphs "$bench" "${graphs[@]}" --cuda-graphs true --output "$OUT/decode_speed_graphs.json"

# 4. Table 4. bfloat16 tables, 2 bytes a parameter, pinned in host memory: keep a third of it spare.
available_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
fit=$(( available_kb * 1024 * 2 / 3 / 2 ))
# 25B parameters (50 GB pinned) when they fit: above the 20B floor, and quick to fill and pin.
params=${ENGRAM_TABLE_PARAMS:-$(( fit > 25000000000 ? 25000000000 : fit ))}
if [ "${ENGRAM_TABLE_PARAMS:-}" = "" ] && [ "$params" -lt 20000000000 ]; then
  echo "host memory allows only $params table parameters (< 20B); measuring with that" | tee -a "$OUT/log.txt"
fi
seqs=${ENGRAM_T4_SEQS:-64}
echo "{\"engram_table_parameters\": \"$params\", \"mem_available_kb\": $available_kb, \"num_seqs\": $seqs}" > "$OUT/table4_setup.json"
t4=(--device cuda --dtype bfloat16 --workload nano-vllm --num-seqs "$seqs" --batch auto --output-format json)
step table4_host "$bench" speed --model "dense-4b,dense-4b+engram=$params" --engram-table host "${t4[@]}" \
  --output "$OUT/table4_host.json"
step table4_host_cache "$bench" speed --model "dense-4b+engram=$params" --engram-table host \
  --engram-cache-rows 1000000 "${t4[@]}" --output "$OUT/table4_host_cache.json"

"$PYTHON" scripts/gpu_check_summary.py "$OUT" "$(( $(date +%s) - started ))" "$failed" | tee -a "$OUT/log.txt"
exit $failed
