// `engram-bench data fetch` and `engram-bench data verify`: the benchmark files of the catalog
// (tasks/data_catalog.h), downloaded with libcurl into the data folder and checked by SHA-256.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/io/http_fetch.h"
#include "tasks/data_catalog.h"
#include "tasks/data_dir.h"

namespace engram::cli {
namespace {

struct DataOptions {
  std::string data_dir;
  std::vector<std::string> datasets;
  std::string mirror;
  std::string format = "table";
  std::string output;
  bool force = false;
};

std::optional<std::filesystem::path> explicit_dir(const DataOptions& o) {
  if (o.data_dir.empty()) return std::nullopt;
  return std::filesystem::path(o.data_dir);
}

int emit(const tasks::DataReport& report, const DataOptions& o) {
  const std::string text = o.format == "json" ? report.to_json().dump(1) + "\n" : report.to_table();
  std::cout << text;
  if (!o.output.empty()) write_file_atomically(o.output, report.to_json().dump(1) + "\n");
  return report.all_present_and_valid() ? 0 : 1;
}

int run_verify(const DataOptions& o) {
  const auto catalog = tasks::DataCatalog::builtin().select(o.datasets);
  const auto dir = tasks::resolve_data_dir(explicit_dir(o));
  const auto report = tasks::verify_data_dir(catalog, dir);
  const int status = emit(report, o);
  if (status != 0) {
    std::cerr << "engram-bench: data verify: " << report.count(tasks::FileState::missing) << " missing and "
              << report.count(tasks::FileState::wrong_checksum) << " wrong of " << report.files.size()
              << " files under " << dir.string() << "; `engram-bench data fetch --data-dir " << dir.string()
              << "` downloads the canonical ones\n";
  }
  return status;
}

int run_fetch(DataOptions o) {
  if (o.mirror.empty()) {
    if (const char* env = std::getenv("ENGRAM_DATA_MIRROR"); env && *env) o.mirror = env;
  }
  const auto catalog = tasks::DataCatalog::builtin().select(o.datasets);
  const auto dir = tasks::resolve_fetch_dir(explicit_dir(o));
  std::filesystem::create_directories(dir);
  tasks::FetchOptions fetch;
  fetch.mirror_prefix = o.mirror;
  fetch.force = o.force;
  const auto report = tasks::fetch_catalog(
      catalog, dir, [](const std::string& url, const std::filesystem::path& to) { io::fetch_url(url, to); }, fetch);
  const int status = emit(report, o);
  if (status != 0) {
    std::ostringstream why;
    for (const auto& c : report.files) {
      if (c.state == tasks::FileState::missing || c.state == tasks::FileState::wrong_checksum) {
        why << "  " << c.file.path << ": " << (c.detail.empty() ? tasks::to_string(c.state) : c.detail) << "\n";
        break;  // the first reason stands for the rest (usually the same: offline)
      }
    }
    std::cerr << "engram-bench: data fetch: " << report.count(tasks::FileState::missing) +
                                                     report.count(tasks::FileState::wrong_checksum)
              << " of " << report.files.size() << " files are still missing or wrong under " << dir.string()
              << ", e.g.\n"
              << why.str()
              << "Nothing partial was kept. If this machine is offline, copy the files (or a folder with the same "
                 "layout) from a machine that has them and pass --data-dir, or serve a copy and pass --mirror "
                 "file:///path/to/copy (or set ENGRAM_DATA_MIRROR); `data verify` checks the result.\n";
  }
  return status;
}

void add_common(CLI::App* cmd, DataOptions& o) {
  cmd->add_option("--data-dir", o.data_dir, "data folder (default: see below)");
  cmd->add_option("--datasets", o.datasets, "only these datasets: bbh, mmlu, humaneval, ruler")->delimiter(',');
  cmd->add_option("--format", o.format, "table | json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  cmd->add_option("--output", o.output, "also write the JSON report here (atomically)");
}

}  // namespace

void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  CLI::App* data = app.add_subcommand("data", "Benchmark data: download the canonical files and check them");
  data->require_subcommand(1);

  auto fetch_options = std::make_shared<DataOptions>();
  CLI::App* fetch = data->add_subcommand(
      "fetch", "Download the canonical BBH, MMLU, HumanEval and RULER files, checking each SHA-256 "
               "(default folder: $ENGRAM_DATA, else $XDG_CACHE_HOME/engram-bench/data)");
  add_common(fetch, *fetch_options);
  fetch->add_option("--mirror", fetch_options->mirror,
                    "replace scheme and host of every URL with this prefix, e.g. file:///srv/mirror "
                    "(default: $ENGRAM_DATA_MIRROR)");
  fetch->add_flag("--force", fetch_options->force, "download even files that are already valid");
  actions.emplace_back(fetch, [fetch_options] { return run_fetch(*fetch_options); });

  auto verify_options = std::make_shared<DataOptions>();
  CLI::App* verify = data->add_subcommand(
      "verify", "Check a data folder against the catalog: missing, wrong checksum or ok per file; exit 1 on "
                "problems (default folder: the one eval uses)");
  add_common(verify, *verify_options);
  actions.emplace_back(verify, [verify_options] { return run_verify(*verify_options); });
}

}  // namespace engram::cli
