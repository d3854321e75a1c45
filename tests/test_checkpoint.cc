#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/io/checkpoint.h"
#include "harness/io/safetensors.h"

namespace engram::io {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("engram_ckpt_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write_text(const std::string& name, const std::string& text) const { std::ofstream(path(name)) << text; }
  void expect_open_error(const std::string& target, const std::string& needle) const {
    try {
      Checkpoint::open(target);
      ADD_FAILURE() << "opened a broken checkpoint";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

TEST_F(CheckpointTest, ShardedThroughTheIndex) {
  const at::Tensor a = at::randn({4, 3}), b = at::arange(7, at::kLong), c = at::randn({2}).to(at::kBFloat16);
  write_safetensors(path("model-00001-of-00002.safetensors"), {{"a", a}, {"b", b}});
  write_safetensors(path("model-00002-of-00002.safetensors"), {{"c", c}});
  write_text("model.safetensors.index.json", R"({"metadata": {"total_size": 70}, "weight_map": {
      "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
      "c": "model-00002-of-00002.safetensors"}})");
  const Checkpoint checkpoint = Checkpoint::open(dir_.string());
  EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(checkpoint.files().size(), 2u);
  EXPECT_TRUE(at::equal(checkpoint.tensor("a"), a));
  EXPECT_TRUE(at::equal(checkpoint.tensor("b"), b));
  EXPECT_TRUE(at::equal(checkpoint.tensor("c"), c));
  EXPECT_EQ(checkpoint.entry("c").dtype.name, "BF16");
  EXPECT_EQ(checkpoint.metadata().at("total_size"), "70");
  EXPECT_THROW(checkpoint.tensor("d"), std::runtime_error);
}

TEST_F(CheckpointTest, BrokenIndexesAreNamedErrors) {
  write_safetensors(path("one.safetensors"), {{"a", at::ones({2})}});
  write_text("model.safetensors.index.json", R"({"weight_map": {"a": "one.safetensors", "z": "one.safetensors"}})");
  expect_open_error(dir_.string(), "weight_map.z");
  write_text("model.safetensors.index.json", R"({"weight_map": {"a": "missing.safetensors"}})");
  expect_open_error(dir_.string(), "missing.safetensors");
  write_text("model.safetensors.index.json", R"({"weight_map": {"a": "../one.safetensors"}})");
  expect_open_error(dir_.string(), "outside the checkpoint");
  write_text("model.safetensors.index.json", R"({"weights": {}})");
  expect_open_error(dir_.string(), "weight_map");
  write_text("model.safetensors.index.json", "{oops");
  expect_open_error(dir_.string(), "model.safetensors.index.json");
  expect_open_error(path("nothing-here"), "no such file");
}

TEST_F(CheckpointTest, SingleFileAndDirectoryLookup) {
  write_safetensors(path("weights.safetensors"), {{"x", at::ones({3})}});
  EXPECT_TRUE(Checkpoint::open(dir_.string()).contains("x"));
  EXPECT_TRUE(Checkpoint::open(path("weights.safetensors")).contains("x"));
  write_safetensors(path("other.safetensors"), {{"y", at::ones({3})}});
  expect_open_error(dir_.string(), "single");
}

TEST_F(CheckpointTest, MappedTensorsArePrivateAndMisalignedDataIsCopied) {
  write_safetensors(path("w.safetensors"), {{"u", at::arange(3, at::kByte)}, {"f", at::arange(5, at::kFloat)}});
  {
    const SafetensorsReader reader = SafetensorsReader::open(path("w.safetensors"));
    at::Tensor f = reader.tensor("f");  // starts 3 bytes into the data section: not float-aligned
    EXPECT_TRUE(at::equal(f, at::arange(5, at::kFloat)));
    at::Tensor u = reader.tensor("u");
    u.fill_(9);  // a private mapping: the file must not change
  }
  const SafetensorsReader again = SafetensorsReader::open(path("w.safetensors"));
  EXPECT_TRUE(at::equal(again.tensor("u"), at::arange(3, at::kByte)));
  // A view outlives its reader.
  at::Tensor survivor = SafetensorsReader::open(path("w.safetensors")).tensor("u");
  EXPECT_EQ(survivor.sum().item<int64_t>(), 3);
}

}  // namespace
}  // namespace engram::io
