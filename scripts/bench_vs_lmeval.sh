#!/usr/bin/env bash
# engram-bench against lm-evaluation-harness's HF backend on the same CPU, back to back in one
# invocation: the same tasks, documents and model (a Hugging Face folder), the wall time of each
# evaluation (model load excluded on both sides), and the predictions compared document by document.
#
#   scripts/bench_vs_lmeval.sh [--model-dir DIR] [--mmlu-subjects A,B|all] [--mmlu-limit N]
#                              [--bbh-subtasks A,B|all] [--bbh-limit N] [--threads T]
#                              [--batch-size B] [--out DIR] [--skip-bbh] [--skip-mmlu]
#
# Defaults (the run in results/engine-vs-lmeval/, sized for a 2-core machine shared with other
# work): /work/models/smollm2-135m-instruct-hf; MMLU 5-shot on the first 10 test questions of 4
# subjects (the first four of every 6th subject in alphabetical order); BBH CoT (3-shot) on the
# first 3 items of boolean_expressions and sports_understanding; `all` takes every subject or
# subtask; 1 thread on both sides
# (OMP_WAIT_POLICY=PASSIVE on both, so neither spins on a shared machine), our batch size 8,
# lm-eval's batch size 1 (its default). lm-eval runs from $LMEVAL_PYTHON (default
# /work/venvs/hf/bin/python: lm-eval 0.4.13 with transformers); its tasks are its own YAML configs
# pointed at the local data (scripts/lmeval_timed_run.py). Writes OUT/summary.json and
# OUT/summary.md, with the machine's load average before and after each run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model_dir=/work/models/smollm2-135m-instruct-hf
mmlu_subjects=abstract_algebra,college_chemistry,conceptual_physics,high_school_biology
mmlu_limit=10
bbh_subtasks=boolean_expressions,sports_understanding
bbh_limit=3
threads=1
batch=8
out="$root/bench-vs-lmeval"
run_mmlu=1
run_bbh=1
while [ $# -gt 0 ]; do
  case "$1" in
    --model-dir) model_dir="$2"; shift 2 ;;
    --mmlu-subjects) mmlu_subjects="$2"; shift 2 ;;
    --mmlu-limit) mmlu_limit="$2"; shift 2 ;;
    --bbh-subtasks) bbh_subtasks="$2"; shift 2 ;;
    --bbh-limit) bbh_limit="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --batch-size) batch="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --skip-bbh) run_bbh=0; shift ;;
    --skip-mmlu) run_mmlu=0; shift ;;
    *) echo "bench_vs_lmeval.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bench="${ENGRAM_BENCH:-$root/build/harness/engram-bench}"
python="${LMEVAL_PYTHON:-/work/venvs/hf/bin/python}"
[ -x "$bench" ] || { echo "bench_vs_lmeval.sh: no engram-bench at $bench (build first)" >&2; exit 1; }
[ -f "$model_dir/config.json" ] || { echo "bench_vs_lmeval.sh: $model_dir/config.json not found" >&2; exit 1; }
mkdir -p "$out"
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OMP_WAIT_POLICY=PASSIVE TQDM_DISABLE=1
export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

load() { cut -d' ' -f1-3 /proc/loadavg; }
# Our task spec (TASK:a+b) and lm-eval's subset (LMEVAL_SUBTASKS=a,b) for a list, or everything.
spec() { if [ "$2" = all ]; then echo "$1"; else echo "$1:${2//,/+}"; fi; }
subset() { if [ "$1" = all ]; then echo ""; else echo "$1"; fi; }
# Runs one side, recording its load averages; engram-bench's eval time comes from its own clock.
timed() {
  local name="$1"; shift
  local before; before="$(load)"
  local start; start="$(date +%s.%N)"
  "$@" > "$out/$name.log" 2>&1 || { echo "bench_vs_lmeval.sh: $name failed, see $out/$name.log" >&2; tail -20 "$out/$name.log" >&2; exit 1; }
  local end; end="$(date +%s.%N)"
  printf '{"name": "%s", "process_seconds": %s, "load_before": "%s", "load_after": "%s"}\n' \
    "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b - a}')" "$before" "$(load)" > "$out/$name.time.json"
}

if [ "$run_mmlu" = 1 ]; then
  timed ours_mmlu "$bench" eval --model "hf:$model_dir" --tasks "$(spec mmlu "$mmlu_subjects")" --limit "$mmlu_limit" --batch-size "$batch" \
    --quiet --output "$out/ours_mmlu.json"
  LMEVAL_SUBTASKS="$(subset "$mmlu_subjects")" timed lmeval_mmlu "$python" "$root/scripts/lmeval_timed_run.py" mmlu "$model_dir" "$mmlu_limit" "$out/lmeval_mmlu.json"
fi
if [ "$run_bbh" = 1 ]; then
  timed ours_bbh "$bench" eval --model "hf:$model_dir" --tasks "$(spec bbh_cot_fewshot "$bbh_subtasks")" --limit "$bbh_limit" --batch-size "$batch" \
    --quiet --output "$out/ours_bbh.json"
  LMEVAL_SUBTASKS="$(subset "$bbh_subtasks")" timed lmeval_bbh "$python" "$root/scripts/lmeval_timed_run.py" bbh_cot_fewshot "$model_dir" "$bbh_limit" "$out/lmeval_bbh.json"
fi
"$python" "$root/scripts/bench_vs_lmeval_summary.py" "$out" "$threads" "$batch"
