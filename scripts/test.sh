#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every GoogleTest suite
# through CTest. Shared data is read from ../shared (override with ENGRAM_SHARED); under CI=true a
# test whose data is missing fails instead of skipping.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh
build_dir="${ENGRAM_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "$@"
