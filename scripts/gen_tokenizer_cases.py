#!/usr/bin/env python3
"""Generate tests/data/tokenizer/*.json: what the Python `tokenizers` package returns for a corpus.

The C++ tokenizer (harness/tokenizer) must reproduce these id for id and byte for byte:

  corpus.json                 the tokenizer-independent corpus (hand-written groups + random strings)
  cases_deepseek_v3.json      DeepSeek-V3 (read from the shared dir, never copied here): encode with
                              and without special tokens, decode with and without skipping specials
                              ("ids_no_special" / "decode_skip_special" are left out when equal to
                              "ids" / "decode"),
                              decode-robustness cases (invalid UTF-8), and the ids transformers 4.x
                              LlamaTokenizerFast returns (it prepends BOS; `tokenizers` does not)
  cases_gpt2_style.json       the same for tests/data/tokenizer/gpt2_style (scripts/train_gpt2_style_tokenizer.py)
  variants_gpt2_style.json    the GPT-2-style tokenizer with other normalizers, pre-tokenizers,
                              added-token options, post-processors, decoders and BPE options, each
                              given as a JSON merge patch (RFC 7386) on its tokenizer.json
  deepseek_v3_all_ids.json    decode([id]) for every DeepSeek-V3 id: SHA-256 over the outputs
                              (4-byte little-endian length + UTF-8 bytes, id order), the ids whose
                              decode contains U+FFFD, and 2000 sampled (id, text) pairs

Rerun (from the repository root; ~1 minute):
    .venv/bin/pip install tokenizers transformers
    .venv/bin/python scripts/gen_tokenizer_cases.py [--shared ../shared] [--transformers4-python PY]

--transformers4-python names a Python with transformers<5 installed (for example a venv made with
`python3 -m venv /tmp/tf4 && /tmp/tf4/bin/pip install "transformers<5"`); the script then records
what LlamaTokenizerFast does with the DeepSeek-V3 files. The .venv's transformers (5.x) is checked too.
"""
import argparse
import copy
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "tokenizer"
GPT2_DIR = OUT / "gpt2_style"
SEED = 20251130

# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

PROSE = [
    "Hello, my dog is cute",
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times, it was the age of wisdom.",
    "I'm sure you'll agree: we've seen it, they'd done it, and she's right; it's 'quoted'.",
    "I'M SURE YOU'LL AGREE WE'VE SEEN IT THEY'D DONE IT AND SHE'S RIGHT",
    "Don't stop! Won't stop? Can't stop... Shouldn't've.",
    "it’s a curly apostrophe — and an em dash – and an en dash.",
    "Mr. Smith went to Washington D.C. on 4 July 1776 at 10:30 a.m.",
    "E-mail me at john.doe@example.com or visit https://example.org/path?q=1&r=two#frag.",
    "Transformers use attention; Engram adds conditional memory lookups via hashed n-grams.",
    "A sentence with    multiple   spaces between   words.",
    "Line one.\nLine two.\n\nLine four after a blank line.\n",
    "Windows line endings\r\nare here\r\n\r\nand here.",
    "Tabs\tseparate\tthese\tcolumns\t",
    "UPPER lower Mixed CamelCaseWord snake_case_word kebab-case-word",
    "The year 2024 had 366 days; 1,234,567 people attended; pi is 3.14159265358979.",
    "What?! No way!!! Really??? Yes... indeed.",
    "(parenthetical) [bracketed] {braced} <angled> \"double\" 'single'",
    "#hashtag @mention $dollar %percent ^caret &ampersand *star",
    "a", "A", "I", "ab", "x y", "the", " the", "the ", "The End.",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'x",
    "rock'n'roll o'clock y'all ma'am",
    "well-known state-of-the-art twenty-one",
]

ACCENTS = [
    "café", "cafe\u0301", "CAFÉ", "CAFE\u0301", "naïve", "nai\u0308ve", "résumé", "Ångström",
    "A\u030angstro\u0308m", "Ñandú", "Łódź", "Øre", "Ærø", "œuvre", "Straße", "ẞ", "İstanbul", "ıi",
    "Tiếng Việt", "Nguyễn", "phở", "Ἀθῆναι", "ΣΑΣ σας", "Привет мир", "Ελληνικά", "ǅ ǈ ǋ",
    "e\u0301\u0302\u0303\u0304 stacked marks", "\u0301 leading combining mark", "a\u0308\u0301b",
    "ﬁ ﬂ ﬀ ligatures", "Ｆｕｌｌｗｉｄｔｈ Café",
]

