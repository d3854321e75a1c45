// The data catalog and `data fetch` / `data verify` logic: the built-in checksums against the
// shared copies, fetching through libcurl from a file:// mirror (how the tests run offline),
// corrupt and unreachable sources, and archives extracted with tar.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "harness/io/http_fetch.h"
#include "tasks/data_catalog.h"
#include "tasks/sha256.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

namespace fs = std::filesystem;
using testing::datasets_dir;
using testing::ScratchDir;

const Downloader curl = [](const std::string& url, const fs::path& to) { io::fetch_url(url, to); };

// Lays out a copy of the shared files the way the catalog's URLs name them, below `root`.
void build_mirror(const DataCatalog& catalog, const fs::path& root) {
  for (const auto& f : catalog.files()) {
    const std::string url = apply_mirror(f.url, "file://" + root.string());
    const fs::path at = url.substr(std::string("file://").size());
    fs::create_directories(at.parent_path());
    fs::copy_file(datasets_dir() / f.path, at);
  }
}

bool has_partial_files(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".part-") != std::string::npos || name.rfind(".staging-", 0) == 0) return true;
  }
  return false;
}

TEST(DataCatalog, MirrorReplacesSchemeAndHost) {
  EXPECT_EQ(apply_mirror("https://raw.githubusercontent.com/a/b/c.json", "file:///srv/m/"), "file:///srv/m/a/b/c.json");
  EXPECT_EQ(apply_mirror("https://host/x", ""), "https://host/x");
  EXPECT_THROW(apply_mirror("not a url", "file:///m"), std::invalid_argument);
}

TEST(DataCatalog, BuiltinMatchesTheSharedCopies) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto& catalog = DataCatalog::builtin();
  EXPECT_EQ(catalog.datasets(), (std::vector<std::string>{"bbh", "humaneval", "mmlu", "ruler"}));
  EXPECT_EQ(catalog.select({"bbh"}).files().size(), 54u);
  EXPECT_EQ(catalog.select({"mmlu"}).files().size(), 114u);
  EXPECT_EQ(catalog.select({"humaneval"}).files().size(), 1u);
  EXPECT_EQ(catalog.select({"ruler"}).files().size(), 5u);
  EXPECT_THROW(catalog.select({"gsm8k"}), std::invalid_argument);
  for (const auto& f : catalog.files()) EXPECT_EQ(f.url.rfind("https://raw.githubusercontent.com/", 0), 0u) << f.path;
  const auto report = verify_data_dir(catalog, datasets_dir());
  EXPECT_TRUE(report.all_present_and_valid()) << report.to_table();
  EXPECT_EQ(report.count(FileState::ok), 174u);
}

TEST(DataCatalog, FetchFromFileMirrorThenVerify) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto catalog = DataCatalog::builtin().select({"bbh", "humaneval"});
  ScratchDir mirror, data;
  build_mirror(catalog, mirror.path());
  FetchOptions options;
  options.mirror_prefix = "file://" + mirror.path().string();

  EXPECT_EQ(verify_data_dir(catalog, data.path()).count(FileState::missing), 55u);
  auto report = fetch_catalog(catalog, data.path(), curl, options);
  EXPECT_EQ(report.count(FileState::fetched), 55u) << report.to_table();
  EXPECT_TRUE(verify_data_dir(catalog, data.path()).all_present_and_valid());

  // A corrupted local file is reported, then replaced; valid files are left alone.
  data.write("bbh/bbh/navigate.json", "{}");
  const auto broken = verify_data_dir(catalog, data.path());
  EXPECT_EQ(broken.count(FileState::wrong_checksum), 1u);
  EXPECT_FALSE(broken.all_present_and_valid());
  EXPECT_EQ(broken.to_json()["counts"]["wrong_checksum"], 1);
  report = fetch_catalog(catalog, data.path(), curl, options);
  EXPECT_EQ(report.count(FileState::fetched), 1u);
  EXPECT_EQ(report.count(FileState::ok), 54u);

  // A source with the wrong bytes is refused: nothing lands under the real name, no temp is left.
  fs::remove(data.path() / "humaneval/HumanEval.jsonl.gz");
  const auto source = apply_mirror(catalog.select({"humaneval"}).files()[0].url, options.mirror_prefix);
  std::ofstream(source.substr(7), std::ios::binary) << "tampered";
  report = fetch_catalog(catalog, data.path(), curl, options);
  EXPECT_EQ(report.count(FileState::missing), 1u);
  EXPECT_NE(report.to_table().find("not the pinned bytes"), std::string::npos) << report.to_table();
  EXPECT_FALSE(fs::exists(data.path() / "humaneval/HumanEval.jsonl.gz"));
  EXPECT_FALSE(has_partial_files(data.path()));
}

