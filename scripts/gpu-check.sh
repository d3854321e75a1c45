#!/usr/bin/env bash
# GPU acceptance check (issue 5), for a machine with a CUDA GPU. Within about 8 minutes it:
#   1. builds engram-bench and the LibTorch tests against the machine's own PyTorch (python3's
#      torch, or $PYTHON's), for the GPU's own compute capability;
#   2. checks CUDA against CPU outputs: hashing (CUDA kernel and tensor path vs the golden ids),
#      the Engram forward (vs the golden tensors), the host/disk table tiers (bit-identical to the
#      device tier, tables alone and a whole model with decoding);
#   3. runs the paper's table-4 workload (nano-vllm: 512 sequences, input/output ~ Uniform(100,
#      1024), EOS ignored) on dense-4b in bfloat16, and the same model with an Engram table as large
#      as host memory allows (at least 20B parameters) measured with device tables and with
#      host-resident ones (interleaved, on the sweep workload);
#   4. runs the speed sweep for moe-27b and engram-27b in bfloat16.
# Results go to $OUT (default gpu-check-results/) as JSON, with a summary.json of every step's
# status and wall time. Steps after a failure still run; the exit status is non-zero if any failed.
#
# Usage: scripts/gpu-check.sh            (OUT=dir, PYTHON=python, ENGRAM_TABLE_PARAMS=20B to override)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-check-results}
mkdir -p "$OUT"
PYTHON=${PYTHON:-python3}
started=$(date +%s)
declare -a steps=()
failed=0

step() {  # step NAME COMMAND...: runs it, records status and seconds
  local name=$1; shift
  local t0=$(date +%s)
  echo "== $name: $*" | tee -a "$OUT/log.txt"
  "$@" >>"$OUT/log.txt" 2>&1
  local rc=$?
  local t1=$(date +%s)
  steps+=("{\"step\": \"$name\", \"exit\": $rc, \"seconds\": $((t1 - t0))}")
  [ $rc -eq 0 ] || { failed=1; echo "   FAILED ($rc), see $OUT/log.txt"; }
  return 0
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

export PATH=/usr/lib/ccache:$PATH
step configure cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  -DTORCH_CUDA_ARCH_LIST="$capability" -DENGRAM_BUILD_BENCH=OFF
step build ninja -C build-gpu engram-bench engram_torch_tests
bench=build-gpu/harness/engram-bench

# 2. CUDA against CPU (the tests compare on the GPU whenever one is present).
step cuda_vs_cpu build-gpu/tests/engram_torch_tests \
  --gtest_filter='HashGolden*:*EngramForward*:*EngramTiers*:*TableFile*' --gtest_output="json:$OUT/cuda_vs_cpu.json"

# 3. Table 4: dense-4b alone, then with an Engram table sized to host memory (>= 20B parameters).
available_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
# bfloat16 tables: 2 bytes a parameter, built once on the host; keep half of the free memory spare.
fit=$(( available_kb * 1024 / 2 / 2 ))
params=${ENGRAM_TABLE_PARAMS:-$(( fit > 100000000000 ? 100000000000 : fit ))}
if [ "${ENGRAM_TABLE_PARAMS:-}" = "" ] && [ "$params" -lt 20000000000 ]; then
  echo "host memory allows only $params table parameters (< 20B); measuring with that" | tee -a "$OUT/log.txt"
fi
echo "{\"engram_table_parameters\": $params, \"mem_available_kb\": $available_kb}" > "$OUT/table_size.json"
step table4_dense4b "$bench" speed --model dense-4b --device cuda --dtype bfloat16 --workload nano-vllm --batch auto \
  --output-format json --output "$OUT/table4_dense4b.json"
step table4_dense4b_engram_device "$bench" speed --model "dense-4b+engram=$params" --device cuda --dtype bfloat16 \
  --workload nano-vllm --batch auto --output-format json --output "$OUT/table4_dense4b_engram_device.json"
step offload_dense4b_engram_host "$bench" speed --model "dense-4b+engram=$params" --device cuda --dtype bfloat16 \
  --engram-table host --batch 64 --prompt-tokens 512 --gen-tokens 128 --repetitions 3 \
  --output-format json --output "$OUT/offload_host.json"
step offload_dense4b_engram_host_cache "$bench" speed --model "dense-4b+engram=$params" --device cuda --dtype bfloat16 \
  --engram-table host --engram-cache-rows 1000000 --batch 64 --prompt-tokens 512 --gen-tokens 128 --repetitions 3 \
  --output-format json --output "$OUT/offload_host_cache.json"

# 4. The 27B pair in bfloat16.
step sweep_27b "$bench" speed --model moe-27b,engram-27b --device cuda --dtype bfloat16 --batch 1,16 \
  --prompt-tokens 512 --gen-tokens 64 --repetitions 3 --output-format json --output "$OUT/sweep_27b.json"

finished=$(date +%s)
{
  echo "{\"seconds\": $((finished - started)), \"failed\": $failed, \"steps\": ["
  (IFS=,; echo "${steps[*]}")
  echo "]}"
} > "$OUT/summary.json"
cat "$OUT/summary.json"
exit $failed
