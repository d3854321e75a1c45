// Model identity by content: XXH3-128 digests checked against the xxhash PyPI package
// (scripts/gen_xxh3_fixture.py), stale weights with the same shapes changing the identity (also past
// 4 GiB, on a sparse file), and the digest cache reused or invalidated by path, size and mtime.
#include <fcntl.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "baselines/presets.h"
#include "harness/model_identity.h"
#include "harness/model_identity_cache.h"
#include "harness/model_identity_hash.h"
#include "test_support.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

// The fixture's byte generator (scripts/gen_xxh3_fixture.py).
std::string generated(uint64_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  for (uint64_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(((i * 2654435761u + seed) & 0xFFFFFFFFu) >> 24);
  return bytes;
}

nlohmann::json fixture() {
  return testing::read_json(testing::source_dir() / "tests" / "data" / "identity" / "xxh3_128.json");
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Overwrites one byte in place, keeping the size.
void overwrite_byte(const fs::path& path, uint64_t offset, char value) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, &value, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

// Moves the modification time into the past, where the cache trusts it.
void age(const fs::path& path, std::chrono::seconds by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

class ModelIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("engram_identity_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "checkpoint");
    fs::create_directories(dir_ / "fallback");
    options_.fallback_cache_dir = dir_ / "fallback";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path checkpoint() const { return dir_ / "checkpoint"; }
  // A small safetensors file: one float32 tensor of shape [2, 3] holding `first` then 1..5.
  void write_weights(float first) const {
    const std::string header = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    bytes += header;
    for (int i = 0; i < 6; ++i) {
      const float value = i == 0 ? first : static_cast<float>(i);
      bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
    write_bytes(checkpoint() / "model.safetensors", bytes);
  }
  fs::path dir_;
  CheckpointDigestOptions options_;
};

TEST(Xxh3Reference, DigestsMatchTheXxhashPackage) {
  const nlohmann::json reference = fixture();
  const fs::path file = fs::temp_directory_path() / ("engram_xxh3_case_" + std::to_string(::getpid()));
  for (const auto& c : reference["cases"]) {
    const std::string bytes = generated(c["size"].get<uint64_t>(), c["seed"].get<uint64_t>());
    EXPECT_EQ(xxh3_128_hex(bytes.data(), bytes.size()), c["xxh3_128"]) << "size " << c["size"];
    write_bytes(file, bytes);  // the largest case spans two of the streaming reader's chunks
    EXPECT_EQ(xxh3_128_file_hex(file), c["xxh3_128"]) << "file of size " << c["size"];
  }
  fs::remove(file);
}

TEST(Xxh3Reference, ASparseFileHashesAsTheZerosItReadsBackAs) {
  const nlohmann::json c = fixture()["sparse"];
  const fs::path file = fs::temp_directory_path() / ("engram_xxh3_sparse_" + std::to_string(::getpid()));
  fs::remove(file);
  {
    std::ofstream out(file, std::ios::binary);
    out.seekp(c["data_offset"].get<std::streamoff>());  // leaves a hole before the data
    out << generated(c["data_size"].get<uint64_t>(), c["seed"].get<uint64_t>());
  }
  fs::resize_file(file, c["total_size"].get<uint64_t>());  // and a hole after it
  EXPECT_EQ(xxh3_128_file_hex(file), c["xxh3_128"]);
  fs::remove(file);
}

TEST_F(ModelIdentityTest, CheckpointDigestMatchesTheReferenceManifest) {
  const nlohmann::json reference = fixture()["checkpoint"];
  for (const auto& f : reference["files"]) {
    write_bytes(checkpoint() / f["name"].get<std::string>(), generated(f["size"].get<uint64_t>(), f["seed"].get<uint64_t>()));
  }
  write_bytes(checkpoint() / "config.json", "{}");  // not a weight file: not hashed
  const CheckpointDigest digest = checkpoint_digest(checkpoint(), options_);
  ASSERT_EQ(digest.files.size(), reference["files"].size());
  for (size_t i = 0; i < digest.files.size(); ++i) {
    EXPECT_EQ(digest.files[i].name, reference["files"][i]["name"]);
    EXPECT_EQ(digest.files[i].bytes, reference["files"][i]["size"]);
    EXPECT_EQ(digest.files[i].xxh3_128, reference["files"][i]["xxh3_128"]);
  }
  EXPECT_EQ(digest.manifest_sha256, reference["manifest_sha256"]);
  const nlohmann::json json = digest.to_json();
  EXPECT_EQ(json["scope"], "all-bytes-xxh3-128");
  EXPECT_EQ(json["files"].size(), 2u);
}

TEST_F(ModelIdentityTest, SameShapesWithOneByteChangedGiveAnotherIdentity) {
  const model::ModelConfig config = model::find_preset("tiny-dense").config;
  write_weights(0.5f);
  const nlohmann::json before = model_identity("hf:x", config, checkpoint(), dir_, std::nullopt, options_);
  write_weights(0.5000001f);  // retrained: same names, shapes and dtypes, one value differs
  const nlohmann::json after = model_identity("hf:x", config, checkpoint(), dir_, std::nullopt, options_);
  EXPECT_NE(before["checkpoint_sha256"], after["checkpoint_sha256"]);
  EXPECT_EQ(before["config_sha256"], after["config_sha256"]);
  EXPECT_EQ(after["checkpoint_identity"]["scope"], "all-bytes-xxh3-128");
  EXPECT_TRUE(model_identity("tiny-dense", config, std::nullopt, dir_, 0, options_)["checkpoint_identity"].is_null());
}

TEST_F(ModelIdentityTest, ASparseFileOver4GiBWithOneByteChangedNearItsEndChangesIdentity) {
  const fs::path file = checkpoint() / "model.safetensors";
  const uint64_t size = (uint64_t{4} << 30) + 4099;
  write_bytes(file, generated(4096, 3));
  fs::resize_file(file, size);  // the rest is a hole: no disk used, read back as zeros
  CheckpointDigestOptions no_cache = options_;
  no_cache.use_cache = false;
  const CheckpointDigest before = checkpoint_digest(checkpoint(), no_cache);
  overwrite_byte(file, size - 5, 'x');
  const CheckpointDigest after = checkpoint_digest(checkpoint(), no_cache);
  ASSERT_EQ(after.files.size(), 1u);
  EXPECT_EQ(after.files[0].bytes, size);
  EXPECT_NE(before.files[0].xxh3_128, after.files[0].xxh3_128);
  EXPECT_NE(before.manifest_sha256, after.manifest_sha256);
}

TEST_F(ModelIdentityTest, TheCacheIsReusedWhileStampsMatchAndDroppedWhenTheMtimeChanges) {
  const fs::path file = checkpoint() / "model.safetensors";
  write_bytes(file, generated(5000, 1));
  age(file, std::chrono::hours(1));
  const CheckpointDigest computed = checkpoint_digest(checkpoint(), options_);
  EXPECT_FALSE(computed.files[0].from_cache);
  EXPECT_EQ(computed.to_json()["source"], "computed");
  const fs::path cache_file = checkpoint() / ".engram-bench-identity.json";
  ASSERT_TRUE(fs::exists(cache_file));

  // Same path, size and mtime: the digest comes from the cache, not from the bytes (planted here).
  nlohmann::json cache = testing::read_json(cache_file);
  ASSERT_EQ(cache["files"].size(), 1u);
  EXPECT_EQ(cache["files"][0]["xxh3_128"], computed.files[0].xxh3_128);
  cache["files"][0]["xxh3_128"] = std::string(32, 'a');
  write_bytes(cache_file, cache.dump());
  const CheckpointDigest cached = checkpoint_digest(checkpoint(), options_);
  EXPECT_TRUE(cached.files[0].from_cache);
  EXPECT_EQ(cached.files[0].xxh3_128, std::string(32, 'a'));
  EXPECT_EQ(cached.to_json()["source"], "cached");

  // New bytes of the same size under another mtime: hashed again, and the cache rewritten.
  overwrite_byte(file, 10, 'z');
  age(file, std::chrono::minutes(30));
  const CheckpointDigest rehashed = checkpoint_digest(checkpoint(), options_);
  EXPECT_FALSE(rehashed.files[0].from_cache);
  EXPECT_NE(rehashed.files[0].xxh3_128, std::string(32, 'a'));
  EXPECT_NE(rehashed.files[0].xxh3_128, computed.files[0].xxh3_128);
  EXPECT_EQ(testing::read_json(cache_file)["files"][0]["xxh3_128"], rehashed.files[0].xxh3_128);
}

TEST_F(ModelIdentityTest, AFreshlyWrittenFileIsNotCached) {
  // Its mtime could still be shared by a rewrite within the same timestamp tick.
  write_bytes(checkpoint() / "model.safetensors", generated(100, 1));
  checkpoint_digest(checkpoint(), options_);
  EXPECT_FALSE(checkpoint_digest(checkpoint(), options_).files[0].from_cache);
}

TEST_F(ModelIdentityTest, AnUnwritableCheckpointFolderCachesInTheFallbackFolder) {
  const fs::path file = checkpoint() / "model.safetensors";
  write_bytes(file, generated(300, 2));
  age(file, std::chrono::hours(1));
  // A folder where the cache file would go: no file can be renamed over it (even as root).
  fs::create_directories(checkpoint() / ".engram-bench-identity.json");
  EXPECT_FALSE(checkpoint_digest(checkpoint(), options_).files[0].from_cache);
  const DigestCache cache(checkpoint(), options_.fallback_cache_dir);
  EXPECT_EQ(cache.fallback_path().parent_path(), options_.fallback_cache_dir);
  EXPECT_TRUE(fs::is_regular_file(cache.fallback_path()));
  EXPECT_TRUE(checkpoint_digest(checkpoint(), options_).files[0].from_cache);
}

TEST_F(ModelIdentityTest, ADamagedCacheIsIgnoredAndRewritten) {
  const fs::path file = checkpoint() / "model.safetensors";
  write_bytes(file, generated(300, 4));
  age(file, std::chrono::hours(1));
  write_bytes(checkpoint() / ".engram-bench-identity.json", "{\"kind\": \"engram-bench-identity-cache\", \"fil");
  const CheckpointDigest digest = checkpoint_digest(checkpoint(), options_);
  EXPECT_FALSE(digest.files[0].from_cache);
  EXPECT_EQ(digest.files[0].xxh3_128, xxh3_128_file_hex(file));
  EXPECT_TRUE(checkpoint_digest(checkpoint(), options_).files[0].from_cache);
}

TEST_F(ModelIdentityTest, AFolderWithoutWeightsIsAnErrorNamingIt) {
  try {
    checkpoint_digest(checkpoint(), options_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(checkpoint().string()), std::string::npos) << e.what();
  }
}

TEST(DigestCacheLocation, FallsBackToXdgCacheHome) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string previous = old ? old : "";
  ::setenv("XDG_CACHE_HOME", "/some/cache", 1);
  EXPECT_EQ(default_fallback_cache_dir(), fs::path("/some/cache/engram-bench"));
  if (old) ::setenv("XDG_CACHE_HOME", previous.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace engram::harness
