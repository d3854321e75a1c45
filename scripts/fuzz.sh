#!/usr/bin/env bash
# Fuzzes the safetensors header parser with libFuzzer (clang, ASan + UBSan) and grows the corpus in
# tests/fuzz/corpus/safetensors_header, which CI replays as a regression test (FuzzCorpus.*).
#   bash scripts/fuzz.sh [seconds]      default 180
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-180}"
mkdir -p build-fuzz
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DENGRAM_LIBFUZZER -I. harness/io/safetensors_header.cc tests/fuzz/safetensors_header_target.cc \
  -o build-fuzz/fuzz_safetensors_header
corpus=tests/fuzz/corpus/safetensors_header
scratch=build-fuzz/corpus-new
mkdir -p "$scratch"
./build-fuzz/fuzz_safetensors_header -max_total_time="$seconds" -max_len=4096 -dict=tests/fuzz/safetensors.dict \
  "$scratch" "$corpus"
# Keep a minimal set that covers everything found.
./build-fuzz/fuzz_safetensors_header -merge=1 "$corpus" "$scratch"
rm -rf "$scratch"
