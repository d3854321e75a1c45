"""Writes the GGUF reference fixtures under tests/data/gguf/ with the `gguf` Python package
(llama.cpp's gguf-py) and Hugging Face `transformers` as the outside references.

  dequant_cases.json     raw blocks of every type we dequantise (F32, F16, BF16, Q8_0, Q4_0, Q4_1,
                         Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) and gguf.quants.dequantize's float32 values:
                         random raw bytes with sane f16 scales, plus blocks gguf-py quantised itself
  writer_v3.gguf,        small files written by gguf.GGUFWriter: every metadata value type, arrays,
  writer_v2.gguf         nested arrays, tensors of several types; v2 is the same file with the
  writer_expected.json   version field set to 2 (v2 and v3 differ only in that field for
                         little-endian files) and the default alignment. The expected metadata and
                         tensors come from gguf.GGUFReader + dequantize.
  smollm2_tokenizer.json ids of tests/data/tokenizer/corpus.json (and extra digit/whitespace cases)
                         from the `tokenizers` package on the HF folder's tokenizer.json, and on the
                         same with SmolLM2's own pre-tokenizer (Digits(individual_digits) before
                         ByteLevel), which transformers' GGUF conversion drops.
  smollm2_logits.json,   transformers (GGUF loader, float32) on the installed SmolLM2-135M-Instruct
  smollm2_logits.bin     Q4_1 GGUF: prompts of 1 to 1000 tokens, full logit rows at selected
                         positions (float32 in the .bin), the top token and its logit at every
                         position, and 32 greedy tokens for 3 prompts (one in the chat template).

Run from a venv with gguf, transformers, torch and tokenizers (e.g. /work/venvs/hf):
  python scripts/gen_gguf_fixtures.py [--gguf PATH] [--hf-dir DIR] [--only dequant,writer,tokenizer,model]
"""
import argparse
import base64
import json
import os
import struct

import numpy as np

import gguf
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "gguf")
DEFAULT_GGUF = "/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_HF_DIR = "/work/models/smollm2-135m-instruct-hf"


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def write_json(name, value):
    path = os.path.join(OUT, name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1 if name.endswith("_expected.json") else None)
        f.write("\n")
    os.replace(tmp, path)


# --- (a) dequantisation -------------------------------------------------------------------------

# Byte offsets of the f16 scale fields in each block: random bytes there would often be inf/NaN or
# huge, so they get sane values; every other byte stays random.
F16_FIELDS = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
}


def random_blocks(rng, qtype, blocks):
    size = gguf.GGML_QUANT_SIZES[qtype][1]
    raw = rng.integers(0, 256, size=(blocks, size), dtype=np.uint8)
    for offset in F16_FIELDS[qtype]:
        scale = (rng.uniform(-1, 1, blocks) * 10.0 ** rng.uniform(-4, 0.5, blocks)).astype(np.float16)
        scale[0] = 0  # a zero scale
        raw[:, offset:offset + 2] = scale.view(np.uint8).reshape(blocks, 2)
    return raw


def float_values(rng, qtype, count):
    values = (rng.standard_normal(count) * 10.0 ** rng.uniform(-3, 3, count)).astype(np.float32)
    values[:4] = [0.0, -0.0, 1.0, -65504.0]
    if qtype == Q.F32:
        return values.view(np.uint8)
    if qtype == Q.F16:
        return np.clip(values, -65504, 65504).astype(np.float16).view(np.uint8)
    return gguf.quants.quantize(values, Q.BF16).view(np.uint8)


def dequant_cases():
    rng = np.random.default_rng(20261207)
    cases = []
    for qtype in [Q.F32, Q.F16, Q.BF16]:
        raw = float_values(rng, qtype, 1024)
        cases.append((qtype, "random values", raw))
    for qtype in [Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q4_K, Q.Q5_K, Q.Q6_K]:
        block_elements = gguf.GGML_QUANT_SIZES[qtype][0]
        blocks = 4096 // block_elements
        cases.append((qtype, "random raw blocks with sane f16 scales", random_blocks(rng, qtype, blocks)))
        try:
            values = (rng.standard_normal((4, 256)) * 0.05).astype(np.float32)
            cases.append((qtype, "gguf-py quantize of N(0, 0.05) values", gguf.quants.quantize(values, qtype)))
        except NotImplementedError:
            pass  # gguf-py quantises the K-quants only through llama.cpp
    out = []
    for qtype, origin, raw in cases:
        raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1)
        values = gguf.quants.dequantize(raw.reshape(1, -1), qtype).astype(np.float32).reshape(-1)
        out.append({"type": qtype.name, "origin": origin, "numel": int(values.size), "raw": b64(raw),
                    "float32": b64(values)})
    write_json("dequant_cases.json", {"generator": "scripts/gen_gguf_fixtures.py", "gguf_py": gguf_version(),
                                      "cases": out})
    print("dequant cases:", ", ".join(f"{c['type']}({c['numel']})" for c in out))


