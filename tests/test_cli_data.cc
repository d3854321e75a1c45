// `engram-bench data verify` and `data fetch`, run as a user runs them: the shared data verifies
// against the catalog file by file (and the catalog's checksums are the SHA256SUMS that came with
// the data); a copy with one byte changed and one file missing exits 1 naming both, and `data fetch`
// from a file:// mirror repairs exactly those two.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tasks::testing::ScratchDir;

fs::path datasets() { return testing::shared_dir() / "datasets"; }

// "dataset/path" -> SHA-256, from the SHA256SUMS file each shared dataset folder carries.
std::map<std::string, std::string> shipped_checksums(const std::vector<std::string>& names) {
  std::map<std::string, std::string> sums;
  for (const std::string& name : names) {
    std::ifstream in(datasets() / name / "SHA256SUMS");
    EXPECT_TRUE(in) << name;
    std::string sha, path;
    while (in >> sha >> path) sums[name + "/" + path] = sha;
  }
  return sums;
}

// The checksum coreutils' sha256sum gives, the outside reference for a changed file.
std::string sha256sum(const fs::path& file) {
  const auto [code, output] = testing::run_program_with_env("", "sha256sum", file.string());
  EXPECT_EQ(code, 0) << output;
  return output.substr(0, 64);
}

std::map<std::string, json> by_path(const json& report) {
  std::map<std::string, json> files;
  for (const json& f : report["files"]) files[f["path"].get<std::string>()] = f;
  return files;
}

TEST(CliData, VerifyPassesOnTheSharedDataFileByFile) {
  ENGRAM_REQUIRE_SHARED(datasets() / "bbh");
  const auto [code, output] =
      testing::run_engram_bench("data verify --format json --data-dir " + datasets().string(), /*with_stderr=*/false);
  ASSERT_EQ(code, 0) << output;
  const json report = json::parse(output);
  const auto sums = shipped_checksums({"bbh", "humaneval", "mmlu", "ruler"});
  ASSERT_EQ(report["files"].size(), sums.size());
  EXPECT_EQ(report["counts"]["ok"], sums.size());
  for (const json& f : report["files"]) {
    const std::string path = f["path"].get<std::string>();
    EXPECT_EQ(f["state"], "ok") << path;
    ASSERT_TRUE(sums.count(path)) << path << " is not in the shipped SHA256SUMS";
    EXPECT_EQ(f["expected_sha256"], sums.at(path)) << path;
  }
}

// Copies the files of `names` from the shared data (their SHA256SUMS lists them) into `to`.
void copy_datasets(const std::vector<std::string>& names, const fs::path& to) {
  for (const auto& [path, sha] : shipped_checksums(names)) {
    fs::create_directories((to / path).parent_path());
    fs::copy_file(datasets() / path, to / path);
  }
}

// Lays out the named files of a verify report under `mirror` the way their source URLs name them.
void mirror_sources(const json& report, const std::vector<std::string>& paths, const fs::path& mirror) {
  for (const json& f : report["files"]) {
    const std::string path = f["path"].get<std::string>();
    if (std::find(paths.begin(), paths.end(), path) == paths.end()) continue;
    const std::string url = f["source"].get<std::string>();  // https://HOST/REST
    const std::string rest = url.substr(url.find('/', std::string("https://").size()) + 1);
    fs::create_directories((mirror / rest).parent_path());
    fs::copy_file(datasets() / path, mirror / rest);
  }
}

TEST(CliData, VerifyNamesAChangedAndAMissingFileThenFetchRepairsThem) {
  ENGRAM_REQUIRE_SHARED(datasets() / "bbh");
  ScratchDir data, mirror;
  copy_datasets({"bbh", "humaneval"}, data.path());
  const std::string changed = "bbh/bbh/navigate.json", removed = "bbh/cot-prompts/snarks.txt";
  {
    std::fstream f(data.path() / changed, std::ios::in | std::ios::out | std::ios::binary);
    char byte = 0;
    f.seekg(100);
    f.get(byte);
    f.seekp(100);
    f.put(static_cast<char>(byte ^ 1));
  }
  fs::remove(data.path() / removed);
  const std::string args = " --datasets bbh,humaneval --data-dir " + data.path().string();

  const fs::path written = data.path() / "verify.json";
  const auto [code, output] = testing::run_engram_bench("data verify --format json --output " + written.string() + args,
                                                        /*with_stderr=*/false);
  EXPECT_EQ(code, 1) << output;
  const json report = json::parse(output);
  EXPECT_EQ(testing::read_json(written), report);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["counts"]["files"], 55);
  EXPECT_EQ(report["counts"]["ok"], 53);
  auto files = by_path(report);
  EXPECT_EQ(files[changed]["state"], "wrong_checksum");
  EXPECT_EQ(files[changed]["actual_sha256"], sha256sum(data.path() / changed));
  EXPECT_EQ(files[removed]["state"], "missing");

  const auto [table_code, table] = testing::run_engram_bench("data verify" + args);
  EXPECT_EQ(table_code, 1);
  EXPECT_NE(table.find("wrong checksum  " + changed), std::string::npos) << table;
  EXPECT_NE(table.find("missing         " + removed), std::string::npos) << table;
  EXPECT_NE(table.find("1 missing and 1 wrong of 55 files"), std::string::npos) << table;

  mirror_sources(report, {changed, removed}, mirror.path());
  const auto [fetch_code, fetched] = testing::run_engram_bench(
      "data fetch --format json --mirror file://" + mirror.path().string() + args, /*with_stderr=*/false);
  ASSERT_EQ(fetch_code, 0) << fetched;
  files = by_path(json::parse(fetched));
  EXPECT_EQ(files[changed]["state"], "fetched");
  EXPECT_EQ(files[removed]["state"], "fetched");
  EXPECT_EQ(json::parse(fetched)["counts"]["ok"], 53);
  EXPECT_EQ(testing::run_engram_bench("data verify" + args).first, 0);
}

}  // namespace
}  // namespace engram
