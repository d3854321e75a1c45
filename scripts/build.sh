#!/usr/bin/env bash
# Configures and builds everything (library, CLI, tests, benchmarks) in build/ with Ninja and ccache.
# Runs scripts/setup.sh first, so it works on a fresh machine; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
build_dir="${ENGRAM_BUILD_DIR:-build}"
jobs="${ENGRAM_JOBS:-$(nproc)}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${ENGRAM_CMAKE_ARGS:-}
fi
ninja -C "$build_dir" -j "$jobs"
