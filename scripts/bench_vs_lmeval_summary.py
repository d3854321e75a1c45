#!/usr/bin/env python3
"""Summarises scripts/bench_vs_lmeval.sh's runs: wall times, rates, speed-up and the predictions
compared document by document (same prompt hash, same MMLU answer / same BBH extracted answer).

    bench_vs_lmeval_summary.py OUT_DIR THREADS OUR_BATCH
"""
import json
import os
import platform
import sys
from pathlib import Path


def load_ours(out, family):
    report = json.loads((out / f"ours_{family}.json").read_text())
    docs = {}
    with (out / f"ours_{family}.samples.jsonl").open() as f:
        for line in f:
            record = json.loads(line)
            docs[(record["subtask"], record["doc_index"])] = record
    return report, docs


def compare(out, family, lm_family):
    report, ours = load_ours(out, family)
    theirs = json.loads((out / f"lmeval_{family}.json").read_text())
    same_prompt = same_prediction = 0
    max_logprob_diff = 0.0
    missing = []
    for doc in theirs["documents"]:
        record = ours.get((doc["subtask"], doc["doc_index"]))
        if record is None:
            missing.append(f'{doc["subtask"]}/{doc["doc_index"]}')
            continue
        same_prompt += record["prompt_hash"] == doc["prompt_sha256"]
        if family == "mmlu":
            scores = [r["logprob"] for r in record["response"]]
            prediction = max(range(len(scores)), key=lambda i: scores[i])
            same_prediction += prediction == doc["prediction"]
            max_logprob_diff = max(max_logprob_diff, *(abs(a - b) for a, b in zip(scores, doc["logprobs"])))
        else:
            same_prediction += record["filtered"].get("get-answer") == doc["filtered"]
    ours_seconds = report["timings"]["eval_seconds"]
    theirs_seconds = theirs["eval_seconds"]
    prompt_tokens = sum(d["prompt_tokens"] for d in theirs["documents"])
    times = {side: json.loads((out / f"{side}_{family}.time.json").read_text()) for side in ("ours", "lmeval")}
    return {
        "task": lm_family, "documents": len(theirs["documents"]), "limit_per_subtask": theirs["limit"],
        "ours_eval_seconds": ours_seconds, "lmeval_eval_seconds": theirs_seconds,
        "speedup": theirs_seconds / ours_seconds,
        "ours_prompt_tok_s": prompt_tokens / ours_seconds, "lmeval_prompt_tok_s": prompt_tokens / theirs_seconds,
        "prompt_tokens": prompt_tokens,
        "same_prompt": same_prompt, "same_prediction": same_prediction, "missing_in_ours": missing,
        "max_abs_logprob_diff": max_logprob_diff if family == "mmlu" else None,
        "ours_batch_size": report["model"]["engine"].get("batch_size") if isinstance(report["model"].get("engine"), dict) else None,
        "lmeval_batch_size": theirs["batch_size"], "lmeval_version": theirs["lm_eval_version"],
        "torch_threads_lmeval": theirs["torch_threads"],
        "load_average": {side: [t["load_before"], t["load_after"]] for side, t in times.items()},
    }


def main():
    out, threads, batch = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rows = []
    for family, lm_family in (("mmlu", "mmlu (5-shot)"), ("bbh", "bbh_cot_fewshot (3-shot CoT)")):
        if (out / f"lmeval_{family}.json").exists() and (out / f"ours_{family}.json").exists():
            rows.append(compare(out, family, lm_family))
    summary = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "note": "a shared machine: other processes ran during both measurements (load averages per run)"},
               "threads": threads, "ours_batch_size": batch, "rows": rows}
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1) + "\n")
    os.replace(tmp, out / "summary.json")
    lines = ["| task | docs | engram-bench s | lm-eval s | speed-up | prompt tok/s ours / lm-eval | same prompt | same prediction | load (ours; lm-eval) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        load = "; ".join(" -> ".join(v) for v in r["load_average"].values())
        lines.append(f'| {r["task"]} | {r["documents"]} | {r["ours_eval_seconds"]:.1f} | {r["lmeval_eval_seconds"]:.1f} | '
                     f'{r["speedup"]:.2f}x | {r["ours_prompt_tok_s"]:.0f} / {r["lmeval_prompt_tok_s"]:.0f} | '
                     f'{r["same_prompt"]}/{r["documents"]} | {r["same_prediction"]}/{r["documents"]} | {load} |')
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