CJK = [
    "你好世界", "你好，世界！", "我们今天学习分词器。", "中文和English混合", "龥龦龧 (edge of the CJK range)",
    "鿿 〇 㐀 𠀀 𪚥", "こんにちは", "ひらがなとカタカナ", "カタカナ", "ｶﾀｶﾅ ﾊﾝｶｸ", "ﾃｽﾄﾃﾞｰﾀ",
    "ー〜・「」『』", "東京タワーは333メートルです。", "日本語の文章、句読点。", "안녕하세요 세계",
    "한국어 텍스트입니다.", "ᄀᄁᄂ jamo", "中文 日本語 한국어", "　全角スペース　", "漢字かなカナｶﾅ混在",
]

EMOJI = [
    "😀", "😀😃😄", "👍🏽", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦", "👩‍💻 coding", "🏳️‍🌈", "🇫🇷🇩🇪🇯🇵",
    "🇺🇸 flag", "❤️", "❤", "☺️ ☺", "1️⃣ #️⃣", "emoji in text 🎉 party 🎊!", "🤷‍♀️🤦🏼‍♂️",
    "🧑🏾‍🤝‍🧑🏻", "💩💩💩", "👁️‍🗨️",
]

WHITESPACE = [
    " ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r",
    " \n", "\n ", " \n ", "  \n\n  x", "a  ", "a\n", "a \n", "trailing spaces   ", "   leading spaces",
    "a\tb", "a \tb", "a\t b", "x\u00a0y", "x\u00a0\u00a0y", "\u00a0", "x\u3000y", "\u3000\u3000",
    "x\u2028y", "x\u2029y", "a\u000bb", "a\u000b\u000bb", "a\u000cb", "a\u0085b", "a\u0085\u0085b",
    "a\u2009b\u200ac", "zero\u200bwidth", "x\u180ey", "\ufeffBOM", " \t \n \r\n ", "\n\t\n\t",
    "word\r\n\r\n\r\nword", "  \r\n  ", "end with newline\n", "ends with spaces and newline  \n",
]

DIGITS = []
for n in range(1, 13):
    DIGITS.append("1234567890123"[:n])
    DIGITS.append("9" * n)
DIGITS += [
    "1,234", "1,234,567", "12,345,678,901", "1.5", "3.14159", "0.000001", "1e10", "6.02e23",
    "2024-01-31", "12:34:56", "+1 (555) 123-4567", "192.168.0.1", "v1.2.3", "$1,000.00", "€1.234,56",
    "50%", "1/2", "x2y34z567", "abc123def4567", "a1b22c333d4444", "١٢٣٤٥٦٧", "１２３４５",
    "²³¹", "ⅫⅣ", "①②③", "১২৩", "߀߁", "123 456 7890", "0x1F 0b1010 0o17",
]

CODE = [
    "def f(x):\n    return x + 1\n",
    "class Foo:\n    def __init__(self, n: int) -> None:\n        self.n = n\n\n    def bar(self):\n"
    "        return [i ** 2 for i in range(self.n) if i % 2 == 0]\n",
    "#include <iostream>\n\nint main() {\n  std::cout << \"Hello\" << std::endl;\n  return 0;\n}\n",
    "template <typename T>\nT max(T a, T b) { return a > b ? a : b; }  // comment\n",
    '{\n  "name": "engram",\n  "layers": [2, 15],\n  "nested": {"a": null, "b": true},\n  "x": -1.5e-3\n}\n',
    "if (a && b || !c) {\n\tx += 1;\n} else {\n\tx -= 2;\n}\n",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC;",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "    indented with four spaces\n        and eight\n\t\tand two tabs",
    "lambda x: x**2 if x>0 else -x  # inline",
    "<div class=\"main\"><p>Hello &amp; welcome</p></div>",
    "$ echo \"$HOME\" | grep -E '^/home' && ls -la ~/",
    "key: value\nlist:\n  - item1\n  - item2\n",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
]

