#include "tasks/data_catalog.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tasks/sha256.h"

extern char** environ;

namespace engram::tasks {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

// A name beside `target` that no other process picks (pid) and that is never the real name.
fs::path temporary_beside(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + ".part-" + std::to_string(::getpid()));
}

// Runs tar (the real tool, not a re-implementation) to unpack `archive` into `into`.
void extract_with_tar(const fs::path& archive, const fs::path& into) {
  std::vector<std::string> args = {"tar", "-xf", archive.string(), "-C", into.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "tar", nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot run tar to extract " + archive.string() + " (is tar installed?)");
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("tar failed to extract " + archive.string());
  }
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

// Moves a checked file into place atomically (same folder, so rename is atomic).
void install(const fs::path& checked, const fs::path& target) {
  const fs::path staged = temporary_beside(target);
  if (checked != staged) fs::copy_file(checked, staged, fs::copy_options::overwrite_existing);
  fs::rename(staged, target);
}

}  // namespace

DataCatalog::DataCatalog(std::vector<CatalogSource> sources, std::vector<CatalogArchive> archives,
                         std::vector<CatalogFile> files)
    : sources_(std::move(sources)), archives_(std::move(archives)), files_(std::move(files)) {
  std::set<std::string> paths;
  for (const auto& f : files_) {
    if (!paths.insert(f.path).second) throw std::invalid_argument("data catalog lists " + f.path + " twice");
    if (f.sha256.size() != 64) throw std::invalid_argument("data catalog: " + f.path + ": sha256 must be 64 hex digits");
    if (f.url.empty() == f.archive.empty()) {
      throw std::invalid_argument("data catalog: " + f.path + ": give either a url or an archive member");
    }
    if (!f.archive.empty()) archive(f.archive);  // must exist
  }
}

std::vector<std::string> DataCatalog::datasets() const {
  std::vector<std::string> out;
  for (const auto& f : files_) {
    if (std::find(out.begin(), out.end(), f.dataset) == out.end()) out.push_back(f.dataset);
  }
  return out;
}

DataCatalog DataCatalog::select(const std::vector<std::string>& names) const {
  if (names.empty()) return *this;
  const auto known = datasets();
  for (const auto& n : names) {
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      throw std::invalid_argument("unknown dataset '" + n + "'; the catalog has: " + join(known, ", "));
    }
  }
  std::vector<CatalogFile> chosen;
  std::set<std::string> needed_archives;
  for (const auto& f : files_) {
    if (std::find(names.begin(), names.end(), f.dataset) == names.end()) continue;
    chosen.push_back(f);
    if (!f.archive.empty()) needed_archives.insert(f.archive);
  }
  std::vector<CatalogArchive> archives;
  for (const auto& a : archives_) {
    if (needed_archives.count(a.name)) archives.push_back(a);
  }
  return DataCatalog(sources_, std::move(archives), std::move(chosen));
}

const CatalogArchive& DataCatalog::archive(const std::string& name) const {
  for (const auto& a : archives_) {
    if (a.name == name) return a;
  }
  throw std::invalid_argument("data catalog names unknown archive '" + name + "'");
}

std::string apply_mirror(const std::string& url, const std::string& mirror_prefix) {
  if (mirror_prefix.empty()) return url;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) throw std::invalid_argument("not an absolute URL: " + url);
  const size_t path = url.find('/', scheme + 3);
  std::string prefix = mirror_prefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix + (path == std::string::npos ? "/" : url.substr(path));
}

const char* to_string(FileState state) {
  switch (state) {
    case FileState::ok: return "ok";
    case FileState::missing: return "missing";
    case FileState::wrong_checksum: return "wrong_checksum";
    case FileState::fetched: return "fetched";
  }
  return "?";
}

std::string sha256_file(const fs::path& path) { return Sha256().update_file(path).hex_digest(); }

size_t DataReport::count(FileState state) const {
  return static_cast<size_t>(std::count_if(files.begin(), files.end(), [&](const FileCheck& c) { return c.state == state; }));
}

bool DataReport::all_present_and_valid() const {
  return count(FileState::missing) == 0 && count(FileState::wrong_checksum) == 0;
}

nlohmann::json DataReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, std::map<std::string, size_t>> per_dataset;
  for (const auto& c : files) {
    nlohmann::json entry = {{"dataset", c.file.dataset},
                            {"path", c.file.path},
                            {"state", to_string(c.state)},
                            {"expected_sha256", c.file.sha256}};
    if (!c.actual_sha256.empty()) entry["actual_sha256"] = c.actual_sha256;
    entry["source"] = c.file.url.empty() ? c.file.archive + ":" + c.file.member : c.file.url;
    if (!c.detail.empty()) entry["detail"] = c.detail;
    list.push_back(std::move(entry));
    ++per_dataset[c.file.dataset][to_string(c.state)];
  }
  return {{"schema", "engram-bench/data-report/1"},
          {"data_dir", data_dir.string()},
          {"ok", all_present_and_valid()},
          {"counts",
           {{"files", files.size()},
            {"ok", count(FileState::ok)},
            {"fetched", count(FileState::fetched)},
            {"missing", count(FileState::missing)},
            {"wrong_checksum", count(FileState::wrong_checksum)}}},
          {"datasets", per_dataset},
          {"files", list}};
}

