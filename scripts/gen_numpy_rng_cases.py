#!/usr/bin/env python3
"""Generate tests/data/numpy_rng_cases.json: reference vectors for engram/numpy_rng.{h,cc}.

Records, for a set of seeds (including ones over 32 and 64-bit-edge values):
  * numpy.random.default_rng(seed).integers(low, high, size=8, dtype=np.int64) for each range,
  * PCG64(seed).random_raw(4) (as decimal strings of the uint64 outputs),
  * SeedSequence(seed).generate_state(8, np.uint32).
64-bit values elsewhere are written as exact JSON integers.

Rerun (from the repository root):
    .venv/bin/python scripts/gen_numpy_rng_cases.py
"""
import json
from pathlib import Path

import numpy as np

SEEDS = [0, 1, 7, 10007 * 15, 2**32 - 1, 2**32, 2**32 + 5, 2**40 + 3, 2**63 - 1, 2**64 - 1]
RANGES = [(0, 2), (0, 1000), (0, 2**32 - 1), (0, 2**32), (0, 2**32 + 1), (0, 35672076256399),
          (0, 6597547951970512), (0, 2**62), (0, 2**63 - 1), (-1000, 1000), (5, 6)]
SIZE = 8
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "numpy_rng_cases.json"


def main():
    cases = []
    for seed in SEEDS:
        for low, high in RANGES:
            values = np.random.default_rng(seed).integers(low, high, size=SIZE, dtype=np.int64)
            cases.append({"seed": seed, "low": low, "high": high, "size": SIZE,
                          "values": [int(v) for v in values]})
    raw = []
    for seed in SEEDS:
        draws = np.random.Generator(np.random.PCG64(seed)).bit_generator.random_raw(4)
        state = np.random.SeedSequence(seed).generate_state(8, np.uint32)
        raw.append({"seed": seed, "random_raw": [str(int(v)) for v in draws],
                    "seed_sequence_state_u32": [int(v) for v in state]})
    doc = {"generator": "scripts/gen_numpy_rng_cases.py", "numpy_version": np.__version__,
           "cases": cases, "raw": raw}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="ascii")
    print(f"wrote {len(cases)} cases and {len(raw)} raw entries to {OUT}")


if __name__ == "__main__":
    main()
