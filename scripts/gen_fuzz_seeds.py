"""Writes seed inputs for the header fuzzers into tests/fuzz/corpus/safetensors_header and
tests/fuzz/corpus/gguf_header.

Valid files of every dtype (value type) and shape kind, and one file per kind of corruption the
parser must reject. scripts/fuzz.sh grows the corpus from these seeds. Rerun: python3 scripts/gen_fuzz_seeds.py
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


# --- GGUF (llama.cpp's format; little-endian, versions 2 and 3) ---------------------------------
OUT_GGUF = os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz", "corpus", "gguf_header")
GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B", 10: "<Q", 11: "<q", 12: "<d"}
# ggml type code -> (block elements, block bytes)
GGML_BLOCKS = {0: (1, 4), 1: (1, 2), 30: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
               12: (256, 144), 13: (256, 176), 14: (256, 210)}


def gstr(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def gval(vtype, value, sub=None):
    """The bytes of one value (without its type code); arrays are (element type, [values])."""
    if vtype == 8:
        return gstr(value)
    if vtype == 9:
        etype, items = value
        out = struct.pack("<IQ", etype, len(items))
        for item in items:
            out += gval(etype, item)
        return out
    return struct.pack(GGUF_SCALARS[vtype], value)


def gguf(kvs=(), tensors=(), version=3, alignment=32, data=None, kv_count=None, tensor_count=None):
    """kvs: (key, type, value); tensors: (name, dims, ggml type, offset or None for the next slot)."""
    body = b""
    for key, vtype, value in kvs:
        body += gstr(key) + struct.pack("<I", vtype) + gval(vtype, value)
    infos, offset = b"", 0
    for name, dims, ttype, at in tensors:
        elements, size = GGML_BLOCKS.get(ttype, (1, 1))
        count = 1
        for d in dims:
            count *= d
        at = offset if at is None else at
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", ttype, at)
        offset = at + (count // elements) * size
        offset += (alignment - offset % alignment) % alignment
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors) if tensor_count is None else tensor_count,
                                 len(kvs) if kv_count is None else kv_count)
    out = head + body + infos
    out += b"\0" * ((alignment - len(out) % alignment) % alignment)
    return out + (bytes(i % 251 for i in range(offset)) if data is None else data)


def gguf_seeds():
    every_type = [("k.u8", 0, 7), ("k.i8", 1, -7), ("k.u16", 2, 700), ("k.i16", 3, -700), ("k.u32", 4, 7 << 20),
                  ("k.i32", 5, -(7 << 20)), ("k.f32", 6, 0.5), ("k.bool", 7, 1), ("k.str", 8, "v\u00e9"),
                  ("k.u64", 10, 2 ** 63 + 1), ("k.i64", 11, -(2 ** 40)), ("k.f64", 12, 1e-300),
                  ("k.arr", 9, (5, [1, -2, 3])), ("k.arr_str", 9, (8, ["a", ""])), ("k.arr_empty", 9, (4, [])),
                  ("k.nested", 9, (9, [(4, [1, 2]), (8, ["x"]), (0, [])]))]
    yield gguf(every_type)
    yield gguf(every_type, version=2)
    yield gguf()
    arch = [("general.architecture", 8, "llama")]
    for ttype, (elements, _) in GGML_BLOCKS.items():
        yield gguf(arch, [("t", [elements, 2], ttype, None)])
    yield gguf(arch + [("general.alignment", 4, 64)], [("a", [4, 3], 0, None), ("b", [32], 8, None)], alignment=64)
    yield gguf(arch, [("a", [2, 3, 4, 5], 1, None), ("b", [0, 4], 0, None)])
    ok = gguf(arch, [("a", [4], 0, None)])
    # corruptions, one per rule
    yield b""
    yield b"GGU"
    yield b"GGML" + ok[4:]
    yield ok[:4] + struct.pack("<I", 1) + ok[8:]
    yield ok[:4] + struct.pack("<I", 4) + ok[8:]
    yield ok[:4] + struct.pack(">I", 3) + ok[8:]
    yield ok[:20]
    yield ok[:-4]
    yield gguf(arch, kv_count=2 ** 62)
    yield gguf(arch, tensor_count=2 ** 40)
    yield b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2 ** 63) + b"key"
    yield b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gstr("k") + struct.pack("<I", 13) + b"\0" * 8
    yield b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gstr("k") + struct.pack("<IIQ", 9, 4, 2 ** 60)
    yield b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gstr("k") + struct.pack("<IIQ", 9, 99, 1)
    nested = (4, [5])
    for _ in range(12):
        nested = (9, [nested])
    yield gguf([("k.deep", 9, nested)])
    yield gguf([("k", 7, 2)])
    yield gguf([("k", 4, 1), ("k", 4, 2)])
    yield gguf([("", 4, 1)])
    yield gguf([("general.alignment", 10, 64)])
    yield gguf([("general.alignment", 4, 48)])
    yield gguf([("general.alignment", 4, 0)])
    yield gguf(arch, [("t", [], 0, None)])
    yield gguf(arch, [("t", [1, 1, 1, 1, 1], 0, None)])
    yield gguf(arch, [("t", [4], 77, None)], data=bytes(64))
    yield gguf(arch, [("t", [4], 4, None)], data=bytes(64))
    yield gguf(arch, [("t", [33], 8, None)])
    yield gguf(arch, [("t", [2 ** 40, 2 ** 40], 0, None)], data=bytes(64))
    yield gguf(arch, [("t", [4], 0, 8)], data=bytes(64))
    yield gguf(arch, [("t", [4], 0, 2 ** 20)], data=bytes(64))
    yield gguf(arch, [("a", [16], 0, 0), ("b", [16], 0, 32)])
    yield gguf(arch, [("a", [4], 0, None), ("a", [4], 0, None)])
    yield gguf(arch, [("", [4], 0, None)])


def write_seeds(directory, blobs):
    os.makedirs(directory, exist_ok=True)
    for blob in blobs:
        name = "seed-" + hashlib.sha1(blob).hexdigest()[:16]
        with open(os.path.join(directory, name), "wb") as f:
            f.write(blob)


def main():
    write_seeds(OUT, seeds())
    write_seeds(OUT_GGUF, gguf_seeds())


if __name__ == "__main__":
    main()
