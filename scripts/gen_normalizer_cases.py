#!/usr/bin/env python3
"""Generate tests/data/normalizer_cases.json: expected outputs of Engram's text normalizer.

The chain below is the Hugging Face `tokenizers` normalizer used by the Engram reference
`CompressedTokenizer`. We record `normalize_str(s)` for a hand-written corpus that stresses
each step (Unicode whitespace, marks, case mapping, compatibility forms, the lone-space rule,
the U+E000 sentinel) plus random strings from a fixed seed, so a C++ port can be checked
against it without Python.

Rerun (from the repository root):
    .venv/bin/pip install tokenizers
    .venv/bin/python scripts/gen_normalizer_cases.py
"""
import json
import random
from pathlib import Path

import tokenizers
from tokenizers import Regex, normalizers

SENTINEL = "\uE000"
NORMALIZER = normalizers.Sequence([
    normalizers.NFKC(), normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(),
    normalizers.Replace(Regex(r"[ \t\r\n]+"), " "), normalizers.Replace(Regex(r"^ $"), SENTINEL),
    normalizers.Strip(), normalizers.Replace(SENTINEL, " "),
])
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "normalizer_cases.json"

UNICODE_SPACES = ["\u00a0", "\u1680", "\u2000", "\u2003", "\u2009", "\u200a", "\u2028", "\u2029",
                  "\u202f", "\u205f", "\u3000", "\u0085", "\u000b", "\u000c", "\u200b", "\ufeff",
                  "\u180e", "\u2060"]

HANDWRITTEN = [
    # ASCII, case and whitespace runs.
    "", "a", "A", "Hello World", "HeLLo WoRLD", "  leading", "trailing  ", "  both  ",
    "internal   spaces", "tab\there", "\ttab-led", "tab-trailed\t", "a\r\nb", "a\r\n\r\nb",
    "line1\nline2\n", "mixed \t\r\n run", " ", "\t", "\n", "\r", "\n\n", "\r\n", "  ", " \t ",
    "\t\t", " \n ", "x ", " x", " x ", "ALL CAPS SENTENCE.", "snake_case_Name", "CamelCaseName",
    "0123456789", "12 345 6789", "3.14159", "-42", "1e10", "$100.00", "a@b.c", "!@#$%^&*()",
    # Byte-level BPE token texts (GPT-2 style raw-token alphabet).
    " the", " The", "the", "Ġ", "Ġthe", "ĠThe", "Ċ", "ĊĊ", "ĉ", "Ġġ", "ÃĤ", "âĢĻ", "ĠĠĠĠ", "Ā",
    "\u0100\u0101", "<|endoftext|>", "<s>", "</s>", "[CLS]",
    # Code snippets with indentation.
    "def f(x):\n    return x + 1\n", "    indented", "\tif (a) {\n\t\tb();\n\t}", "#include <cstdio>",
    "for i in range(10):\n\tprint(i)", "  // comment  ",
    # Accented Latin, precomposed and decomposed.
    "café", "cafe\u0301", "CAFÉ", "CAFE\u0301", "naïve", "résumé", "Ångström", "A\u030angstro\u0308m",
    "Ñandú", "Øre", "Łódź", "Ærø", "œuvre", "Đđ", "ǅ", "ǈ", "Ǆ", "ħ", "ı",
    # Vietnamese (stacked marks).
    "Tiếng Việt", "Việt Nam", "Nguyễn", "ĐẶNG", "phở", "Trường",
    # Greek, incl. final sigma and tonos.
    "ΟΔΟΣ", "Σ", "σ", "ς", "ΣΑΣ", "Ἀθῆναι", "ΆΈΉΊΌΎΏ", "ΐ", "ὈΔΥΣΣΕΎΣ", "µ", "Ω", "Å", "K",
    # Turkish and German special casing.
    "İstanbul", "İ", "ı", "ISTANBUL", "ıİiI", "ß", "ẞ", "STRASSE", "Straße", "ẞtraße",
    # Ligatures and compatibility forms.
    "ﬁ", "ﬂ", "ﬀ", "ﬃ", "ﬅ", "ﬆ", "ﬁnal", "Ĳ", "ŉ", "ǰ", "ẖ",
    "ＡＢＣ１２３", "ｈｅｌｌｏ", "Ｈｅｌｌｏ　Ｗｏｒｌｄ", "！？", "x²", "²³¹", "H₂O", "½", "¼ ¾",
    "⅓", "Ⅻ", "ⅻ", "Ⅳ", "Ⓐ", "ⓐ", "①②③", "⑴", "㈱", "㎏", "™", "℃", "№", "…", "ſ", "ﬅ",
    "\u2126", "\u212b", "\u00b5", "\u1e9b\u0323",
    # CJK, kana, Hangul.
    "中文", "汉字", "日本語", "今日は", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "ｶﾞ", "ﾊﾟ", "ｱｲｳｴｵ", "ガ",
    "カ\u3099", "\u3099", "ｰ", "。、", "한국어", "안녕하세요", "\u1100\u1161\u11a8", "\u1100\u1161",
    "ㄱㅏ", "ㅎ", "\uffa1", "각", "中 文", "中\u3000文",
    # Indic and Thai with spacing (Mc) and non-spacing (Mn) vowel signs.
    "का", "कि", "की", "हिन्दी", "नमस्ते", "क़", "கி", "தமிழ்", "கொ", "ที่", "ภาษาไทย", "น้ำ", "ো",
    "বাংলা", "ਪੰਜਾਬੀ", "ગુજરાતી", "ಕನ್ನಡ", "മലയാളം", "ශ්‍රී",
    # Arabic with harakat, Hebrew with niqqud.
    "مَرْحَبًا", "العربية", "ﻻ", "ﷺ", "\ufdfd", "٠١٢٣", "שָׁלוֹם", "עִבְרִית", "שלום", "ﬠ", "ﬡ",
    # Emoji: ZWJ sequences, skin tones, keycaps, flags, variation selectors.
    "😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "1️⃣", "#️⃣", "1\u20e3", "\u20e3",
    "🇺🇸", "❤️", "❤\ufe0f", "\ufe0f", "✌🏿", "🧑🏻\u200d💻", "a\u20dd", "\u20dd", "A\u20dd",
    "😀 😀", "hi 👋",
    # The private-use sentinel itself.
    "\ue000", "a\ue000b", " \ue000 ", "\ue000 ", " \ue000", "\ue000\ue000", "x \ue000 y", "\ue001",
    # Cherokee, Georgian, Deseret, mathematical alphanumerics.
    "ᎠᎡᎢ", "Ꭰ", "ꭰ", "ᏸ", "Ᏸ", "ᏣᎳᎩ", "ႠႡ", "ა", "Ა", "ქართული", "Ჰ",
    "𐐀", "𐐨", "𐐀𐐁𐐂", "𐐔𐐯𐑅", "𝐀𝐁𝐂", "𝐚", "𝔸", "𝟏𝟐", "𝒜", "𞤀", "𞤢",
    # Other scripts and case oddities.
    "Привет", "ЁЖИК", "Ӏ", "Ⴭ", "ǉ", "ᾼ", "ᾳ", "Ⓩ", "Ω", "ﬀ ﬁ", "Ǳ", "ﾟ",
    # Controls and format characters.
    "\x00", "a\x00b", "\x7f", "\u200c", "\u200d", "\u200e", "\u00ad", "soft\u00adhyphen",
    "\u034f", "a\u0300", "\u0300", "\u0301\u0301", " \u0301", "\u0301 ", "\ud7ff", "\U0010fffd",
    "\U000e0041", "\ufffd",
]