OTHER_SCRIPTS = [
    "مرحبا بالعالم", "السلام عليكم ورحمة الله", "العربية ١٢٣ مع أرقام", "שלום עולם", "עברית עם ניקוד: שָׁלוֹם",
    "नमस्ते दुनिया", "हिन्दी में लिखा गया वाक्य।", "क्षत्रिय", "สวัสดีชาวโลก", "ภาษาไทยไม่มีช่องว่าง",
    "Հայերեն", "ქართული", "አማርኛ", "தமிழ்", "ᠮᠣᠩᠭᠣᠯ",
]

MIXED = [
    "English 中文 日本語 한국어 العربية עברית हिन्दी ไทย",
    "Price: ¥300 / $2.50 / €2,30 / £1.99",
    "math: ∑_{i=1}^{n} x_i² ≤ ∞ ± √2 ≠ π ≈ 3.14",
    "arrows → ← ↑ ↓ ⇒ ⇔ and boxes ┌─┐│└┘",
    "Ωmega µicro ℃ ™ © ® ° § ¶ † ‡",
    "Latin+Кириллица+Ελληνικά",
    "日本語English混ぜ書きtext",
    "한국어English123中文",
]

PUNCT = [
    "...", "…", "!!!", "???", "?!?!", "---", "—", "–––", "***", "===", "==>", "<==", "->", "=>", "::",
    ";;", ",,", "..", "''", '""', "``", "«»", "“quoted”", "‘single’", "¿Qué? ¡Sí!", "。、！？",
    "【】《》〈〉", "(((nested)))", "[[[]]]", "{{{}}}", "!@#$%^&*()_+-=[]{}|;':\",./<>?", "/path/to/file.txt",
    "C:\\Windows\\System32", "a.b.c.d", "end.", ".start", " .x", "!x", "!X!", "'hello'", "\"hi\"",
]

SPECIAL_IN_TEXT = [
    "<｜begin▁of▁sentence｜>Hi<｜end▁of▁sentence｜>",
    "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜>4<｜end▁of▁sentence｜>",
    "text <｜User｜> more text",
    "<｜User｜><｜User｜><｜Assistant｜>",
    "<｜fim▁begin｜>def f():<｜fim▁hole｜>\n<｜fim▁end｜>",
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
    "<|EOT|> end of turn",
    "<｜place▁holder▁no▁0｜><｜place▁holder▁no▁799｜>",
    "<｜▁pad▁｜><｜▁pad▁｜>",
    "<｜begin▁of▁sentence", "begin▁of▁sentence｜>", "<｜User", "<｜USER｜>", "<|User|>",
    "<|endoftext|>", "Hello<|endoftext|>World", "a <|endoftext|> b", "<|endoftext|><|endoftext|>",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "<|pad|>x<|pad|>", "<|endoftext", "endoftext|>",
    "<|endoftext|>", " <|endoftext|> ", "<|ENDOFTEXT|>", "<<|endoftext|>>", "▁ ▁▁ word▁piece",
    # For the added-token options of variants_gpt2_style.json (lstrip/rstrip/single_word/normalized).
    "a <mask> b", "x  \t<mask>\u3000 \ny", "<mask><mask>", " <mask>", "<mask> ", "hello world HELLO World",
    "say hello, hello-world, helloworld, _hello_", "sing ing ring ing", " ing", "zzé zzéé ĠFoo Foo",
    "<|endoftext|><|pad|> <|endoftext|> <|pad|>",
]

LEADING_SPACE = [
    " Hello", "  Hello", " 123", " 你好", " 😀", " .", " ,x", " \n", " 'll", " \u00a0x",
]

BYTE_LEVEL_LOOKALIKES = [
    "Ġ", "Ġthe", "ĠĠ", "Ċ", "ĉ", "âĢĻ", "Ã©", "Ā ā Ă", "ÿ þ", "\u0100\u0120\u0143",
]

CONTROL = [
    "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\x7f", "\x01\x02\x03", "a\x1cb\x1dc\x1ed\x1fe", "\u00ad soft hyphen",
    "\u200d lone zwj", "\u200c zwnj", "\u2060 word joiner", "\ue000 private use",
]