TEST(DataCatalog, UnreachableSourceSaysWhatIsMissing) {
  const DataCatalog catalog({}, {}, {{"demo", "demo/a.txt", "https://example.invalid/a.txt", std::string(64, '0'), "", ""}});
  ScratchDir data;
  FetchOptions options;
  options.mirror_prefix = "http://127.0.0.1:9";  // the discard port: connection refused, at once
  const auto report = fetch_catalog(catalog, data.path(), curl, options);
  ASSERT_EQ(report.count(FileState::missing), 1u);
  const std::string detail = report.files[0].detail;
  EXPECT_NE(detail.find("http://127.0.0.1:9/a.txt"), std::string::npos) << detail;
  EXPECT_NE(detail.find("offline"), std::string::npos) << detail;
  EXPECT_NE(report.to_table().find("missing         demo/a.txt"), std::string::npos);
  EXPECT_FALSE(has_partial_files(data.path()));
  // A file:// source that is not there names the URL too.
  EXPECT_THROW(io::fetch_url("file:///nonexistent/engram/x", data.path() / "x"), std::runtime_error);
}

TEST(DataCatalog, ArchiveIsCheckedThenExtractedWithTar) {
  ScratchDir work, data;
  work.write("src/data/dev/a_dev.csv", "q,1,2,3,4,A\n");
  work.write("src/data/test/a_test.csv", "q,1,2,3,4,B\n");
  const fs::path tar = work.path() / "data.tar";
  const std::string command = "tar -cf " + tar.string() + " -C " + (work.path() / "src").string() + " data";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::string url = "file://" + tar.string();
  const auto make = [&](const std::string& archive_sha) {
    return DataCatalog({}, {{"data.tar", url, archive_sha}},
                       {{"mmlu", "mmlu/dev/a_dev.csv", "", sha256_hex("q,1,2,3,4,A\n"), "data.tar", "data/dev/a_dev.csv"},
                        {"mmlu", "mmlu/test/a_test.csv", "", sha256_hex("q,1,2,3,4,B\n"), "data.tar",
                         "data/test/a_test.csv"}});
  };
  const auto wrong = fetch_catalog(make(std::string(64, 'a')), data.path(), curl);
  EXPECT_EQ(wrong.count(FileState::missing), 2u);
  EXPECT_NE(wrong.files[0].detail.find("expected aaaa"), std::string::npos) << wrong.files[0].detail;
  const auto right = fetch_catalog(make(sha256_file(tar)), data.path(), curl);
  EXPECT_EQ(right.count(FileState::fetched), 2u) << right.to_table();
  EXPECT_TRUE(verify_data_dir(make(sha256_file(tar)), data.path()).all_present_and_valid());
  EXPECT_FALSE(has_partial_files(data.path()));
}

TEST(DataCatalog, RejectsMalformedEntries) {
  EXPECT_THROW(DataCatalog({}, {}, {{"d", "x", "https://h/x", "abc", "", ""}}), std::invalid_argument);
  EXPECT_THROW(DataCatalog({}, {}, {{"d", "x", "", std::string(64, '0'), "nope", "m"}}), std::invalid_argument);
  EXPECT_THROW(DataCatalog({}, {},
                           {{"d", "x", "https://h/x", std::string(64, '0'), "", ""},
                            {"d", "x", "https://h/y", std::string(64, '0'), "", ""}}),
               std::invalid_argument);
}

}  // namespace
}  // namespace engram::tasks