# Strings made only of (or padded by) Unicode whitespace and near-whitespace.
WHITESPACE = UNICODE_SPACES + [s + s for s in UNICODE_SPACES] + [
    " " + s for s in UNICODE_SPACES] + ["x" + s + "y" for s in UNICODE_SPACES] + [
    s + "word" + s for s in UNICODE_SPACES] + [
    "\u00a0\u2003\u3000", " \u00a0 ", "\t\u3000\n", "\u200b\ufeff", "\u0085\u0085", " \u200b ",
]

# Pools for random strings: each draws from a mix of these character classes.
POOLS = [
    " \t\r\n", "".join(UNICODE_SPACES), "abcXYZ019", "áÉîÕüÇñ", "\u0300\u0301\u0308\u0323\u20dd\u20e3",
    "ΑΣσςΟΔ", "İıßẞ", "ﬁﬂＡｂ１²½Ⅻⓐ", "中文日本ｶﾞ한국", "\u1100\u1161\u11a8", "कािகிที่",
    "مَرشָׁל", "😀👍🏽\u200d\ufe0f", "\ue000", "ᎠꭰႠ", "𐐀𐐨𝐀", "ĠĊĉ",
]


def random_strings(count, seed=20240607):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        pools = rng.sample(POOLS, rng.randint(1, 4))
        chars = "".join(pools)
        out.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 12))))
    return out


def main():
    inputs = list(dict.fromkeys(HANDWRITTEN + WHITESPACE + random_strings(200)))
    for s in inputs:
        s.encode("utf-8")  # raises on lone surrogates
    cases = [{"input": s, "expected": NORMALIZER.normalize_str(s)} for s in inputs]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generator": "scripts/gen_normalizer_cases.py", "tokenizers_version": tokenizers.__version__,
           "cases": cases}
    OUT.write_text(json.dumps(doc, ensure_ascii=True, indent=1) + "\n", encoding="ascii")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