LONG = [
    "a" * 300,
    "ab" * 200,
    "Supercalifragilistic" * 15,
    "1234567890" * 20,
    "你好" * 150,
    "😀" * 100,
    " " * 300,
    "\n" * 100,
    "-" * 200,
    "The quick brown fox jumps over the lazy dog. " * 40,
    "x" + " " * 50 + "y",
    "é" * 150,
    "ｶ" * 120,
]

EDGE = ["", "0", "00", "000", "0000", "\u3000", "x\ud7a3y", "\U0001F600\U0001F601", "\u0600\u0601", "Ǆ"]


def random_strings(rng: random.Random, n: int):
    def rng_range(a, b):
        return lambda: chr(rng.randint(a, b))

    pools = [
        (30, lambda: chr(rng.randint(0x20, 0x7E))),
        (10, lambda: rng.choice(" \t\n\r\u000b\u000c\u0085\u00a0\u2028\u3000\u2009 \n\r\n")),
        (6, rng_range(0xC0, 0x17F)),   # Latin-1 / Latin Extended-A letters
        (4, rng_range(0x300, 0x36F)),  # combining marks
        (3, rng_range(0x391, 0x3C9)),  # Greek
        (3, rng_range(0x410, 0x44F)),  # Cyrillic
        (6, rng_range(0x4E00, 0x9FFF)),  # CJK incl. 9FA6..9FFF just outside DeepSeek's range
        (4, rng_range(0x3040, 0x30FF)),  # kana
        (2, rng_range(0xFF61, 0xFF9F)),  # half-width katakana
        (3, rng_range(0xAC00, 0xD7A3)),  # Hangul syllables
        (4, lambda: rng.choice("0123456789٠١٢٣٤٥٦٧٨٩０１２３²³¹ⅫⅣ①②")),
        (5, lambda: rng.choice("“”‘’«»—–…•€£¥©®™°±×÷§¶†‡‰′″‹›¿¡。、「」・！？")),
        (4, rng_range(0x1F300, 0x1F64F)),  # emoji
        (2, lambda: rng.choice(["\u200d", "\ufe0f", "\U0001F3FD", "\U0001F1EB\U0001F1F7", "\u20e3"])),
        (2, lambda: rng.choice(["\x00", "\x01", "\x1b", "\x7f", "\u200b", "\ufeff", "\u00ad", "\x1f"])),
        (2, rng_range(0x627, 0x64A)),  # Arabic letters
        (1, rng_range(0x5D0, 0x5EA)),  # Hebrew
        (2, rng_range(0x915, 0x939)),  # Devanagari consonants
        (1, rng_range(0x93E, 0x94D)),  # Devanagari vowel signs (marks)
        (2, rng_range(0xE01, 0xE3A)),  # Thai
        (2, lambda: rng.choice(["<|endoftext|>", "<｜User｜>", "<｜begin▁of▁sentence｜>", "<|", "｜>", "▁", "<|im_end|>"])),
        (2, lambda: rng.choice(["'s", "'ll", "'re", " the", " of", "ing", "tion"])),
    ]
    weights = [w for w, _ in pools]
    out = []
    while len(out) < n:
        length = rng.choice([1, 2, 3, 5, 8, 13, 21, 34, 55])
        s = ""
        for _ in range(length):
            gen = rng.choices(pools, weights)[0][1]
            piece = gen()
            if rng.random() < 0.1:
                piece *= rng.randint(2, 6)
            s += piece
        # Keep to characters every Unicode version involved has assigned (no Cn, no surrogates).
        if any(unicodedata.category(c) in ("Cn", "Cs") for c in s):
            continue
        out.append(s)
    return out


