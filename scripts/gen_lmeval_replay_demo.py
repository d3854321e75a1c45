#!/usr/bin/env python3
"""Model-like BBH answers as a replay file, and lm-eval's own scores of them: a before/after check of
the BBH filters (tasks/README-bbh.md, "Rescoring across a filter change").

Writes into OUT_DIR (outside the project):
  replay.jsonl        {"context", "response"} for bbh_cot_zeroshot and bbh_zeroshot on web_of_lies,
                      object_counting, sports_understanding and date_understanding (2,000 records; the
                      contexts are the ones lm-eval builds, so `eval --model replay:` also checks them)
  lmeval_scores.json  per "<variant>/<subtask>", each lm-eval filter's mean exact_match on those answers

    /work/venvs/lmeval/bin/python scripts/gen_lmeval_replay_demo.py OUT_DIR
    engram-bench eval --model replay:OUT_DIR/replay.jsonl --tasks bbh_cot_zeroshot:web_of_lies+object_counting+\
sports_understanding+date_understanding,bbh_zeroshot:<same> --output OUT_DIR/run.json
"""
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_lmeval_protocol_fixtures as fixtures  # noqa: E402

VARIANTS = ["bbh_cot_zeroshot", "bbh_zeroshot"]
SUBTASKS = ["web_of_lies", "object_counting", "sports_understanding", "date_understanding"]
UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}


def number_words(n):
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    return TENS[tens] + ("" if unit == 0 else "-" + UNITS[unit])


def answer(subtask, index, doc):
    """One of four answer styles per subtask, chosen by the item's index."""
    gold = doc["target"]
    if subtask == "web_of_lies":
        person = re.search(r"Does (\w+) tell the truth\?", doc["input"]).group(1)
        yes = gold == "Yes"
        return [f"Let's follow the chain. So {person} " + ("tells the truth." if yes else "does not tell the truth."),
                f"Step by step. So the answer is {gold}.",
                f"Working it out, {person} " + ("is not telling the truth." if yes else "is telling the truth."),
                gold][index % 4]
    if subtask == "object_counting":
        n = int(gold)
        return [f"Counting each one, there are {number_words(n)} items.", f"So the answer is {n}.",
                f"Counting each one, there are {number_words(n + 1)}.", f"I think {n}"][index % 4]
    if subtask == "sports_understanding":
        return ["This is plausible." if gold == "yes" else "This is not plausible.", f"So the answer is {gold}.",
                "It is implausible.", gold][index % 4]
    options = fixtures.option_texts(doc["input"])
    letter = gold.strip("()")
    position = ord(letter[0]) - ord("A") if len(letter) == 1 else -1
    text = options[position] if 0 <= position < len(options) else gold
    return [f"The date is {text}.", f"So the answer is {gold}.", f"Answer: {letter}", gold][index % 4]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    builder = fixtures.Builder()
    records, scores = [], {}
    for variant in VARIANTS:
        for subtask in SUBTASKS:
            data = {"data_files": {"test": str(fixtures.SHARED / "bbh" / "bbh" / f"{subtask}.json")}, "field": "examples"}
            task = builder.task(f"{variant}_{subtask}", data)
            task.build_all_requests()
            sums = {}
            for inst in sorted(task.instances, key=lambda i: i.doc_id):
                response = answer(subtask, inst.doc_id, inst.doc)
                records.append({"context": inst.args[0], "response": response})
                for name, result in fixtures.apply_filters(task, inst.doc, inst.doc_id, response).items():
                    sums[name] = sums.get(name, 0.0) + result.get("exact_match", 0.0)
            scores[f"{variant}/{subtask}"] = {name: total / len(task.instances) for name, total in sums.items()}
    (out / "replay.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (out / "lmeval_scores.json").write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(records)} records and lm-eval's scores to {out}")


if __name__ == "__main__":
    main()
