#!/usr/bin/env python3
"""Generate tests/data/hash_golden_default_tables.json: hash ids from the public reference Engram
demo (deepseek-ai/Engram, engram_demo_v1.py) with its *default* table sizes ([646400, 646400],
3-grams, 8 heads, layers [1, 15]). Those primes are above 4096, so the C++ hashing takes its AVX-512
path on them, which the small golden cases in ../shared/golden/engram never reach.

The reference file is read from the path given (it is never copied into this repository). Like the
shared golden cases, the reference's CompressedTokenizer is fed its lookup table directly instead of
building it with `transformers`; everything else (multipliers, prime search, hashing) runs unchanged.
The lookup table is the formula lookup[i] = (i * 7919) % 98989 over a raw vocabulary of 129280, so the
fixture stays small; the test rebuilds it from the recorded formula.

Rerun (from the repository root), in a venv with numpy, sympy and torch:
    /work/venvs/engram-ref/bin/python scripts/gen_hash_golden_default_tables.py /path/to/engram_demo_v1.py
"""
import hashlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np

RAW_VOCAB = 129280
LOOKUP_MULTIPLIER = 7919
LOOKUP_MODULUS = 98989
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "hash_golden_default_tables.json"


def stub_tokenizer_packages():
    """The demo imports transformers and tokenizers at module level; hashing needs neither."""
    transformers = types.ModuleType("transformers")
    transformers.AutoTokenizer = None
    tokenizers = types.ModuleType("tokenizers")
    tokenizers.normalizers = None
    tokenizers.Regex = None
    sys.modules.setdefault("transformers", transformers)
    sys.modules.setdefault("tokenizers", tokenizers)


def load_reference(path):
    stub_tokenizer_packages()
    spec = importlib.util.spec_from_file_location("engram_demo_v1", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lookup = (np.arange(RAW_VOCAB, dtype=np.int64) * LOOKUP_MULTIPLIER) % LOOKUP_MODULUS

    def init_with_table(self, tokenizer_name_or_path):
        self.lookup_table = lookup
        self.num_new_token = int(len(np.unique(lookup)))

    module.CompressedTokenizer.__init__ = init_with_table
    return module, lookup


def inputs():
    rng = np.random.default_rng(20261207)
    main = rng.integers(0, RAW_VOCAB, size=(3, 64), dtype=np.int64)
    main[0, 5] = 2                      # the raw pad id inside a sequence is an ordinary token
    main[1, 0:4] = [-1, -7, RAW_VOCAB - 1, 0]
    main[2, 10] = np.iinfo(np.int64).min  # the products wrap
    main[2, 11] = -(2 ** 62)
    return main


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_hash_golden_default_tables.py PATH/TO/engram_demo_v1.py")
    reference_path = Path(sys.argv[1])
    module, lookup = load_reference(reference_path)
    cfg = module.EngramConfig()
    mapping = module.NgramHashMapping(
        engram_vocab_size=cfg.engram_vocab_size, max_ngram_size=cfg.max_ngram_size,
        n_embed_per_ngram=cfg.n_embed_per_ngram, n_head_per_ngram=cfg.n_head_per_ngram,
        layer_ids=cfg.layer_ids, tokenizer_name_or_path=None, pad_id=cfg.pad_id, seed=cfg.seed)
    ids = inputs()
    hashes = mapping.hash(ids)
    layers = []
    for layer_id in cfg.layer_ids:
        primes = [int(p) for per_ngram in mapping.vocab_size_across_layers[layer_id] for p in per_ngram]
        layers.append({"layer_id": int(layer_id),
                       "multipliers": [int(m) for m in mapping.layer_multipliers[layer_id]],
                       "list_of_N": primes,
                       "hash_ids": hashes[layer_id].astype(np.int64).tolist()})
    doc = {"generator": "scripts/gen_hash_golden_default_tables.py",
           "reference": "deepseek-ai/Engram engram_demo_v1.py (commit 11a020e54de33c1e83034fd82f7f6eb484019dca), hashing section",
           "reference_sha256": hashlib.sha256(reference_path.read_bytes()).hexdigest(),
           "numpy_version": np.__version__,
           "config": {"engram_vocab_size": [int(v) for v in cfg.engram_vocab_size],
                      "max_ngram_size": cfg.max_ngram_size, "n_embed_per_ngram": cfg.n_embed_per_ngram,
                      "n_head_per_ngram": cfg.n_head_per_ngram, "layer_ids": [int(v) for v in cfg.layer_ids],
                      "pad_id": cfg.pad_id, "seed": cfg.seed},
           "lookup": {"raw_vocab": RAW_VOCAB, "multiplier": LOOKUP_MULTIPLIER, "modulus": LOOKUP_MODULUS,
                      "formula": "lookup[i] = (i * multiplier) % modulus"},
           "tokenizer_vocab_size": int(mapping.tokenizer_vocab_size),
           "pad_id_compressed": int(mapping.pad_id),
           "input_ids": ids.tolist(),
           "layers": layers}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    temporary = OUT.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    temporary.replace(OUT)
    print(f"wrote {OUT}: {len(layers)} layers, ids {ids.shape}")


if __name__ == "__main__":
    main()