def build_corpus():
    groups = [
        ("prose", PROSE), ("accents", ACCENTS), ("cjk", CJK), ("emoji", EMOJI), ("whitespace", WHITESPACE),
        ("digits", DIGITS), ("code", CODE), ("other_scripts", OTHER_SCRIPTS), ("mixed", MIXED),
        ("punct", PUNCT), ("special_in_text", SPECIAL_IN_TEXT), ("leading_space", LEADING_SPACE),
        ("byte_level_lookalikes", BYTE_LEVEL_LOOKALIKES), ("control", CONTROL), ("long", LONG), ("edge", EDGE),
        ("random", random_strings(random.Random(SEED), 110)),
    ]
    texts, group_of = [], []
    seen = set()
    for name, items in groups:
        for t in items:
            if t in seen:
                continue
            seen.add(t)
            texts.append(t)
            group_of.append(name)
    return texts, group_of


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def encode_cases(tok: Tokenizer, texts):
    cases = []
    for i, t in enumerate(texts):
        with_special = tok.encode(t, add_special_tokens=True).ids
        without = tok.encode(t, add_special_tokens=False).ids
        case = {"i": i, "ids": with_special, "decode": tok.decode(with_special, skip_special_tokens=False)}
        # Left out when equal to "ids" / "decode", to keep the files small.
        if without != with_special:
            case["ids_no_special"] = without
        skipped = tok.decode(with_special, skip_special_tokens=True)
        if skipped != case["decode"]:
            case["decode_skip_special"] = skipped
        cases.append(case)
    return cases


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHAR = bytes_to_unicode()
CHAR_BYTE = {c: b for b, c in BYTE_CHAR.items()}


def token_bytes(token: str):
    if all(c in CHAR_BYTE for c in token):
        return bytes(CHAR_BYTE[c] for c in token)
    return None


def decode_cases(tok: Tokenizer, special_names, rng: random.Random):
    """Id sequences whose bytes are not valid UTF-8, alone or mixed with text and special tokens."""
    vocab = tok.get_vocab(with_added_tokens=False)
    byte_id = {b: vocab[BYTE_CHAR[b]] for b in range(256)}
    specials = [tok.token_to_id(s) for s in special_names]
    byte_seqs = [
        b"\xc3", b"\xf0", b"\xe2", b"\xc2", b"\xe2\x82", b"\xf0\x9f", b"\xf0\x9f\x98", b"\x80", b"\xbf",
        b"\x80\x80\x80", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
        b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\xc3A",
        b"\xe2\x82A", b"\xf0\x9fAB", b"A\x80B", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80",
        b"\xc3\xc3\xa9", b"\xe2\xe2\x82\xac", b"\xf0\xf0\x9f\x98\x80", b"\xe2\x82\xe2\x82\xac",
        b"ok\xc3", b"\xa9ok", b"\xf0\x9f\x98\x80\xf0\x9f\x98", b"\xf4\x8f\xbf\xbf", b"\xef\xbf\xbd",
        b"\x00\xc3\x00",
    ]
    cases = []
    for seq in byte_seqs:
        cases.append([byte_id[b] for b in seq])
    # Special tokens between partial sequences: skipping them joins the halves of a character.
    cases.append([byte_id[0xC3], specials[0], byte_id[0xA9]])
    cases.append([byte_id[0xF0], byte_id[0x9F], specials[-1], byte_id[0x98], byte_id[0x80]])
    cases.append([specials[0], byte_id[0xE2], specials[0]])
    cases.append([byte_id[0xE2], 10 ** 7, byte_id[0x82], byte_id[0xAC]])  # an unknown id is ignored
    # Real multi-byte vocabulary tokens whose bytes are not valid UTF-8 by themselves.
    partial = []
    for token, i in sorted(vocab.items(), key=lambda kv: kv[1]):
        b = token_bytes(token)
        if b is not None and len(b) >= 2 and not _is_utf8(b):
            partial.append(i)
    rng.shuffle(partial)
    for i in partial[:25]:
        cases.append([i])
    for k in range(0, min(len(partial), 40), 2):
        cases.append(partial[k:k + 2])
    cases.append(partial[:12])
    out = []
    for ids in cases:
        case = {"ids": ids, "decode": tok.decode(ids, skip_special_tokens=False)}
        skipped = tok.decode(ids, skip_special_tokens=True)
        if skipped != case["decode"]:
            case["decode_skip_special"] = skipped
        out.append(case)
    return out


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def all_ids_digest(decode_one, n: int):
    h = hashlib.sha256()
    fffd = []
    outputs = []
    for i in range(n):
        s = decode_one(i)
        b = s.encode("utf-8")
        h.update(struct.pack("<I", len(b)))
        h.update(b)
        if "\ufffd" in s:
            fffd.append(i)
        outputs.append(s)
    return h.hexdigest(), fffd, outputs


