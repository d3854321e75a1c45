#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/io/safetensors.h"
#include "test_support.h"

namespace engram::io {
namespace {

std::string header_file(const std::string& header_json, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header_json + data;
}

void expect_rejected(const std::string& bytes, const std::string& needle) {
  try {
    parse_safetensors(bytes, "bad.safetensors");
    ADD_FAILURE() << "accepted a corrupt file (expected error mentioning '" << needle << "')";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bad.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(Safetensors, RoundTripsEveryDtypeWithMetadata) {
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"f64", at::randn({2, 3}, at::kDouble)},
      {"f32", at::randn({4}, at::kFloat)},
      {"bf16", at::randn({3, 1}).to(at::kBFloat16)},
      {"f16", at::randn({5}).to(at::kHalf)},
      {"i64", at::tensor(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 7})},
      {"i32", at::arange(6, at::kInt).view({2, 3})},
      {"u8", at::arange(10, at::kByte)},
      {"bool", at::tensor(std::vector<int64_t>{1, 0, 1}).to(at::kBool)},
      {"f8", at::randn({4}).to(at::kFloat8_e4m3fn)},
      {"empty", at::empty({0, 3})},
      {"scalar", at::tensor(3.5)},
      {"strided", at::randn({4, 4}).t()},
  };
  const std::string bytes = serialize_safetensors(tensors, {{"producer", "test"}});
  const SafetensorsFile file = parse_safetensors(bytes, "mem");
  ASSERT_EQ(file.tensors.size(), tensors.size());
  EXPECT_EQ(file.metadata.at("producer"), "test");
  for (const auto& [name, tensor] : tensors) {
    const at::Tensor& back = file.get(name);
    EXPECT_EQ(back.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(at::equal(back.view(at::kByte), tensor.contiguous().view(at::kByte))) << name;
  }
  EXPECT_THROW(file.get("nope"), std::runtime_error);
}

TEST(Safetensors, HeaderIsPaddedToEightBytes) {
  const std::string bytes = serialize_safetensors({{"x", at::ones({3})}});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ((8 + n) % 8, 0u);
}

TEST(Safetensors, CorruptFilesGiveNamedErrors) {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  ASSERT_NO_THROW(parse_safetensors(header_file(ok, data), "ok"));
  expect_rejected("abc", "too short");
  expect_rejected(header_file(ok, data).substr(0, 20), "runs past the end");
  expect_rejected(header_file(ok, data.substr(0, 4)), "outside");
  std::string huge(8, '\xFF');
  expect_rejected(huge + "{}", "implausible");
  expect_rejected(header_file("{not json", ""), "not valid JSON");
  expect_rejected(header_file("[1]", ""), "not a JSON object");
  expect_rejected(header_file(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", data), "dtype");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data), "shape");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data), "shape");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data), "data_offsets");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[2]}})", data), "data_offsets");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", data),
                  "overflows");
  expect_rejected(header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data),
                  "overlap");
  expect_rejected(header_file(R"({"__metadata__":{"k":1}})", ""), "__metadata__");
}

TEST(Safetensors, WriteIsAtomicAndReadNamesTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("engram_st_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "t.safetensors").string();
  write_safetensors(path, {{"x", at::arange(5, at::kLong)}});
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_TRUE(at::equal(read_safetensors(path).get("x"), at::arange(5, at::kLong)));
  try {
    read_safetensors((dir / "missing.safetensors").string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.safetensors"), std::string::npos);
  }
  EXPECT_THROW(write_safetensors((dir / "no/such/dir/x.safetensors").string(), {{"x", at::ones({1})}}),
               std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Safetensors, ReadsTheGoldenFiles) {
  const auto path = testing::golden_dir() / "forward_hc4_io.safetensors";
  ENGRAM_REQUIRE_SHARED(path);
  const SafetensorsFile file = read_safetensors(path.string());
  EXPECT_EQ(file.get("hidden_states").sizes(), (std::vector<int64_t>{2, 37, 4, 64}));
  EXPECT_EQ(file.get("output_f64").scalar_type(), at::kDouble);
  EXPECT_EQ(file.metadata.at("case"), "forward_hc4");
}

}  // namespace
}  // namespace engram::io
