#!/usr/bin/env python3
"""Write tests/data/python_random_cases.json: CPython's random.Random and numpy's legacy RandomState
outputs, the reference for tasks/ruler/python_random.h and numpy_legacy_random.h.

Each case is one seeded stream and a list of calls made on it in order, with CPython's results, so a
test that replays them checks the draws each call consumes as well as its values.

    python3 scripts/gen_python_random_cases.py      (any CPython >= 3.11 with numpy)
"""
import json
import random
import string
import sys
import uuid
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "python_random_cases.json"
SEEDS = [0, 1, 42, 43, 2**32 - 1, 2**32 + 5, 2**63 + 7]
SAMPLES = [(40, 1), (40, 4), (40, 40), (100, 5), (21, 21), (22, 1), (8166, 10), (8166, 300),
           (1000000, 3), (200, 150)]


def python_calls(rng):
    calls = []

    def record(op, args, result):
        calls.append({"op": op, "args": args, "result": result})

    for _ in range(3):
        record("random", [], rng.random())
    for k in [1, 7, 31, 32, 33, 53, 64]:
        record("getrandbits", [k], rng.getrandbits(k))
    record("getrandbits_hex", [128], format(rng.getrandbits(128), "x"))
    record("getrandbits_hex", [100], format(rng.getrandbits(100), "x"))
    record("uuid4", [], str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    for low, high in [(1000000, 9999999), (0, 0), (-5, 5), (0, 2**40)]:
        record("randint", [low, high], rng.randint(low, high))
    for n in [1, 2, 3, 6171620, 2**62 + 3]:
        record("randbelow", [n], rng._randbelow(n))
    for n in [26, 40]:
        record("choices_index", [n], [rng.choices(range(n))[0] for _ in range(4)])
    record("choice", [6171620], rng.choice(range(6171620)))
    for n, k in SAMPLES:
        record("sample", [n, k], rng.sample(range(n), k))
    for n in [0, 1, 2, 10, 100, 300]:
        items = list(range(n))
        rng.shuffle(items)
        record("shuffle", [n], items)
    record("random", [], rng.random())
    return calls


def numpy_calls(seed):
    np.random.seed(seed)
    calls = []
    for low, high in [(10000, 99999)] * 6 + [(0, 2), (5, 6), (0, 2**32), (-1000, 1000)]:
        calls.append({"op": "randint", "args": [low, high], "result": int(np.random.randint(low, high))})
    return calls


def main():
    doc = {
        "generator": "scripts/gen_python_random_cases.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "python_random": [{"seed": s, "calls": python_calls(random.Random(s))} for s in SEEDS],
        "numpy_legacy": [{"seed": s, "calls": numpy_calls(s)} for s in SEEDS if s < 2**32],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    tmp.replace(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
