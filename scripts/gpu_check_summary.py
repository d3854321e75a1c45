#!/usr/bin/env python3
"""Writes OUT/summary.json for scripts/gpu-check.sh: every step's status and seconds, and table 4
(the paper's numbers beside ours), and prints the table-4 comparison.

Usage: gpu_check_summary.py OUT SECONDS FAILED
"""
import json
import sys
from pathlib import Path

# Table 4 of the paper (H800, nano-vLLM, 512 sequences of Uniform(100, 1024), one 100B-parameter
# Engram layer in host memory, no cache): output tokens per second.
PAPER = {"backbone": "4B-Dense", "baseline_tok_s": 9031.62, "engram_tok_s": 8858.28, "table_parameters": 100e9,
         "hardware": "NVIDIA H800", "num_seqs": 512}


def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def offload_run(section):
    runs = (section or {}).get("offload", {}).get("runs", [])
    return runs[0] if runs else None


def table4(out):
    host = read_json(out / "table4_host.json")
    cached = offload_run(read_json(out / "table4_host_cache.json"))
    run = offload_run(host)
    ours = {"baseline_tok_s": run.get("baseline_tok_s") if run else None,
            "engram_tok_s": run.get("tok_s") if run else None,
            "engram_cached_tok_s": cached.get("tok_s") if cached else None,
            "table_parameters": run.get("table_parameters") if run else None,
            "device_bytes_saved": run.get("device_bytes_saved") if run else None,
            "overlap_fraction": run.get("overlap_fraction") if run else None,
            "stall_ms": run.get("stall_ms") if run else None,
            "cache_hit_rate": cached.get("cache_hit_rate") if cached else None,
            "setup": read_json(out / "table4_setup.json")}
    for key, tok_s in (("overhead_pct", ours["engram_tok_s"]), ("cached_overhead_pct", ours["engram_cached_tok_s"])):
        base = ours["baseline_tok_s"]
        ours[key] = 100 * (1 - tok_s / base) if base and tok_s else None
    paper = dict(PAPER, overhead_pct=100 * (1 - PAPER["engram_tok_s"] / PAPER["baseline_tok_s"]))
    return {"paper": paper, "ours": ours}


def fmt(value, pattern="{:.1f}"):
    return "-" if value is None else pattern.format(value)


def main():
    out, seconds, failed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines() if line.strip()]
    t4 = table4(out)
    summary = {"seconds": seconds, "failed": failed, "steps": steps, "table4": t4,
               "gpu": (out / "gpu.csv").read_text() if (out / "gpu.csv").exists() else None,
               "torch": read_json(out / "torch.json")}
    temporary = out / "summary.json.tmp"
    temporary.write_text(json.dumps(summary, indent=1) + "\n")
    temporary.replace(out / "summary.json")
    p, o = t4["paper"], t4["ours"]
    print("| table 4 | baseline tok/s | + Engram (host) tok/s | overhead % | + hot-row cache tok/s | overhead % |")
    print("|---|---|---|---|---|---|")
    print(f"| paper ({p['hardware']}, {p['num_seqs']} seqs, 100B table) | {p['baseline_tok_s']:.2f} | "
          f"{p['engram_tok_s']:.2f} | {p['overhead_pct']:.2f} | - | - |")
    print(f"| ours ({fmt(o['table_parameters'], '{:.3g}')} table) | {fmt(o['baseline_tok_s'])} | {fmt(o['engram_tok_s'])} | "
          f"{fmt(o['overhead_pct'], '{:.2f}')} | {fmt(o['engram_cached_tok_s'])} | {fmt(o['cached_overhead_pct'], '{:.2f}')} |")
    print(json.dumps({"seconds": seconds, "failed": failed, "steps": steps}))


if __name__ == "__main__":
    main()
