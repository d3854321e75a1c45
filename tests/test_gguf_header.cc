// The GGUF header parser against gguf-py's GGUFReader on files its GGUFWriter wrote (v3 with a custom
// alignment, and the v2 variant), and its errors on malformed files.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "gguf_test_support.h"
#include "harness/io/gguf_header.h"

namespace engram {
namespace {

using nlohmann::json;

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

io::GgufHeader parse(const std::string& bytes, const std::string& source) {
  return io::parse_gguf_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), source);
}

json flattened(const json& value) {
  if (!value.is_array()) return value;
  json out = json::array();
  for (const auto& item : value) {
    const json inner = flattened(item);
    if (inner.is_array()) {
      for (const auto& x : inner) out.push_back(x);
    } else {
      out.push_back(inner);
    }
  }
  return out;
}

// gguf-py's field.types: ["ARRAY", "ARRAY", "INT32"] for an array of arrays of INT32.
json type_chain(const io::GgufValue& v) {
  json chain = json::array();
  const io::GgufValue* at = &v;
  while (true) {
    chain.push_back(*io::gguf_value_type_name(static_cast<uint32_t>(at->type)));
    if (at->type != io::GgufValueType::kArray) break;
    if (at->elements.empty()) {
      chain.push_back(*io::gguf_value_type_name(static_cast<uint32_t>(at->element_type)));
      break;
    }
    at = &at->elements[0];
  }
  return chain;
}

TEST(GgufHeader, WriterFilesMatchGgufPy) {
  const json expected = testing::read_json(testing::gguf_data_dir() / "writer_expected.json");
  int keys = 0, tensors = 0;
  for (const auto& [name, file] : expected["files"].items()) {
    SCOPED_TRACE(name);
    const io::GgufHeader header = parse(read_bytes(testing::gguf_data_dir() / name), name);
    EXPECT_EQ(header.version, file["version"].get<uint32_t>());
    EXPECT_EQ(header.alignment, file["alignment"].get<uint64_t>());
    EXPECT_EQ(header.data_offset, file["data_offset"].get<uint64_t>());
    ASSERT_EQ(header.metadata.size(), file["metadata"].size());
    for (const auto& [key, field] : file["metadata"].items()) {
      SCOPED_TRACE(key);
      const io::GgufValue* v = header.find(key);
      ASSERT_NE(v, nullptr);
      if (field["type"] == "ARRAY") {
        EXPECT_EQ(type_chain(*v), field["types"]);
      } else {
        EXPECT_EQ(*io::gguf_value_type_name(static_cast<uint32_t>(v->type)), field["type"].get<std::string>());
      }
      if (field.contains("written")) {
        // gguf-py's reader flattens nested arrays; the structure is what its writer was given.
        EXPECT_EQ(io::gguf_value_json(*v), field["written"]);
        EXPECT_EQ(flattened(io::gguf_value_json(*v)), field["value"]);
      } else {
        EXPECT_EQ(io::gguf_value_json(*v), field["value"]);
      }
      ++keys;
    }
    ASSERT_EQ(header.tensors.size(), file["tensors"].size());
    for (std::size_t i = 0; i < header.tensors.size(); ++i) {
      const auto& t = header.tensors[i];
      const auto& e = file["tensors"][i];
      EXPECT_EQ(t.name, e["name"].get<std::string>());
      EXPECT_EQ(t.type.name, e["type"].get<std::string>());
      EXPECT_EQ(t.dims, e["dims"].get<std::vector<int64_t>>());
      EXPECT_EQ(t.offset, e["offset"].get<uint64_t>());
      ++tensors;
    }
  }
  EXPECT_GE(keys, 36);
  EXPECT_GE(tensors, 20);
}

TEST(GgufHeader, TypedReadsNameTheKeyAndTypes) {
  const io::GgufHeader header = parse(read_bytes(testing::gguf_data_dir() / "writer_v3.gguf"), "writer_v3.gguf");
  EXPECT_EQ(header.integer("test.int8"), -100);
  EXPECT_EQ(header.integer("test.uint32"), 4000000000LL);
  EXPECT_EQ(header.number("test.float64"), 1e-300);
  EXPECT_EQ(header.boolean("test.bool"), true);
  EXPECT_EQ(header.string("absent.key"), std::nullopt);
  ASSERT_NE(header.array("test.array_string", io::GgufValueType::kString), nullptr);
  try {
    (void)header.integer("test.string");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "writer_v3.gguf: key 'test.string' has type STRING, expected an integer");
  }
  try {
    (void)header.integer("test.uint64");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'test.uint64'"), std::string::npos) << e.what();
  }
  try {
    (void)header.array("test.array_int", io::GgufValueType::kString);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "writer_v3.gguf: key 'test.array_int' has type ARRAY[INT32], expected ARRAY[STRING]");
  }
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  try {
    (void)parse(bytes, "bad.gguf");
    ADD_FAILURE() << "accepted; expected an error containing: " << fragment;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("bad.gguf: ", 0), 0u) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(GgufHeader, MalformedFilesAreErrorsNamingTheFieldOrTensor) {
  const std::string good = read_bytes(testing::gguf_data_dir() / "writer_v3.gguf");
  ASSERT_GT(good.size(), 1000u);
  expect_error("", "magic");
  expect_error("GGML" + good.substr(4), "not a GGUF file");
  std::string v1 = good;
  v1[4] = 1;
  expect_error(v1, "version 1 is not supported");
  std::string big_endian = good;
  big_endian[4] = 0;
  big_endian[7] = 3;
  expect_error(big_endian, "big-endian");
  expect_error(good.substr(0, 60), "truncated");
  // The last tensor's bytes cut off.
  expect_error(good.substr(0, good.size() - 100), "tensor 'q6_k_3d'");
  // A string length past the end: the first key's length field at offset 24.
  std::string long_key = good;
  long_key[24 + 7] = 0x40;
  expect_error(long_key, "string length");
  // The metadata count: more entries than the file can hold.
  std::string many = good;
  many[16 + 6] = 0x10;
  expect_error(many, "metadata count");
}

TEST(GgufHeader, TensorInfoErrorsNameTheTensor) {
  // A hand-built file: one key, one tensor of an unknown ggml type.
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [](uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& s) { return u64(s.size()) + s; };
  const std::string head = "GGUF" + u32(3) + u64(1) + u64(0);
  auto file = [&](uint32_t n_dims, uint64_t dim, uint32_t type, uint64_t offset) {
    std::string info = str("blk.0.attn_q.weight") + u32(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) info += u64(dim);
    std::string out = head + info + u32(type) + u64(offset);
    out.resize((out.size() + 31) / 32 * 32 + 4096, '\0');
    return out;
  };
  expect_error(file(2, 32, 99, 0), "tensor 'blk.0.attn_q.weight': unknown ggml type 99");
  expect_error(file(5, 1, 0, 0), "tensor 'blk.0.attn_q.weight': dimension count 5");
  expect_error(file(1, 33, 8, 0), "row length 33 is not a multiple of the Q8_0 block size 32");
  expect_error(file(1, 4, 0, 16), "offset 16 is not a multiple of the alignment 32");
  expect_error(file(1, 4096, 0, 0), "run past the data section");
  EXPECT_NO_THROW((void)parse(file(2, 32, 8, 0), "ok.gguf"));
}

}  // namespace
}  // namespace engram
