"""Writes seed inputs for the safetensors header fuzzer into tests/fuzz/corpus/safetensors_header.

Valid files of every dtype and shape kind, and one file per kind of corruption the parser must
reject. scripts/fuzz.sh grows the corpus from these seeds. Rerun: python3 scripts/gen_fuzz_seeds.py
"""
import hashlib
import json
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz", "corpus", "safetensors_header")
SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "I64": 8, "I32": 4,
         "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1}


def pack(header, data=b"", pad=True, length=None):
    text = header if isinstance(header, (bytes, bytearray)) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    n = len(text) if length is None else length
    return struct.pack("<Q", n) + text + data


def tensors(specs):
    header, offset = {}, 0
    for name, dtype, shape in specs:
        count = 1
        for d in shape:
            count *= d
        size = count * SIZES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    return header, bytes(i % 251 for i in range(offset))


def seeds():
    for dtype in SIZES:
        yield pack(*tensors([("x", dtype, [3, 2])]))
    yield pack(*tensors([("a", "F32", [2, 3]), ("b", "U8", [3]), ("c", "I64", [1])]))
    yield pack(*tensors([("empty", "F32", [0, 4]), ("scalar", "F64", [])]))
    header, data = tensors([("w", "BF16", [4, 4])])
    header["__metadata__"] = {"format": "pt", "note": "seed"}
    yield pack(header, data)
    yield pack({})
    yield pack({"__metadata__": {}})
    ok, data = tensors([("a", "F32", [2])])
    yield pack(ok, data, pad=False)
    # corruptions, one per rule
    yield b""
    yield b"\x01\x02\x03"
    yield pack(ok, data)[:12]
    yield pack(ok, data, length=10 ** 6)
    yield struct.pack("<Q", 2 ** 64 - 1) + b"{}"
    yield pack(b"{not json", b"")
    yield pack(b"[1,2]", b"")
    yield pack({"a": {"dtype": "F33", "shape": [2], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": 5, "shape": [2], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2 ** 32, 2 ** 32, 2 ** 32], "data_offsets": [0, 8]}}, bytes(8))
    yield pack({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8))
    yield pack({"__metadata__": {"k": 1}})
    yield pack({"__metadata__": [1]})
    yield pack({"a": 1})


def main():
    os.makedirs(OUT, exist_ok=True)
    for blob in seeds():
        name = "seed-" + hashlib.sha1(blob).hexdigest()[:16]
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
