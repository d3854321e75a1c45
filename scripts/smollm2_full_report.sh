#!/usr/bin/env bash
# The full SmolLM2-135M-Instruct report, checked into results/smollm2-135m-instruct/:
# MMLU all 14,042 questions 5-shot, BBH CoT 3-shot all 27 subtasks (6,511 items), HumanEval all 164
# greedy, RULER's 13 tasks at 4K and 8K tokens; then comparison.md/.html with the authors' published
# numbers beside ours (published.json: source and protocol differences).
#
# Every run resumes: the first call starts the journal, a rerun of the same command (after a kill,
# a reboot, or a session limit) continues with --resume and reuses every finished instance, so the
# report can be built over several sessions. On a busy 2-core CPU it takes days; on one GPU, hours.
#
#   scripts/smollm2_full_report.sh                     # everything, resumable
#   MODEL=hf:/work/models/smollm2-135m-instruct-hf TASKS=mmlu scripts/smollm2_full_report.sh
#
# Environment: MODEL (default smollm2-135m, the installed GGUF), TASKS (default
# mmlu,bbh_cot_fewshot,humaneval,ruler), RULER_LENGTHS (4096,8192), RULER_SAMPLES (upstream's 500
# unless set), BATCH (auto), ENGRAM (build/harness/engram-bench), ENGRAM_DATA, OUT, PY (a python with
# only the standard library needed).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${MODEL:-smollm2-135m}
TASKS=${TASKS:-mmlu,bbh_cot_fewshot,humaneval,ruler}
RULER_LENGTHS=${RULER_LENGTHS:-4096,8192}
BATCH=${BATCH:-auto}
ENGRAM=${ENGRAM:-$ROOT/build/harness/engram-bench}
DATA=${ENGRAM_DATA:-$ROOT/../shared/datasets}
OUT=${OUT:-$ROOT/results/smollm2-135m-instruct}
PY=${PY:-python3}
REPORT=$OUT/smollm2-135m-instruct.json

mkdir -p "$OUT"
resume=()
[ -e "${REPORT%.json}.journal.jsonl" ] && resume=(--resume)
ruler_samples=()
[ -n "${RULER_SAMPLES:-}" ] && ruler_samples=(--ruler-samples "$RULER_SAMPLES")

# --max-length 8192 is SmolLM2's own window (context_length in the GGUF, max_position_embeddings in
# config.json): RULER@8192 must run on the whole prompt, never on a cut one.
"$ENGRAM" eval --model "$MODEL" --tasks "$TASKS" --ruler-lengths "$RULER_LENGTHS" "${ruler_samples[@]}" \
  --max-length 8192 --batch-size "$BATCH" --data-dir "$DATA" --output "$REPORT" "${resume[@]}"

"$ENGRAM" compare "$REPORT" --detail subtasks --format md -o "$OUT/comparison.md"
"$ENGRAM" compare "$REPORT" --detail subtasks --format html -o "$OUT/comparison.html"
"$PY" "$ROOT/scripts/smollm2_published_table.py" --report "$REPORT" --published "$OUT/published.json" \
  --markdown "$OUT/comparison.md" --html "$OUT/comparison.html"
