#!/usr/bin/env python3
"""lm-evaluation-harness's HF backend, timed, on the shared local data: one side of
scripts/bench_vs_lmeval.sh.

    lmeval_timed_run.py mmlu|bbh_cot_fewshot MODEL_DIR LIMIT OUT.json [BATCH_SIZE]

Builds lm-eval's own task configs (mmlu_<subject> 5-shot; bbh_cot_fewshot_<subtask>) pointed at
/work/shared/datasets as scripts/gen_lmeval_protocol_fixtures.py does, runs them with
lm_eval.models.huggingface.HFLM (float32, CPU, the given batch size, default 1) on the first LIMIT
documents of every subtask, and writes, per document, the SHA-256 of its context and the
prediction (MMLU: the index of the highest log-likelihood; BBH: the generated text and the
extracted answer), with the wall seconds of the evaluation (model load excluded) and the token
counts lm-eval's requests hold.
"""
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_lmeval_protocol_fixtures as fixtures  # noqa: E402  (its lm-eval task builder and MMLU conversion)

import torch  # noqa: E402
from lm_eval import evaluator  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_tasks(builder, family, tmp):
    tasks = all_tasks(builder, family, tmp)
    wanted = os.environ.get("LMEVAL_SUBTASKS")  # a comma-separated subset, for quick checks
    if wanted:
        tasks = {name: task for name, task in tasks.items() if name[len(family) + 1:] in wanted.split(",")}
    return tasks


def all_tasks(builder, family, tmp):
    if family == "mmlu":
        files = fixtures.mmlu_json_files(tmp)
        return {f"mmlu_{s}": builder.task(f"mmlu_{s}", {"data_files": f}, num_fewshot=5) for s, f in sorted(files.items())}
    if family == "bbh_cot_fewshot":
        tasks, _ = fixtures.bbh_tasks(builder, family)
        return {f"{family}_{s}": t for s, t in sorted(tasks.items())}
    sys.exit(f"unknown task family {family!r} (mmlu, bbh_cot_fewshot)")


def documents(family, samples, lm):
    out = []
    for task_name, rows in sorted(samples.items()):
        subtask = task_name[len(family) + 1:]
        for row in sorted(rows, key=lambda r: r["doc_id"]):
            context = row["arguments"][0][0]
            entry = {"subtask": subtask, "doc_index": row["doc_id"], "prompt_sha256": sha256(context),
                     "prompt_tokens": len(lm.tok_encode(context))}
            if family == "mmlu":
                scores = [r[0] for r in row["filtered_resps"]]
                entry["prediction"] = max(range(len(scores)), key=lambda i: scores[i])
                entry["logprobs"] = scores
            else:
                entry["response"] = row["resps"][0][0]
                entry["filtered"] = row["filtered_resps"][0]
            out.append(entry)
    return out


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    family, model_dir, limit, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    batch_size = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    builder = fixtures.Builder()
    with tempfile.TemporaryDirectory() as tmp:
        tasks = build_tasks(builder, family, tmp)
        load_start = time.perf_counter()
        lm = HFLM(pretrained=model_dir, device="cpu", dtype="float32", batch_size=batch_size)
        load_seconds = time.perf_counter() - load_start
        start = time.perf_counter()
        result = evaluator.evaluate(lm=lm, task_dict=tasks, limit=limit, log_samples=True)
        seconds = time.perf_counter() - start
    docs = documents(family, result["samples"], lm)
    payload = {"tool": "lm-evaluation-harness", "lm_eval_version": fixtures.lm_eval.__version__,
               "torch_version": torch.__version__, "torch_threads": torch.get_num_threads(),
               "family": family, "limit": limit, "batch_size": batch_size, "model": model_dir,
               "load_seconds": load_seconds, "eval_seconds": seconds, "documents": docs}
    tmp_out = out_path.with_suffix(out_path.suffix + ".tmp")
    tmp_out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp_out, out_path)
    print(f"lm-eval {family}: {len(docs)} documents in {seconds:.1f} s (model load {load_seconds:.1f} s)")


if __name__ == "__main__":
    main()
