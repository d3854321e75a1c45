#!/usr/bin/env bash
# Fuzzes a header parser with libFuzzer (clang, ASan + UBSan) and grows its corpus in
# tests/fuzz/corpus/<target>_header, which CI replays as a regression test (FuzzCorpus.*).
#   bash scripts/fuzz.sh [safetensors|gguf] [seconds]      default safetensors, 180 s
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target=safetensors
if [[ "${1:-}" == safetensors || "${1:-}" == gguf ]]; then target="$1"; shift; fi
seconds="${1:-180}"
case "$target" in
  safetensors) sources=(harness/io/safetensors_header.cc); dict=(-dict=tests/fuzz/safetensors.dict) ;;
  gguf) sources=(harness/io/gguf_header.cc harness/io/gguf_types.cc); dict=(-dict=tests/fuzz/gguf.dict) ;;
esac
mkdir -p build-fuzz
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DENGRAM_LIBFUZZER -I. "${sources[@]}" "tests/fuzz/${target}_header_target.cc" \
  -o "build-fuzz/fuzz_${target}_header"
corpus="tests/fuzz/corpus/${target}_header"
scratch="build-fuzz/corpus-new-${target}"
mkdir -p "$scratch"
"./build-fuzz/fuzz_${target}_header" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 "${dict[@]}" \
  "$scratch" "$corpus"
# Keep a minimal set that covers everything found.
"./build-fuzz/fuzz_${target}_header" -merge=1 "$corpus" "$scratch"
rm -rf "$scratch"
