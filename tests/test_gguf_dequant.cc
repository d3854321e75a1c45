// Dequantisation against gguf-py's gguf.quants.dequantize, value for value, on random raw blocks
// and on blocks gguf-py quantised (tests/data/gguf/dequant_cases.json), and GgufFile's tensors on
// the files GGUFWriter wrote.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "gguf_test_support.h"
#include "harness/io/gguf_dequant.h"
#include "harness/io/gguf_file.h"

namespace engram {
namespace {

io::GgmlType type_named(const std::string& name) {
  for (uint32_t code = 0; code < 64; ++code) {
    if (const auto t = io::ggml_type(code); t && t->name == name) return *t;
  }
  throw std::runtime_error("no ggml type " + name);
}

// Bitwise equal, or both NaN.
int64_t mismatches(const float* a, const std::vector<float>& b) {
  int64_t bad = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], 4) != 0 && !(std::isnan(a[i]) && std::isnan(b[i]))) ++bad;
  }
  return bad;
}

TEST(GgufDequant, EveryTypeMatchesGgufPy) {
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "dequant_cases.json");
  std::set<std::string> types;
  int64_t values = 0;
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["type"];
    SCOPED_TRACE(name + ": " + c["origin"].get<std::string>());
    const std::string raw = testing::base64_decode(c["raw"]);
    const std::vector<float> expected = testing::base64_floats(c["float32"]);
    const io::GgmlType type = type_named(name);
    ASSERT_EQ(static_cast<int64_t>(expected.size()), c["numel"].get<int64_t>());
    ASSERT_EQ(static_cast<int64_t>(raw.size()), c["numel"].get<int64_t>() / type.block_elements * type.block_bytes);
    const at::Tensor got = io::dequantize_gguf(type, reinterpret_cast<const uint8_t*>(raw.data()),
                                               static_cast<int64_t>(expected.size()), "case");
    ASSERT_EQ(got.numel(), static_cast<int64_t>(expected.size()));
    EXPECT_EQ(mismatches(got.data_ptr<float>(), expected), 0);
    types.insert(name);
    values += got.numel();
  }
  EXPECT_EQ(types, (std::set<std::string>{"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K",
                                          "Q6_K"}));
  std::cout << "[gguf dequant] " << fixture["cases"].size() << " cases, " << types.size() << " types, " << values
            << " values bit-identical to gguf-py\n";
}

TEST(GgufDequant, UnsupportedTypeNamesTypeAndTensor) {
  const io::GgmlType q2k = type_named("Q2_K");
  const std::string raw(static_cast<std::size_t>(q2k.block_bytes), '\0');
  try {
    (void)io::dequantize_gguf(q2k, reinterpret_cast<const uint8_t*>(raw.data()), 256, "m.gguf: tensor 'blk.0.ffn_up.weight'");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("m.gguf: tensor 'blk.0.ffn_up.weight': tensor type Q2_K is not supported"),
              std::string::npos)
        << e.what();
  }
}

TEST(GgufFile, WriterTensorsMatchGgufPy) {
  const auto expected = testing::read_json(testing::gguf_data_dir() / "writer_expected.json");
  int tensors = 0;
  for (const auto& [name, file] : expected["files"].items()) {
    const io::GgufFile gguf = io::GgufFile::open((testing::gguf_data_dir() / name).string());
    for (const auto& e : file["tensors"]) {
      SCOPED_TRACE(name + " " + e["name"].get<std::string>());
      const at::Tensor t = gguf.tensor(e["name"].get<std::string>());
      auto dims = e["dims"].get<std::vector<int64_t>>();
      EXPECT_EQ(t.sizes().vec(), std::vector<int64_t>(dims.rbegin(), dims.rend()));
      const std::vector<float> values = testing::base64_floats(e["float32"]);
      ASSERT_EQ(t.numel(), static_cast<int64_t>(values.size()));
      EXPECT_EQ(mismatches(t.contiguous().data_ptr<float>(), values), 0);
      ++tensors;
    }
  }
  EXPECT_GE(tensors, 24);
  const io::GgufFile v3 = io::GgufFile::open((testing::gguf_data_dir() / "writer_v3.gguf").string());
  try {
    (void)v3.tensor("absent.weight");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'absent.weight' is not in the file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram
