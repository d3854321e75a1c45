#!/usr/bin/env python3
"""Write the lm-evaluation-harness protocol fixtures under tests/data/protocols/.

lm-eval's own task configs (PyPI `lm-eval`, its YAMLs and filter code; nothing of ours is imported) are
pointed at the shared local data and asked to build their requests, without running a model:

  mmlu_requests.json       mmlu_<subject> (the `mmlu` group, 5-shot): per test item the SHA-256 of the
                           context and the scored continuations; the dev rows the first_n sampler took;
                           the full context of item 0 of every subject.
  bbh_requests.json        bbh_cot_fewshot, bbh_fewshot, bbh_zeroshot, bbh_cot_zeroshot: per item the
                           SHA-256 of the context; per subtask the generation kwargs (after lm-eval's
                           normalize_gen_kwargs with HFLM's default budget), the fixed exemplars, the
                           filter names; the full context of item 0; the group's aggregated filter.
  bbh_filters.json         a corpus of model-like answers per subtask (gold, wrong, CoT endings, number
                           words, "tells the truth", option text, no answer...) and, for every variant,
                           each filter's output on each answer and lm-eval's exact_match of that output
                           (process_results); an exception lm-eval raises is recorded as {"error": ...}.
  humaneval_requests.json  humaneval: per problem the context SHA-256 and the full text of a few; the
                           generation kwargs.

Data: /work/shared/datasets (or $ENGRAM_SHARED/datasets); see each folder's MANIFEST.md. The tasks'
`dataset_path` is overridden to the `json` builder on local files: BBH's bbh/<t>.json (field
"examples"), HumanEval.jsonl.gz, and MMLU's CSVs converted to JSON lines in the cais/mmlu layout
({question, subject, choices: [4], answer: 0-3}; the CSVs are that dataset's export, MANIFEST.md).
There is no network: HF_DATASETS_OFFLINE is set, and humaneval's utils.py, which loads the `code_eval`
metric from the Hub at import, gets a stand-in metric (only the metric; requests do not use it).

Run (outside the project's venv):
    python3 -m venv /work/venvs/lmeval && /work/venvs/lmeval/bin/pip install lm-eval word2number
    /work/venvs/lmeval/bin/python scripts/gen_lmeval_protocol_fixtures.py [bbh] [humaneval] [mmlu]
(about 7 minutes for all; the output is deterministic for a given lm-eval version.)
"""
import csv
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TQDM_DISABLE", "1")

import evaluate  # noqa: E402

_real_evaluate_load = evaluate.load


def _offline_evaluate_load(name, *args, **kwargs):
    if name == "code_eval":  # humaneval/utils.py loads it at import; building requests never calls it
        class _NoExecution:
            def compute(self, **_):
                return [{"pass@1": 0.0}]
        return _NoExecution()
    return _real_evaluate_load(name, *args, **kwargs)


evaluate.load = _offline_evaluate_load

import lm_eval  # noqa: E402
from lm_eval.api.instance import Instance  # noqa: E402
from lm_eval.models.utils import normalize_gen_kwargs  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "protocols"
SHARED = Path(os.environ.get("ENGRAM_SHARED", "/work/shared")) / "datasets"
HFLM_DEFAULT_MAX_GEN_TOKS = 256  # lm_eval.models.huggingface.HFLM.max_gen_toks
BBH_VARIANTS = ["bbh_cot_fewshot", "bbh_fewshot", "bbh_zeroshot", "bbh_cot_zeroshot"]


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_json(name, payload):
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = OUT / (name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(OUT / name)
    print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)")


class Builder:
    """Builds one registered lm-eval task with its dataset redirected to local files."""

    def __init__(self):
        self.manager = TaskManager()

    def task(self, name, data_files, **overrides):
        entry = self.manager._entry(name)
        if entry is None:
            raise KeyError(f"lm-eval {lm_eval.__version__} has no task {name}")
        spec = {"dataset_path": "json", "dataset_name": None, "dataset_kwargs": data_files, **overrides}
        return self.manager._factory.build(entry, overrides=spec, registry=self.manager._index)

    def group_config(self, group):
        """The group's YAML as lm-eval reads it (its member names and aggregate_metric_list)."""
        return self.manager._factory._load_full_config(self.manager._entry(group))


def generation_kwargs(instance):
    raw = dict(instance.args[1])
    normalized = normalize_gen_kwargs(dict(raw), HFLM_DEFAULT_MAX_GEN_TOKS)
    return {"raw": raw, "effective": {k: normalized[k] for k in ("until", "max_gen_toks", "do_sample")
                                      if k in normalized}}


# --------------------------------------------------------------------------------------------- MMLU

def mmlu_json_files(tmp):
    """The CSVs as cais/mmlu rows, one JSON-lines file per subject and split."""
    files = {}
    for split in ("dev", "test"):
        for path in sorted((SHARED / "mmlu" / split).glob(f"*_{split}.csv")):
            subject = path.name[: -len(f"_{split}.csv")]
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f))
            if rows[0] != ["question", "choice0", "choice1", "choice2", "choice3", "answer"]:
                sys.exit(f"{path}: unexpected header {rows[0]}")
            out = Path(tmp) / f"{subject}_{split}.jsonl"
            with out.open("w", encoding="utf-8") as f:
                for r in rows[1:]:
                    doc = {"question": r[0], "subject": subject, "choices": r[1:5], "answer": int(r[5])}
                    f.write(json.dumps(doc, ensure_ascii=False) + "\n")
            files.setdefault(subject, {})[split] = str(out)
    return files


def mmlu_fixture(builder):
    subjects = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = mmlu_json_files(tmp)
        for subject, data_files in sorted(files.items()):
            task = builder.task(f"mmlu_{subject}", {"data_files": data_files}, num_fewshot=5)
            task.build_all_requests()
            by_doc = {}
            for inst in task.instances:
                by_doc.setdefault(inst.doc_id, []).append(inst)
            items, continuations = [], None
            for doc_id in range(len(by_doc)):
                insts = sorted(by_doc[doc_id], key=lambda i: i.idx)
                contexts = {i.args[0] for i in insts}
                assert len(contexts) == 1, (subject, doc_id)
                conts = [i.args[1] for i in insts]
                continuations = continuations or conts
                assert conts == continuations, (subject, doc_id, conts)
                items.append(sha256(insts[0].args[0]))
            # first_n returns the leading rows of its pool, the dev split in order; positions by
            # identity (a subject's dev split may hold equal rows).
            pool = task.sampler.fewshot_docs()
            assert [dict(d) for d in pool] == list(task.dataset["dev"]), subject
            shots = task.sampler.sample(5)
            subjects[subject] = {
                "items": items,
                "continuations": continuations,
                "gold": [doc["answer"] for doc in task.test_docs()],
                "fewshot_dev_rows": [next(i for i, d in enumerate(pool) if d is s) for s in shots],
                "description": task.config.description,
                "full": {"0": by_doc[0][0].args[0]},
            }
    return {"lm_eval_version": lm_eval.__version__, "task": "mmlu (default, num_fewshot 5)",
            "items": sum(len(s["items"]) for s in subjects.values()), "subjects": subjects}


# ---------------------------------------------------------------------------------------------- BBH

def bbh_tasks(builder, variant):
    group = builder.group_config(variant)
    aggregate = group.get("aggregate_metric_list") or []
    tasks = {}
    for name in group["task"]:
        subtask = name[len(variant) + 1:]
        data = {"data_files": {"test": str(SHARED / "bbh" / "bbh" / f"{subtask}.json")}, "field": "examples"}
        tasks[subtask] = builder.task(name, data)
    filter_lists = [a.get("filter_list") for a in aggregate]  # null: every filter the subtasks have
    return tasks, filter_lists


def bbh_requests(tasks):
    out = {}
    for subtask, task in sorted(tasks.items()):
        task.build_all_requests()
        insts = sorted(task.instances, key=lambda i: i.doc_id)
        kwargs = [generation_kwargs(i) for i in insts]
        assert all(k == kwargs[0] for k in kwargs), subtask
        samples = task.fewshot_cfg.samples if task.config.fewshot_config else None
        out[subtask] = {
            "items": [sha256(i.args[0]) for i in insts],
            "generation": kwargs[0],
            "num_fewshot": task.config.num_fewshot,
            "fewshot_samples": samples or [],
            "filters": [f.name for f in task._filters],
            "full": {"0": insts[0].args[0]},
        }
    return out


def option_texts(doc_input):
    import re
    return [m.strip() for m in re.findall(r"\([A-Z]\)([^\n^(]*)", doc_input)]


SPECIFIC_ANSWERS = {
    "web_of_lies": ["So Jerry tells the truth.", "Jerry does not tell the truth.", "Therefore, Fidel is telling the truth",
                    "Kristian is not telling the truth. So the answer is No.", "YES", "Yes, she tells the truth.",
                    "Does Jerry tell the truth? no.", "Ka lies. So Jerry is not telling the truth. The answer: Yes."],
    "object_counting": ["The answer is twelve.", "There are twenty-one objects.", "seven apples and three pears: ten",
                        "someone often counts", "one thousand two thousand", "negative five", "a trillion",
                        "So the answer is -12.", "fifty five and a hundred", "I have 3 and then eleven",
                        "thousand five", "one, two, three", "fourteen hundred", "nine", "seventy seven",
                        "a hundred and one", "two million three thousand and forty"],
    "multistep_arithmetic_two": ["So the answer is -45.", "minus forty-five", "= 12 - 7 = 5. So the answer is 5.",
                                 "two hundred and six", "eighty eight", "nothing"],
    "boolean_expressions": ["true", "False.", "The expression is True, not False.", "So the answer is True."],
    "formal_fallacies": ["invalid", "The argument is valid.", "Valid", "It is not valid; invalid."],
    "sports_understanding": ["plausible", "not plausible", "It is implausible.", "Yes, plausible.", "No"],
    "causal_judgement": ["Yes", "no", "No, he did not.", "YES."],
    "navigate": ["Yes", "no", "No, you do not return.", "Yes. So the answer is Yes."],
    "dyck_languages": [") ]", "The sequence closes with ] }", "So the answer is > ) }.", "[ ( < > ) ]"],
    "word_sorting": ["apple banana", "So the answer is zebra apple apple.", "no words here"],
}