# ---------------------------------------------------------------------------------------------
# Variants of the GPT-2-style tokenizer
# ---------------------------------------------------------------------------------------------

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    target = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


def variant_patches(base):
    base_added = base["added_tokens"]
    n = base["model"]["vocab"].__len__()
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
    ws_removed = {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed", "invert": False}

    def added(content, id_, **kw):
        t = {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": True, "special": False}
        t.update(kw)
        return t

    return {
        "nfkc_lowercase_prefix_space": {
            "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        },
        "normalizers_misc": {
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Strip", "strip_left": True, "strip_right": True},
                {"type": "NFD"}, {"type": "StripAccents"},
                {"type": "Replace", "pattern": {"Regex": "[0-9]+"}, "content": "<num>"},
                {"type": "Replace", "pattern": {"String": "  "}, "content": " "},
                {"type": "Prepend", "prepend": "> "},
            ]},
        },
        "nfkd_nfc_strip_right": {
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "NFKD"}, {"type": "NFC"}, {"type": "Strip", "strip_left": False, "strip_right": True},
                {"type": "Replace", "pattern": {"Regex": "\\s"}, "content": "_"},
            ]},
        },
        "split_behaviors": {
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext", "invert": False},
                {"type": "Split", "pattern": {"Regex": "\\p{P}"}, "behavior": "MergedWithPrevious", "invert": False},
                {"type": "Split", "pattern": {"Regex": "\\d"}, "behavior": "Contiguous", "invert": False},
                byte_level,
            ]},
        },
        "split_removed_invert": {
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                ws_removed,
                {"type": "Split", "pattern": {"Regex": "[a-z]+"}, "behavior": "Removed", "invert": True},
                {"type": "Split", "pattern": {"Regex": "\\p{L}"}, "behavior": "MergedWithNext", "invert": True},
                byte_level,
            ]},
        },
        "split_unicode_classes": {
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "\\w+|[^\\w\\s]+"}, "behavior": "Isolated", "invert": False},
                {"type": "Split", "pattern": {"Regex": "\\S\\s"}, "behavior": "MergedWithPrevious", "invert": False},
                byte_level,
            ]},
        },
        "word_boundaries": {
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "\\b"}, "behavior": "Isolated", "invert": False},
                {"type": "Split", "pattern": {"Regex": "\\W+"}, "behavior": "MergedWithNext", "invert": False},
                {"type": "Split", "pattern": {"Regex": "x*"}, "behavior": "Contiguous", "invert": False},
                byte_level,
            ]},
        },
        "added_token_options": {
            "normalizer": {"type": "Lowercase"},
            "added_tokens": base_added + [
                added("<mask>", n, lstrip=True, rstrip=True, special=True, normalized=False),
                added("hello", n + 1, single_word=True),
                added("WORLD", n + 2),
                added("ĠFoo", n + 3, normalized=False),
                added("zzé", n + 4, normalized=False),
                added("ing", n + 5, single_word=True, lstrip=True),
                added("<|endoftext|><|pad|>", n + 6, special=True, normalized=False),
            ],
        },
        "template_post_processor": {
            "post_processor": {"type": "Sequence", "processors": [
                {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<|im_start|>", "type_id": 0}},
                            {"Sequence": {"id": "A", "type_id": 0}},
                            {"SpecialToken": {"id": "<|im_end|>", "type_id": 0}}],
                 "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [2], "tokens": ["<|im_start|>"]},
                                    "<|im_end|>": {"id": "<|im_end|>", "ids": [3], "tokens": ["<|im_end|>"]}}},
            ]},
        },
        "bert_post_processor": {
            "post_processor": {"type": "BertProcessing", "sep": ["<|im_end|>", 3], "cls": ["<|im_start|>", 2]},
        },
        "roberta_post_processor": {
            "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", 0], "cls": ["<|pad|>", 1],
                               "trim_offsets": True, "add_prefix_space": False},
        },
        "unk_fuse": {
            "pre_tokenizer": ws_removed, "decoder": None,
            "model": {"unk_token": "<|pad|>", "fuse_unk": True},
        },
        "unk_no_fuse": {
            "pre_tokenizer": ws_removed,
            "model": {"unk_token": "<|pad|>", "fuse_unk": False},
        },
        "byte_fallback": {
            "pre_tokenizer": ws_removed,
            "model": {"byte_fallback": True, "unk_token": "<|pad|>",
                      "vocab": {f"<0x{b:02X}>": n + 10 + b for b in range(256) if b not in (0x9F, 0xE2)}},
            "decoder": {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "Ġ"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        },
        "ignore_merges": {"model": {"ignore_merges": True}},
        "no_pre_tokenizer_no_decoder": {"pre_tokenizer": None, "decoder": None},
        "subword_prefix_suffix": {
            "pre_tokenizer": ws_removed,
            "model": {"continuing_subword_prefix": "##", "end_of_word_suffix": "</w>", "unk_token": "<|pad|>",
                      "merges": [["t", "##h"], ["th", "##e</w>"]],
                      "vocab": {"##h": n + 1, "th": n + 2, "##e</w>": n + 3, "the</w>": n + 4, "##e": n + 5,
                                "s</w>": n + 6, "##s</w>": n + 7, "##a": n + 8, "a</w>": n + 9}},
        },
    }