def gguf_version():
    from importlib.metadata import version
    return version("gguf")


# --- small files written by GGUFWriter ----------------------------------------------------------

# gguf-py's reader flattens nested arrays (field.contents()), so their structure is checked against
# what GGUFWriter was given.
NESTED = {"test.array_nested": [[1, 2], [3], [-4, 5, 6]], "test.array_nested_strings": [["x", "y"], ["z"]]}


def writer_file(path, alignment):
    rng = np.random.default_rng(7)
    w = gguf.GGUFWriter(path, arch="llama")
    if alignment is not None:
        w.add_custom_alignment(alignment)
    w.add_uint8("test.uint8", 200)
    w.add_int8("test.int8", -100)
    w.add_uint16("test.uint16", 65000)
    w.add_int16("test.int16", -32000)
    w.add_uint32("test.uint32", 4000000000)
    w.add_int32("test.int32", -2000000000)
    w.add_float32("test.float32", 0.1)
    w.add_uint64("test.uint64", 2 ** 63 + 5)
    w.add_int64("test.int64", -(2 ** 62))
    w.add_float64("test.float64", 1e-300)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo \u4e16\u754c")
    w.add_string("test.empty_string", "")
    w.add_array("test.array_int", [1, -2, 3])
    w.add_array("test.array_string", ["a", "bc", ""])
    w.add_array("test.array_float", [0.5, -1.25])
    for key, value in NESTED.items():
        w.add_array(key, value)
    tensors = {}
    tensors["f32_vector"] = (rng.standard_normal(7).astype(np.float32), None)
    tensors["f16_matrix"] = (rng.standard_normal((3, 5)).astype(np.float16), None)
    values = rng.standard_normal((2, 64)).astype(np.float32)
    tensors["bf16_matrix"] = (gguf.quants.quantize(values, Q.BF16), Q.BF16)
    for qtype in [Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1]:
        values = rng.standard_normal((3, 64)).astype(np.float32)
        tensors[qtype.name.lower() + "_matrix"] = (gguf.quants.quantize(values, qtype), qtype)
    for qtype in [Q.Q4_K, Q.Q5_K, Q.Q6_K]:
        tensors[qtype.name.lower() + "_matrix"] = (random_blocks(rng, qtype, 2).reshape(2, -1), qtype)
    tensors["q6_k_3d"] = (random_blocks(rng, Q.Q6_K, 4).reshape(2, 2, -1), Q.Q6_K)
    for name, (array, raw_dtype) in tensors.items():
        w.add_tensor(name, array, raw_dtype=raw_dtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def field_json(field):
    def one(value_type, value):
        if value_type == V.STRING:
            return {"type": "STRING", "value": value}
        return {"type": value_type.name, "value": value}
    types = field.types
    if types[0] != V.ARRAY:
        return one(types[0], field.contents())
    return {"type": "ARRAY", "types": [t.name for t in types], "value": field.contents()}


def writer_files():
    v3 = os.path.join(OUT, "writer_v3.gguf")
    v2 = os.path.join(OUT, "writer_v2.gguf")
    writer_file(v3, 64)
    writer_file(v2, None)
    with open(v2, "r+b") as f:
        f.seek(4)
        assert struct.unpack("<I", f.read(4))[0] == 3
        f.seek(4)
        f.write(struct.pack("<I", 2))
    expected = {"generator": "scripts/gen_gguf_fixtures.py", "gguf_py": gguf_version(), "files": {}}
    for name in ["writer_v3.gguf", "writer_v2.gguf"]:
        reader = gguf.GGUFReader(os.path.join(OUT, name))
        metadata = {k: field_json(f) for k, f in reader.fields.items() if not k.startswith("GGUF.")}
        for key, value in NESTED.items():
            metadata[key]["written"] = value
        tensors = []
        for t in reader.tensors:
            values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            tensors.append({"name": t.name, "type": t.tensor_type.name, "dims": [int(d) for d in t.shape],
                            "offset": int(t.data_offset - reader.data_offset), "float32": b64(values)})
        expected["files"][name] = {"version": int(reader.fields["GGUF.version"].contents()),
                                   "alignment": int(reader.alignment), "data_offset": int(reader.data_offset),
                                   "metadata": metadata, "tensors": tensors}
    write_json("writer_expected.json", expected)
    print("writer files:", {k: len(v["tensors"]) for k, v in expected["files"].items()})


# --- (b), (c) SmolLM2: tokenizer ids, logits, greedy tokens --------------------------------------

EXTRA_TEXTS = [
    "a  1", "x   22 y", "\n\n3", "  7", "Version 2.0.1 released on 2024-11-05 at 13:45.",
    "pi = 3.14159265358979 and e = 2.718281828", "Total:    1,234,567 items\t(98.6%)",
    "<|im_start|>user\nWhat is 12 + 30?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>def add(a, b):\n    return a + b<|endoftext|>",
    "Ⅻ and ½ and ٣ are numbers too", "",
]


def tokenizer_ids(hf_dir):
    from tokenizers import Tokenizer
    path = os.path.join(hf_dir, "tokenizer.json")
    with open(path) as f:
        data = json.load(f)
    folder = Tokenizer.from_str(json.dumps(data))
    smollm = dict(data)
    smollm["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    original = Tokenizer.from_str(json.dumps(smollm))
    with open(os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.json")) as f:
        texts = json.load(f)["texts"] + EXTRA_TEXTS
    cases = []
    for text in texts:
        a = folder.encode(text, add_special_tokens=True).ids
        b = original.encode(text, add_special_tokens=True).ids
        cases.append({"text": text, "hf_folder_ids": a, "smollm2_ids": b})
    differ = sum(c["hf_folder_ids"] != c["smollm2_ids"] for c in cases)
    import tokenizers
    write_json("smollm2_tokenizer.json", {
        "generator": "scripts/gen_gguf_fixtures.py", "tokenizers_version": tokenizers.__version__,
        "hf_folder_tokenizer": path, "hf_folder_pre_tokenizer": data["pre_tokenizer"],
        "texts_where_the_two_differ": differ, "cases": cases})
    print(f"tokenizer: {len(cases)} texts, {differ} where the HF folder's pre-tokenizer and SmolLM2's differ")


LOGIT_PROMPT_LENGTHS = [1, 2, 17, 128, 513, 1000]


def long_text():
    with open(os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.json")) as f:
        return "\n".join(json.load(f)["texts"])


def model_fixtures(gguf_path):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    folder, name = os.path.split(os.path.abspath(gguf_path))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    all_ids = tokenizer(long_text(), add_special_tokens=False).input_ids
    assert len(all_ids) >= max(LOGIT_PROMPT_LENGTHS)
    rows, prompts = [], []
    with torch.no_grad():
        for n in LOGIT_PROMPT_LENGTHS:
            start = (n * 37) % (len(all_ids) - n)
            ids = all_ids[start:start + n]
            logits = model(torch.tensor([ids])).logits[0].float()
            # Full rows cost 196 KB each: the last position of every prompt, and the first and middle of the longest.
            positions = sorted({0, n // 2, n - 1}) if n == max(LOGIT_PROMPT_LENGTHS) else [n - 1]
            for p in positions:
                rows.append(logits[p].numpy().astype(np.float32))
            top = logits.max(dim=-1)
            prompts.append({"ids": ids, "row_positions": positions, "top_ids": top.indices.tolist(),
                            "top_logits": [float(v) for v in top.values]})
        chat = tokenizer.apply_chat_template([{"role": "user", "content": "Write a short story about a lighthouse keeper."}],
                                             tokenize=False, add_generation_prompt=True)
        greedy = []
        for text in ["The quick brown fox", "def fibonacci(n):\n", chat]:
            ids = tokenizer(text, add_special_tokens=True).input_ids
            out = model.generate(torch.tensor([ids]), max_new_tokens=32, do_sample=False, num_beams=1)
            generated = out[0, len(ids):].tolist()
            assert len(generated) == 32, f"{text!r} stopped after {len(generated)} tokens; pick a prompt with a longer answer"
            greedy.append({"text": text, "ids": ids, "generated": generated})
    with open(os.path.join(OUT, "smollm2_logits.bin.tmp"), "wb") as f:
        f.write(np.stack(rows).astype("<f4").tobytes())
    os.replace(os.path.join(OUT, "smollm2_logits.bin.tmp"), os.path.join(OUT, "smollm2_logits.bin"))
    write_json("smollm2_logits.json", json.loads(json.dumps({
        "generator": "scripts/gen_gguf_fixtures.py", "transformers_version": transformers.__version__,
        "torch_version": torch.__version__, "gguf": name, "vocab_size": int(rows[0].size),
        "rows_file": "smollm2_logits.bin", "hf_config": model.config.to_dict(), "prompts": prompts,
        "greedy": greedy}, default=str)))
    print("logit rows:", len(rows), "greedy prompts:", len(greedy))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", default=DEFAULT_GGUF)
    parser.add_argument("--hf-dir", default=DEFAULT_HF_DIR)
    parser.add_argument("--only", default="dequant,writer,tokenizer,model")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    parts = set(args.only.split(","))
    if "dequant" in parts:
        dequant_cases()
    if "writer" in parts:
        writer_files()
    if "tokenizer" in parts:
        tokenizer_ids(args.hf_dir)
    if "model" in parts:
        model_fixtures(args.gguf)


if __name__ == "__main__":
    main()
