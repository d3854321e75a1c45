#!/usr/bin/env python3
"""Train the small GPT-2-style byte-level BPE tokenizer used by the tokenizer tests.

It has GPT-2's pipeline (ByteLevel pre-tokenizer with the GPT-2 regex and no prefix space,
ByteLevel post-processor and decoder) and a few special tokens, with a vocabulary small enough to
commit (about 4000 entries). The training text is generated here from a fixed seed: English-like
prose from a word list, code, numbers and short multilingual snippets, so the merges cover words,
digits, indentation and a few multibyte sequences. The test expectations do not depend on what the
tokenizer learned, only on `tokenizers` agreeing with the C++ port, so the text only needs variety.

Output: tests/data/tokenizer/gpt2_style/{tokenizer.json,tokenizer_config.json}.

Rerun (from the repository root), then rerun scripts/gen_tokenizer_cases.py:
    .venv/bin/python scripts/train_gpt2_style_tokenizer.py
"""
import json
import random
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "tokenizer" / "gpt2_style"
VOCAB_SIZE = 4000
SPECIAL_TOKENS = ["<|endoftext|>", "<|pad|>", "<|im_start|>", "<|im_end|>"]

WORDS = """the of and to in a is that for it as was with be by on not he I this are or his from
at which but have an they you were their one all we can her has there been if more when will
would who so no she other its may these about than into only some could time them my people
first then what also new like our two any over such even most after made way many before must
through back years where much your well should because each just those how too little state
good very make world still own see men work long here get both between life being under never
day same another know while last might great old year off come since against go came right used
take three states himself few house use during without again place American around however home
small found Mrs thought went say part once general high upon school every don't does got united
left number course war until always away something fact though water less public put think almost
hand enough far took head yet government system better set told nothing night end why called
didn't eyes find going look asked later knew point next program city business give group toward
young days let room president side social given present several order national possible rather
second face per among form important often things looked early white John case become large big
need four within felt along children saw best church ever least power development light thing
seemed family interest want members mind country area others done turned although open God
service problem certain kind different thus began door help means sense whole matter perhaps
itself York it's times law human line above name example action company hands local show whether
five history gave today either act feet across taken past quite anything seen having death week
experience body word half really field am car words already themselves information tell together
college shall money period held keep sure real probably free seems political cannot behind miss
question air office making brought whose special major heard problems federal became study ago
moment available known result street economic boy position reason change south board individual
job areas society west close turn love community true court force full court model tokenizer
benchmark memory engram hashing embedding layer transformer attention latency throughput""".split()

CODE = [
    "def encode(self, text: str) -> list[int]:\n    ids = []\n    for word in text.split():\n"
    "        ids.extend(self.vocab[word])\n    return ids\n",
    "#include <vector>\n\nint main(int argc, char** argv) {\n  std::vector<int> v{1, 2, 3};\n"
    "  for (int x : v) {\n    printf(\"%d\\n\", x);\n  }\n  return 0;\n}\n",
    '{\n  "name": "engram",\n  "layers": [2, 15],\n  "enabled": true,\n  "ratio": 0.25\n}\n',
    "if (a && b || !c) { x += 1; } else { x -= 2; }  // done\n",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name;\n",
]

MULTILINGUAL = [
    "café naïve résumé déjà vu Ångström Łódź Øre", "Straße größer Übermaß", "Tiếng Việt Nguyễn",
    "你好，世界！我们今天学习分词器。", "こんにちは、世界。カタカナとひらがな。ｶﾀｶﾅ", "안녕하세요 세계",
    "Привет, мир! Как дела?", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก",
    "Γειά σου Κόσμε", "emoji 😀 👍🏽 👨‍👩‍👧 🇫🇷 ❤️", "€100 £20 ¥300 ½ ² ³ ™ © ®",
]


def training_text(seed: int = 20250101, n_sentences: int = 12000):
    rng = random.Random(seed)
    for _ in range(n_sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 18))]
        words[0] = words[0].capitalize()
        sentence = " ".join(words)
        roll = rng.random()
        if roll < 0.1:
            sentence += f" {rng.randint(0, 10 ** rng.randint(1, 9))}"
        elif roll < 0.15:
            sentence += f" ({rng.randint(1900, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d})"
        yield sentence + rng.choice([".", ".", ".", "!", "?", ";", ",", ":"]) + rng.choice(["", " ", "\n", "\n\n"])
        if rng.random() < 0.05:
            yield rng.choice(CODE)
        if rng.random() < 0.05:
            yield rng.choice(MULTILINGUAL)


def main() -> None:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(training_text(), trainer=trainer)

    OUT.mkdir(parents=True, exist_ok=True)
    tok.save(str(OUT / "tokenizer.json"), pretty=False)
    config = {
        "_generator": f"scripts/train_gpt2_style_tokenizer.py with tokenizers {tokenizers.__version__}",
        "add_bos_token": False,
        "add_eos_token": False,
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "pad_token": {"__type": "AddedToken", "content": "<|pad|>", "lstrip": False,
                      "normalized": False, "rstrip": False, "single_word": False, "special": True},
        "unk_token": None,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 1024,
        "tokenizer_class": "GPT2Tokenizer",
        "chat_template": "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}",
    }
    (OUT / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=True) + "\n")
    print(f"vocab {tok.get_vocab_size(True)} -> {OUT}")


if __name__ == "__main__":
    main()
