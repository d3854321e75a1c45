#!/usr/bin/env python3
"""Decode and prefill throughput of engram-bench against Hugging Face transformers, back to back.

Runs `engram-bench speed` on hf:MODEL_DIR (one run per --dtype), then transformers on the same
folder in a child process with the same thread count and OMP_WAIT_POLICY, and prints one table:

  prefill tok/s  batch B x prompt P tokens over the time to the first token (the prompt forward, the
                 last position's logits and the greedy pick)
  decode tok/s   B x (G - 1) tokens over the time from the first token to the last
Both sides generate greedily with EOS ignored; transformers' times come from its own `generate`
(a stopping criterion notes when each token is ready).

Each figure is the median of --repetitions runs after one warm-up. The machine's load average is
recorded before and after every measurement: on a shared machine the ratios mean more than the
absolute numbers. Targets (issue 15): decode >= 2x, prefill >= 1.5x.

Usage (the transformers venv needs torch and transformers):
  /work/venvs/hf/bin/python scripts/bench_vs_transformers.py \
      --model-dir /work/models/smollm2-135m-instruct-hf --threads 2 --output bench-vs-hf.json
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

DECODE_TARGET = 2.0
PREFILL_TARGET = 1.5


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def cpu_bf16_features():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"})
    except OSError:
        pass
    return []


def run_engram_bench(args, dtype, env):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "speed.json")
        command = [args.engram_bench, "speed", "--model", "hf:" + args.model_dir,
                   "--batch", ",".join(str(b) for b in args.batches),
                   "--prompt-tokens", str(args.prompt_tokens), "--gen-tokens", str(args.gen_tokens),
                   "--threads", str(args.threads), "--dtype", dtype,
                   "--repetitions", str(args.repetitions), "--warmup-max", "1",
                   "--output-format", "json", "--output", out]
        before = load_average()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"engram-bench failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
        with open(out) as f:
            section = json.load(f)
    rows = {}
    for row in section["rows"]:
        rows[row["batch"]] = {"prefill_tok_s": row["prefill_tok_s"], "decode_tok_s": row["decode_tok_s"],
                              "threads": row["threads"], "dtype": row["dtype"]}
    return {"command": command, "rows": rows, "load_before": before, "load_after": load_average()}


def hf_worker(args):
    """Runs in the child process: transformers' numbers as JSON on stdout."""
    import torch
    from transformers import AutoModelForCausalLM, StoppingCriteria, StoppingCriteriaList

    torch.set_num_threads(args.threads)
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[args.hf_dtype]
    model = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=dtype)
    model.eval()
    vocab = model.config.vocab_size
    generator = torch.Generator().manual_seed(0)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "dtype": args.hf_dtype,
              "attn_implementation": getattr(model.config, "_attn_implementation", None), "rows": {}}
    import transformers
    result["transformers"] = transformers.__version__

    class TokenClock(StoppingCriteria):
        """Called by generate after every new token: the time each token was ready."""

        def __init__(self):
            self.times = []

        def __call__(self, input_ids, scores, **kwargs):
            self.times.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool)

    def timed_generate(ids, mask):
        clock = TokenClock()
        start = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=args.gen_tokens,
                       min_new_tokens=args.gen_tokens, do_sample=False, pad_token_id=0,
                       stopping_criteria=StoppingCriteriaList([clock]))
        if len(clock.times) != args.gen_tokens:
            sys.exit(f"generate produced {len(clock.times)} tokens, expected {args.gen_tokens}")
        # As engram-bench: prefill = prompt forward + first token; decode = the steps after it.
        return clock.times[0] - start, clock.times[-1] - clock.times[0]

    for batch in args.batches:
        ids = torch.randint(0, vocab, (batch, args.prompt_tokens), generator=generator)
        mask = torch.ones_like(ids)
        before = load_average()
        with torch.inference_mode():
            timed_generate(ids, mask)  # warm-up
            runs = [timed_generate(ids, mask) for _ in range(args.repetitions)]
        prefill = statistics.median(r[0] for r in runs)
        decode = statistics.median(r[1] for r in runs)
        result["rows"][batch] = {"prefill_tok_s": batch * args.prompt_tokens / prefill,
                                 "decode_tok_s": batch * (args.gen_tokens - 1) / decode,
                                 "load_before": before, "load_after": load_average()}
    json.dump(result, sys.stdout)


