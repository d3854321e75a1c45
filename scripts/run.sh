#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs `engram-bench run`
# (arguments are passed through).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh >&2
exec "${ENGRAM_BUILD_DIR:-build}/harness/engram-bench" run "$@"
