#!/usr/bin/env python3
"""Generate tests/data/report/interval_cases.json: SciPy's Student-t quantiles and 95% intervals,
the reference for harness/report/compare_intervals.{h,cc} and for the intervals compare reads from a
speed row's and an offload run's raw repetitions (harness/report/compare_input.cc).

  * quantiles: scipy.stats.t.ppf((1 + confidence) / 2, df),
  * a speed row (sweep workload): per-repetition rates batch*prompt/prefill_s, batch*(gen-1)/decode_s,
    batch*gen/(prefill_s + decode_s), each with scipy.stats.t.interval(0.95, n-1, mean, sem),
  * an offload run: tok/s = batch*(prompt+gen-1)/offloaded_s per repetition, and the overhead
    100*(1 - device_s/offloaded_s) paired per repetition, with the same interval.

Rerun (from the repository root, with NumPy and SciPy, e.g. the lm-eval venv):
    /work/venvs/lmeval/bin/python scripts/gen_interval_cases.py
"""
import json
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "report" / "interval_cases.json"


def interval(values):
    values = np.asarray(values, dtype=float)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    return [float(low), float(high)]


def main():
    rng = np.random.default_rng(16)
    quantiles = [{"confidence": c, "df": df, "t": float(stats.t.ppf((1 + c) / 2, df))}
                 for c in (0.9, 0.95, 0.99) for df in (1, 2, 3, 4, 5, 9, 29, 100, 1000)]
    batch, prompt, gen, reps = 4, 128, 32, 5
    prefill_s = (0.05 * (1 + 0.08 * rng.standard_normal(reps))).round(6)
    decode_s = (0.40 * (1 + 0.05 * rng.standard_normal(reps))).round(6)
    speed_row = {"batch": batch, "prompt_tokens": prompt, "gen_tokens": gen, "repetitions": reps,
                 "prefill_s": prefill_s.tolist(), "decode_s": decode_s.tolist(),
                 "prefill_tok_s": float(np.mean(batch * prompt / prefill_s)),
                 "decode_tok_s": float(np.mean(batch * (gen - 1) / decode_s)),
                 "output_tok_s": float(np.mean(batch * gen / (prefill_s + decode_s))),
                 "intervals": {"prefill_tok_s": interval(batch * prompt / prefill_s),
                               "decode_tok_s": interval(batch * (gen - 1) / decode_s),
                               "output_tok_s": interval(batch * gen / (prefill_s + decode_s))}}
    # CPU noise: the offloaded passes are sometimes faster than the device ones.
    device_s = (0.30 * (1 + 0.15 * rng.standard_normal(6))).round(6)
    offloaded_s = (0.31 * (1 + 0.15 * rng.standard_normal(6))).round(6)
    tokens = batch * (prompt + gen - 1)
    offload_run = {"batch": batch, "prompt_tokens": prompt, "gen_tokens": gen,
                   "device_s": device_s.tolist(), "offloaded_s": offloaded_s.tolist(),
                   "tok_s_interval": interval(tokens / offloaded_s),
                   "overhead_pct_interval": interval(100 * (1 - device_s / offloaded_s))}
    body = {"generator": "scripts/gen_interval_cases.py", "scipy_version": scipy.__version__,
            "quantiles": quantiles, "speed_row": speed_row, "offload_run": offload_run}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(body, indent=1) + "\n")


if __name__ == "__main__":
    main()
