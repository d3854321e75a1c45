#!/usr/bin/env python3
"""Generate tests/data/humaneval/early_exit_reference.json: upstream human-eval's verdicts on
completions that end the process early (exit, sys.exit, SystemExit, os._exit, quit), on attempts to
forge a "passed" through descriptors, and on two controls (the canonical solution, a wrong answer).

The verdicts come from openai/human-eval's own `check_correctness` (human_eval/execution.py), run
from a copy outside this repository; nothing of it is committed. tests/humaneval/test_early_exit.cc
asserts that our sandbox reaches the same passed/failed verdict on every completion.

Setup (outside the project; the upstream commit used is recorded in the fixture):
    mkdir -p /work/venvs/human-eval/src && cd /work/venvs/human-eval/src
    git --git-dir=<openai/human-eval clone>/.git archive HEAD | tar -x
    # upstream ships the `exec(check_program, exec_globals)` line commented out in some releases:
    # uncomment it in this copy only.
Rerun (from the repository root):
    python3 scripts/gen_humaneval_early_exit_reference.py --human-eval /work/venvs/human-eval/src \
        --problems ../shared/datasets/humaneval/HumanEval.jsonl.gz --commit <upstream commit>
"""
import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "humaneval" / "early_exit_reference.json"

# (name, task_id, completion). The completions are function bodies (what a model writes after the
# prompt); some also add top-level statements, which run before the tests are even defined.
FORGE_ALL_DESCRIPTORS = (
    "    import os\n"
    "    for fd in range(3, 4096):\n"
    "        try:\n"
    "            os.write(fd, b'passed\\n')\n"
    "        except OSError:\n"
    "            pass\n"
    "    os._exit(0)\n")
FORGE_PROC_FD_ECHO = (
    "    import os\n"
    "    fds = [int(f) for f in os.listdir('/proc/self/fd')]\n"
    "    seen = b''\n"
    "    for fd in fds:\n"
    "        try:\n"
    "            os.set_blocking(fd, False)\n"
    "            seen += os.read(fd, 4096)\n"
    "        except OSError:\n"
    "            pass\n"
    "    for fd in fds:\n"
    "        try:\n"
    "            os.write(fd, seen or b'ok')\n"
    "        except OSError:\n"
    "            pass\n"
    "    os._exit(0)\n")
CLOSE_ALL_THEN_EXIT = (
    "    import os\n"
    "    os.closerange(3, 1 << 16)\n"
    "    os._exit(0)\n")

CASES = [
    ("canonical", "HumanEval/0", None),
    ("wrong_answer", "HumanEval/0", "    return False\n"),
    ("exit_0_in_body", "HumanEval/0", "    exit(0)\n"),
    ("exit_no_arg_in_body", "HumanEval/0", "    exit()\n"),
    ("quit_in_body", "HumanEval/0", "    quit()\n"),
    ("sys_exit_0_in_body", "HumanEval/0", "    import sys\n    sys.exit(0)\n"),
    ("sys_exit_no_arg_in_body", "HumanEval/0", "    import sys\n    sys.exit()\n"),
    ("raise_system_exit_0", "HumanEval/0", "    raise SystemExit(0)\n"),
    ("raise_system_exit_class", "HumanEval/0", "    raise SystemExit\n"),
    ("os_exit_0_in_body", "HumanEval/0", "    import os\n    os._exit(0)\n"),
    ("sys_exit_1_in_body", "HumanEval/0", "    import sys\n    sys.exit(1)\n"),
    ("os_exit_3_in_body", "HumanEval/0", "    import os\n    os._exit(3)\n"),
    ("exit_0_top_level", "HumanEval/0", "    return False\nexit(0)\n"),
    ("sys_exit_0_top_level", "HumanEval/2", "    return number % 1.0\nimport sys\nsys.exit(0)\n"),
    ("os_exit_0_top_level", "HumanEval/2", "    return 0.0\nimport os\nos._exit(0)\n"),
    ("forge_write_all_descriptors", "HumanEval/0", FORGE_ALL_DESCRIPTORS),
    ("forge_proc_fd_echo", "HumanEval/0", FORGE_PROC_FD_ECHO),
    ("close_all_descriptors_then_exit", "HumanEval/0", CLOSE_ALL_THEN_EXIT),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--human-eval", required=True, help="folder holding upstream's human_eval package")
    ap.add_argument("--problems", required=True, help="HumanEval.jsonl.gz")
    ap.add_argument("--commit", required=True, help="the upstream commit that folder was taken from")
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args()

    sys.path.insert(0, str(Path(args.human_eval).resolve()))
    from human_eval.data import read_problems  # noqa: E402 (upstream's own code)
    from human_eval.execution import check_correctness  # noqa: E402

    problems = read_problems(args.problems)
    cases = []
    for name, task_id, completion in CASES:
        problem = problems[task_id]
        if completion is None:
            completion = problem["canonical_solution"]
        verdict = check_correctness(problem, completion, args.timeout)
        print(f"{name:34s} passed={verdict['passed']!s:5s} {verdict['result']}", file=sys.stderr)
        cases.append({"name": name, "task_id": task_id, "completion": completion,
                      "upstream_passed": verdict["passed"], "upstream_result": verdict["result"]})

    record = {
        "generator": "scripts/gen_humaneval_early_exit_reference.py",
        "reference": "openai/human-eval human_eval.execution.check_correctness",
        "upstream_commit": args.commit,
        "python": platform.python_version(),
        "timeout_s": args.timeout,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, prefix=".early_exit_reference.")
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    os.replace(tmp, OUT)
    print(f"wrote {OUT} ({len(cases)} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