# ---------------------------------------------------------------------------------------------
# transformers
# ---------------------------------------------------------------------------------------------

TRANSFORMERS_PROBE = r"""
import hashlib, json, struct, sys
import transformers
from transformers import AutoTokenizer
path, texts_file = sys.argv[1], sys.argv[2]
texts = json.load(open(texts_file))
tok = AutoTokenizer.from_pretrained(path)
h = hashlib.sha256()
n = len(tok)
for i in range(n):
    b = tok.decode([i], skip_special_tokens=False).encode("utf-8")
    h.update(struct.pack("<I", len(b))); h.update(b)
print(json.dumps({
    "version": transformers.__version__,
    "class": type(tok).__name__,
    "len": n,
    "post_processor": str(tok.backend_tokenizer.post_processor),
    "clean_up_tokenization_spaces": tok.clean_up_tokenization_spaces,
    "ids": [tok(t, add_special_tokens=True)["input_ids"] for t in texts],
    "ids_no_special": [tok(t, add_special_tokens=False)["input_ids"] for t in texts],
    "all_ids_sha256": h.hexdigest(),
}))
"""


def probe_transformers(python, tokenizer_dir, texts):
    tmp = OUT / ".texts.tmp.json"
    tmp.write_text(json.dumps(texts))
    try:
        env = dict(os.environ, TRANSFORMERS_VERBOSITY="error")
        res = subprocess.run([python, "-c", TRANSFORMERS_PROBE, str(tokenizer_dir), str(tmp)], check=True,
                             capture_output=True, text=True, env=env)
    finally:
        tmp.unlink()
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------