def run_transformers(args, env):
    command = [sys.executable, os.path.abspath(__file__), "--hf-worker", "--model-dir", args.model_dir,
               "--threads", str(args.threads), "--batches", ",".join(str(b) for b in args.batches),
               "--prompt-tokens", str(args.prompt_tokens), "--gen-tokens", str(args.gen_tokens),
               "--repetitions", str(args.repetitions), "--hf-dtype", args.hf_dtype]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"transformers run failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout)
    result["rows"] = {int(k): v for k, v in result["rows"].items()}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default="/work/models/smollm2-135m-instruct-hf")
    parser.add_argument("--engram-bench", default=os.path.join(os.path.dirname(__file__), "..", "build", "harness", "engram-bench"))
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--gen-tokens", type=int, default=32)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--dtypes", default="float32,bfloat16", help="engram-bench weight dtypes, one run each")
    parser.add_argument("--hf-dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--omp-wait-policy", default="PASSIVE",
                        help="OMP_WAIT_POLICY for both programs (engram-bench's own default is PASSIVE)")
    parser.add_argument("--output", help="write the results here as JSON")
    parser.add_argument("--hf-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    if args.gen_tokens < 2:
        sys.exit("--gen-tokens must be at least 2 (decode is measured after the first token)")
    if args.hf_worker:
        hf_worker(args)
        return
    if not os.path.exists(os.path.join(args.model_dir, "config.json")):
        sys.exit(f"--model-dir {args.model_dir}: no config.json")
    env = dict(os.environ, OMP_WAIT_POLICY=args.omp_wait_policy, OMP_NUM_THREADS=str(args.threads))

    report = {"host": platform.node(), "cpu_bf16_features": cpu_bf16_features(), "online_cores": os.cpu_count(),
              "affinity_cores": len(os.sched_getaffinity(0)), "threads": args.threads,
              "omp_wait_policy": args.omp_wait_policy, "prompt_tokens": args.prompt_tokens,
              "gen_tokens": args.gen_tokens, "repetitions": args.repetitions, "engram_bench": {}}
    for dtype in args.dtypes.split(","):
        report["engram_bench"][dtype] = run_engram_bench(args, dtype, env)
    report["transformers"] = run_transformers(args, env)

    hf = report["transformers"]
    print(f"threads {args.threads}, OMP_WAIT_POLICY={args.omp_wait_policy}, prompt {args.prompt_tokens}, "
          f"gen {args.gen_tokens}, CPU bf16 features: {', '.join(report['cpu_bf16_features']) or 'none'}")
    print(f"transformers {hf['transformers']} (torch {hf['torch']}, {hf['dtype']}, attention {hf['attn_implementation']})")
    print("| engram-bench dtype | batch | prefill tok/s (HF) | prefill x | decode tok/s (HF) | decode x | load avg |")
    print("|---|---|---|---|---|---|---|")
    report["ratios"] = []
    for dtype, ours in report["engram_bench"].items():
        for batch in args.batches:
            mine, theirs = ours["rows"][batch], hf["rows"][batch]
            prefill_x = mine["prefill_tok_s"] / theirs["prefill_tok_s"]
            decode_x = mine["decode_tok_s"] / theirs["decode_tok_s"]
            report["ratios"].append({"dtype": dtype, "batch": batch, "prefill_x": prefill_x, "decode_x": decode_x,
                                     "prefill_target_met": prefill_x >= PREFILL_TARGET,
                                     "decode_target_met": decode_x >= DECODE_TARGET})
            print(f"| {dtype} | {batch} | {mine['prefill_tok_s']:.1f} ({theirs['prefill_tok_s']:.1f}) | {prefill_x:.2f} "
                  f"| {mine['decode_tok_s']:.1f} ({theirs['decode_tok_s']:.1f}) | {decode_x:.2f} "
                  f"| {ours['load_before'][0]} / {theirs['load_before'][0]} |")
    print(f"targets: decode >= {DECODE_TARGET}x, prefill >= {PREFILL_TARGET}x")
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=1)
        os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
