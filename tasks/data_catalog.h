#pragma once
// The catalog of canonical benchmark files: for every file a task reads, where it comes from (a
// pinned commit of a public repository, or a member of a pinned archive) and its SHA-256. It backs
// `engram-bench data fetch` (download into a cache, checksum, rename into place) and
// `engram-bench data verify` (is a data folder exactly the canonical bytes?). The downloading
// itself is injected (harness/io/http_fetch.h does it with libcurl), so this file stays free of
// network code and of LibTorch. Nothing here ships data: only names, addresses and checksums.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::tasks {

// Where a group of files comes from, for messages and for the catalog listing.
struct CatalogSource {
  std::string name;         // "bbh", "mmlu-vendored", ...
  std::string url_base;     // files are url_base + remote path
  std::string provenance;   // repository @ commit, licence
};

// A canonical archive (e.g. Hendrycks' data.tar): downloaded whole, checked, extracted with tar.
struct CatalogArchive {
  std::string name;    // identifies it in CatalogFile::archive
  std::string url;
  std::string sha256;  // of the archive itself
};

struct CatalogFile {
  std::string dataset;   // "bbh", "mmlu", "humaneval", "ruler"
  std::string path;      // relative to the data folder, e.g. "bbh/bbh/navigate.json"
  std::string url;       // canonical address of the file (empty for an archive member)
  std::string sha256;    // lower-case hex of the exact bytes
  std::string archive;   // name of the CatalogArchive it is extracted from, if any
  std::string member;    // its path inside that archive
};

class DataCatalog {
 public:
  DataCatalog() = default;
  DataCatalog(std::vector<CatalogSource> sources, std::vector<CatalogArchive> archives, std::vector<CatalogFile> files);

  // BBH, MMLU, HumanEval and the RULER inputs, as pinned by ../shared/datasets/*/MANIFEST.md.
  static const DataCatalog& builtin();

  const std::vector<CatalogSource>& sources() const { return sources_; }
  const std::vector<CatalogArchive>& archives() const { return archives_; }
  const std::vector<CatalogFile>& files() const { return files_; }
  // Dataset names in catalog order.
  std::vector<std::string> datasets() const;
  // The files of the named datasets (all when empty); an unknown name is std::invalid_argument
  // listing the known ones.
  DataCatalog select(const std::vector<std::string>& datasets) const;
  const CatalogArchive& archive(const std::string& name) const;

 private:
  std::vector<CatalogSource> sources_;
  std::vector<CatalogArchive> archives_;
  std::vector<CatalogFile> files_;
};

// `url` with its scheme and host replaced by `mirror_prefix` ("https://host/a/b" with
// "file:///srv/mirror" gives "file:///srv/mirror/a/b"). An empty prefix returns `url` unchanged.
std::string apply_mirror(const std::string& url, const std::string& mirror_prefix);

enum class FileState { ok, missing, wrong_checksum, fetched };
const char* to_string(FileState state);

struct FileCheck {
  CatalogFile file;
  FileState state = FileState::missing;
  std::string actual_sha256;  // when the file exists
  std::string detail;         // why a fetch failed, for messages
};

struct DataReport {
  std::filesystem::path data_dir;
  std::vector<FileCheck> files;
  size_t count(FileState state) const;
  bool all_present_and_valid() const;  // every file ok or fetched
  nlohmann::json to_json() const;
  std::string to_table() const;  // one line per dataset, then one per problem file
};

// Checks every catalog file under `data_dir`: missing, wrong checksum, or ok.
DataReport verify_data_dir(const DataCatalog& catalog, const std::filesystem::path& data_dir);

// Downloads `url` to `destination` (overwriting it); throws std::runtime_error whose message names
// the URL and the reason (offline, 404, ...).
using Downloader = std::function<void(const std::string& url, const std::filesystem::path& destination)>;

struct FetchOptions {
  std::string mirror_prefix;  // see apply_mirror
  bool force = false;         // download even files that are already present and valid
};

// Brings `data_dir` up to the catalog: files already valid are kept; the others are downloaded to
// a temporary name beside their destination, checked, then renamed into place (archives are
// checked, then extracted with `tar` into a staging folder whose members are checked and renamed).
// A file that cannot be fetched or has the wrong bytes stays missing (never half-written) and is
// reported with the reason; the report says what is still missing.
DataReport fetch_catalog(const DataCatalog& catalog, const std::filesystem::path& data_dir, const Downloader& download,
                         const FetchOptions& options = {});

// SHA-256 (lower-case hex) of a file's bytes, streamed.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace engram::tasks