std::string DataReport::to_table() const {
  std::ostringstream out;
  out << "data dir: " << data_dir.string() << "\n";
  std::vector<std::string> order;
  std::map<std::string, std::map<FileState, size_t>> per_dataset;
  for (const auto& c : files) {
    if (!per_dataset.count(c.file.dataset)) order.push_back(c.file.dataset);
    ++per_dataset[c.file.dataset][c.state];
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %6s %6s %8s %8s %15s\n", "dataset", "files", "ok", "fetched", "missing",
                "wrong_checksum");
  out << line;
  for (const auto& d : order) {
    auto& n = per_dataset[d];
    size_t total = 0;
    for (const auto& [_, k] : n) total += k;
    std::snprintf(line, sizeof line, "%-10s %6zu %6zu %8zu %8zu %15zu\n", d.c_str(), total, n[FileState::ok],
                  n[FileState::fetched], n[FileState::missing], n[FileState::wrong_checksum]);
    out << line;
  }
  for (const auto& c : files) {
    if (c.state == FileState::missing) {
      out << "missing         " << c.file.path << (c.detail.empty() ? "" : "  (" + c.detail + ")") << "\n";
    } else if (c.state == FileState::wrong_checksum) {
      out << "wrong checksum  " << c.file.path << "  expected " << c.file.sha256 << ", found " << c.actual_sha256
          << (c.detail.empty() ? "" : "  (" + c.detail + ")") << "\n";
    }
  }
  return out.str();
}

DataReport verify_data_dir(const DataCatalog& catalog, const fs::path& data_dir) {
  DataReport report;
  report.data_dir = data_dir;
  for (const auto& f : catalog.files()) {
    FileCheck check{f, FileState::missing, {}, {}};
    const fs::path p = data_dir / f.path;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      check.actual_sha256 = sha256_file(p);
      check.state = check.actual_sha256 == f.sha256 ? FileState::ok : FileState::wrong_checksum;
    }
    report.files.push_back(std::move(check));
  }
  return report;
}

DataReport fetch_catalog(const DataCatalog& catalog, const fs::path& data_dir, const Downloader& download,
                         const FetchOptions& options) {
  DataReport report = verify_data_dir(catalog, data_dir);
  std::map<std::string, std::vector<FileCheck*>> by_archive;
  for (auto& check : report.files) {
    if (check.state == FileState::ok && !options.force) continue;
    const CatalogFile& f = check.file;
    if (!f.archive.empty()) {
      by_archive[f.archive].push_back(&check);
      continue;
    }
    const fs::path target = data_dir / f.path;
    fs::create_directories(target.parent_path());
    const fs::path part = temporary_beside(target);
    const std::string url = apply_mirror(f.url, options.mirror_prefix);
    try {
      download(url, part);
      const std::string got = sha256_file(part);
      if (got != f.sha256) {
        remove_quietly(part);
        check.detail = "downloaded from " + url + " but its sha256 is " + got + " (not the pinned bytes); kept nothing";
        if (check.state != FileState::wrong_checksum) check.state = FileState::missing;
        continue;
      }
      fs::rename(part, target);
      check.actual_sha256 = got;
      check.state = FileState::fetched;
    } catch (const std::exception& e) {
      remove_quietly(part);
      check.detail = e.what();
    }
  }
  for (auto& [name, checks] : by_archive) {
    const CatalogArchive& archive = catalog.archive(name);
    const fs::path staging = data_dir / (".staging-" + name + "-" + std::to_string(::getpid()));
    remove_quietly(staging);
    fs::create_directories(staging);
    const fs::path archive_file = staging / "archive";
    const std::string url = apply_mirror(archive.url, options.mirror_prefix);
    std::string failure;
    try {
      download(url, archive_file);
      const std::string got = sha256_file(archive_file);
      if (got != archive.sha256) {
        failure = "archive " + url + " has sha256 " + got + ", expected " + archive.sha256;
      } else {
        const fs::path unpacked = staging / "unpacked";
        fs::create_directories(unpacked);
        extract_with_tar(archive_file, unpacked);
        for (FileCheck* check : checks) {
          const fs::path member = unpacked / check->file.member;
          std::error_code ec;
          if (!fs::is_regular_file(member, ec)) {
            check->detail = "archive " + name + " has no member " + check->file.member;
            continue;
          }
          const std::string member_sha = sha256_file(member);
          if (member_sha != check->file.sha256) {
            check->detail = "member " + check->file.member + " of " + name + " has sha256 " + member_sha;
            continue;
          }
          const fs::path target = data_dir / check->file.path;
          fs::create_directories(target.parent_path());
          install(member, target);
          check->actual_sha256 = member_sha;
          check->state = FileState::fetched;
        }
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      for (FileCheck* check : checks) check->detail = failure;
    }
    remove_quietly(staging);
  }
  return report;
}

}  // namespace engram::tasks