def write(name, obj):
    path = OUT / name
    path.write_text(json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("ENGRAM_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--transformers4-python", default=None)
    args = ap.parse_args()
    ds_dir = Path(args.shared) / "tokenizers" / "deepseek-v3"

    meta = {"generator": "scripts/gen_tokenizer_cases.py", "tokenizers_version": tokenizers.__version__}
    texts, groups = build_corpus()
    assert len(texts) >= 300, len(texts)
    write("corpus.json", dict(meta, count=len(texts), texts=texts, groups=groups))

    # GPT-2 style.
    gpt2 = Tokenizer.from_file(str(GPT2_DIR / "tokenizer.json"))
    gpt2_specials = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"]
    write("cases_gpt2_style.json", dict(
        meta, tokenizer="tests/data/tokenizer/gpt2_style", vocab_size=gpt2.get_vocab_size(True),
        cases=encode_cases(gpt2, texts), decode_cases=decode_cases(gpt2, gpt2_specials, random.Random(SEED + 1))))

    # Variants on a subset of the corpus.
    base = json.loads((GPT2_DIR / "tokenizer.json").read_text())
    # Variants run on a subset: every 7th text, plus the groups their options are about.
    subset = sorted(
        {i for i in range(0, len(texts), 7) if groups[i] != "long"}
        | {i for i, g in enumerate(groups) if g == "special_in_text"}
        | {i for i, g in enumerate(groups) if g in ("accents", "whitespace") and i % 2 == 0})
    variants = []
    for name, patch in variant_patches(base).items():
        tok = Tokenizer.from_str(json.dumps(merge_patch(base, patch)))
        cases = encode_cases(tok, [texts[i] for i in subset])
        for c, i in zip(cases, subset):
            c["i"] = i
        variants.append({"name": name, "patch": patch, "vocab_size": tok.get_vocab_size(True), "cases": cases})
    write("variants_gpt2_style.json", dict(meta, base="tests/data/tokenizer/gpt2_style/tokenizer.json", variants=variants))

    if not (ds_dir / "tokenizer.json").exists():
        print(f"DeepSeek-V3 tokenizer not found under {ds_dir}; skipping its cases", file=sys.stderr)
        return
    ds = Tokenizer.from_file(str(ds_dir / "tokenizer.json"))
    ds_specials = ["<｜begin▁of▁sentence｜>", "<｜User｜>", "<｜end▁of▁sentence｜>"]
    ds_cases = encode_cases(ds, texts)
    ds_doc = dict(meta, tokenizer="shared:tokenizers/deepseek-v3", vocab_size=ds.get_vocab_size(True),
                  cases=ds_cases, decode_cases=decode_cases(ds, ds_specials, random.Random(SEED + 2)))

    n = ds.get_vocab_size(True)
    digest, fffd, outputs = all_ids_digest(lambda i: ds.decode([i], skip_special_tokens=False), n)
    rng = random.Random(SEED + 3)
    sample_ids = sorted(set(rng.sample(range(n), 2000)) | {0, 1, 2, 127999, 128000, 128799, 128800, n - 1})
    all_ids = dict(meta, tokenizer="shared:tokenizers/deepseek-v3", count=n,
                   digest_format="sha256 over, for id = 0..count-1, uint32 little-endian byte length then the UTF-8 bytes of decode([id], skip_special_tokens=False)",
                   sha256=digest, fffd_ids=fffd, samples=[[i, outputs[i]] for i in sample_ids])

    # transformers: 5.x from this Python, 4.x from --transformers4-python.
    checks = {}
    probes = [("this_python", sys.executable)]
    if args.transformers4_python:
        probes.append(("transformers4", args.transformers4_python))
    for label, py in probes:
        try:
            r = probe_transformers(py, ds_dir, texts)
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print(f"transformers probe {label} failed: {e}", file=sys.stderr)
            continue
        bos = ds.token_to_id("<｜begin▁of▁sentence｜>")
        plain = [c.get("ids_no_special", c["ids"]) for c in ds_cases]
        adds_bos = all(r["ids"][k] == [bos] + plain[k] for k in range(len(ds_cases)))
        same_as_tokenizers = all(r["ids"][k] == c["ids"] for k, c in enumerate(ds_cases))
        no_special_same = all(r["ids_no_special"][k] == plain[k] for k in range(len(ds_cases)))
        key = f"transformers_{r['version']}"
        checks[key] = {
            "class": r["class"], "post_processor": r["post_processor"],
            "clean_up_tokenization_spaces": r["clean_up_tokenization_spaces"],
            "add_special_tokens_true_equals_bos_plus_ids": adds_bos,
            "add_special_tokens_true_equals_tokenizers": same_as_tokenizers,
            "add_special_tokens_false_equals_tokenizers": no_special_same,
            "len": r["len"],
            "single_id_decode_sha256": r["all_ids_sha256"],
            "single_id_decode_equals_tokenizers": r["all_ids_sha256"] == digest and r["len"] == n,
        }
        if label == "transformers4":
            for k, c in enumerate(ds_cases):
                c["ids_transformers4"] = r["ids"][k]
        print(f"{key}: {json.dumps(checks[key])}")
    ds_doc["transformers"] = checks
    all_ids["transformers"] = {k: {"single_id_decode_equals_tokenizers": v["single_id_decode_equals_tokenizers"],
                                   "class": v["class"]} for k, v in checks.items()}
    write("cases_deepseek_v3.json", ds_doc)
    write("deepseek_v3_all_ids.json", all_ids)


if __name__ == "__main__":
    main()