def bbh_corpus(subtask, docs):
    """Model-like answers for the first docs of a subtask (doc index, text)."""
    corpus = []
    targets = [d["target"] for d in docs]
    for index in range(min(3, len(docs))):
        doc = docs[index]
        gold = doc["target"]
        wrong = next((t for t in targets if t != gold), gold + "x")
        answers = [gold, " " + gold, f"So the answer is {gold}.", f"Let's think step by step. So the answer is {wrong}.",
                   f"The answer is {gold}.", f"The final answer: {gold}.", f"The answer: {wrong}.", wrong, "",
                   "I don't know.", f"the answer is {gold}.\n\nQ: next", f"{gold}. Actually, {wrong}.",
                   gold.lower(), gold.upper(), f"({gold})", f"answer: {gold.strip('()')}"]
        options = option_texts(doc["input"])
        if options:
            letter = gold.strip("()")
            gold_option = options[ord(letter) - ord("A")] if len(letter) == 1 and ord(letter) - ord("A") < len(options) else options[0]
            answers += [gold_option, f"I pick {gold_option.lower()}.", f"It is {options[-1]}, not {options[0]}.",
                        f"Answer: {letter}", "(A)", "a)", f"The answer is {letter}"]
        if subtask == "word_sorting":
            words = doc["input"].split("List:")[1].split()
            answers += [" ".join(sorted(words)), " ".join(words), " ".join(words[:2] + words[:1])]
        answers += SPECIFIC_ANSWERS.get(subtask, [])
        corpus += [{"doc": index, "response": a} for a in answers]
    return corpus


def apply_filters(task, doc, doc_id, response):
    """Each filter ensemble of `task` on one response, alone, with lm-eval's exact_match of its output."""
    out = {}
    for ensemble in task._filters:
        inst = Instance(request_type="generate_until", doc=doc, arguments=("", {}), idx=0,
                        metadata=(task.config.task, doc_id, 1))
        inst.resps = [response]
        try:
            ensemble.apply([inst])
            value = inst.filtered_resps[ensemble.name]
            value = value[0] if isinstance(value, list) else value
            score = task.process_results(doc, [value])["exact_match"]
            out[ensemble.name] = {"output": value, "exact_match": float(score)}
        except Exception as error:  # lm-eval would abort the run here
            out[ensemble.name] = {"error": f"{type(error).__name__}: {error}"}
    return out


def bbh_fixtures(builder):
    requests, filters, corpus_by_subtask = {}, {}, {}
    for variant in BBH_VARIANTS:
        tasks, aggregated = bbh_tasks(builder, variant)
        requests[variant] = {"aggregated_filter": aggregated, "subtasks": bbh_requests(tasks)}
        filters[variant] = {}
        for subtask, task in sorted(tasks.items()):
            docs = list(task.test_docs())
            corpus = corpus_by_subtask.setdefault(subtask, bbh_corpus(subtask, docs))
            filters[variant][subtask] = [apply_filters(task, docs[c["doc"]], c["doc"], c["response"]) for c in corpus]
        print(f"{variant}: {len(tasks)} subtasks")
    meta = {"lm_eval_version": lm_eval.__version__}
    return {**meta, "variants": requests}, {**meta, "corpus": corpus_by_subtask, "outputs": filters}


# ---------------------------------------------------------------------------------------- HumanEval

def humaneval_fixture(builder):
    task = builder.task("humaneval", {"data_files": {"test": str(SHARED / "humaneval" / "HumanEval.jsonl.gz")}})
    task.build_all_requests()
    insts = sorted(task.instances, key=lambda i: i.doc_id)
    kwargs = [generation_kwargs(i) for i in insts]
    assert all(k == kwargs[0] for k in kwargs)
    return {"lm_eval_version": lm_eval.__version__,
            "task_ids": [i.doc["task_id"] for i in insts],
            "items": [sha256(i.args[0]) for i in insts],
            "generation": kwargs[0],
            "repeats": task.config.repeats,
            "filters": [f.name for f in task._filters],
            "full": {str(k): insts[k].args[0] for k in (0, 32, 163)}}


def main():
    if not SHARED.is_dir():
        sys.exit(f"no shared datasets at {SHARED} (set ENGRAM_SHARED)")
    wanted = set(sys.argv[1:]) or {"bbh", "humaneval", "mmlu"}  # e.g. `... mmlu` rewrites that one only
    builder = Builder()
    if "bbh" in wanted:
        bbh_requests_json, bbh_filters_json = bbh_fixtures(builder)
        write_json("bbh_requests.json", bbh_requests_json)
        write_json("bbh_filters.json", bbh_filters_json)
    if "humaneval" in wanted:
        write_json("humaneval_requests.json", humaneval_fixture(builder))
    if "mmlu" in wanted:
        write_json("mmlu_requests.json", mmlu_fixture(builder))


if __name__ == "__main__":
    main()
