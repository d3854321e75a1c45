"""Computes Engram's compression table for the DeepSeek-V3 tokenizer the way the reference does
(engram_demo_v1.py CompressedTokenizer: decode each id alone, normalise with the tokenizers chain,
key partial-UTF-8 tokens by their raw token, ids in first-appearance order) and writes a digest of it
to tests/data/tokenizer/deepseek_v3_compression.json for the C++ test to compare against.

Rerun: .venv/bin/python scripts/gen_compression_reference.py [SHARED_DIR]
"""
import hashlib
import json
import os
import sys

import tokenizers
from tokenizers import Regex, Tokenizer, normalizers

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
OUT = os.path.join(ROOT, "tests", "data", "tokenizer", "deepseek_v3_compression.json")

SENTINEL = "\uE000"
NORMALIZER = normalizers.Sequence([
    normalizers.NFKC(), normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(),
    normalizers.Replace(Regex(r"[ \t\r\n]+"), " "), normalizers.Replace(Regex(r"^ $"), SENTINEL),
    normalizers.Strip(), normalizers.Replace(SENTINEL, " "),
])


def main():
    tok = Tokenizer.from_file(os.path.join(SHARED, "tokenizers", "deepseek-v3", "tokenizer.json"))
    vocab = tok.get_vocab_size(with_added_tokens=True)
    key_to_new, lookup, keys = {}, [], []
    for tid in range(vocab):
        text = tok.decode([tid], skip_special_tokens=False)
        if "\ufffd" in text:
            key = tok.id_to_token(tid)
        else:
            norm = NORMALIZER.normalize_str(text)
            key = norm if norm else text
        if key not in key_to_new:
            key_to_new[key] = len(keys)
            keys.append(key)
        lookup.append(key_to_new[key])
    digest = hashlib.sha256(b"".join(v.to_bytes(8, "little") for v in lookup)).hexdigest()
    sizes = {}
    for c in lookup:
        sizes[c] = sizes.get(c, 0) + 1
    top = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    with open(OUT, "w") as f:
        json.dump({
            "generator": "scripts/gen_compression_reference.py",
            "tokenizers_version": tokenizers.__version__,
            "vocab_size": vocab,
            "compressed_vocab_size": len(keys),
            "lookup_sha256_int64le": digest,
            "lookup_sample": {str(i): lookup[i] for i in range(0, vocab, 997)},
            "largest_groups": [{"compressed_id": c, "key": keys[c], "merge_count": n} for c, n in top],
        }, f, indent=1, ensure_ascii=True)
    print(vocab, len(keys), 1 - len(keys) / vocab, digest)


if __name__ == "__main__":
    main()
