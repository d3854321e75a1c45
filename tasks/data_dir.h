#pragma once
// Where benchmark data lives. Tasks never download anything: the user points --data-dir (or
// ENGRAM_DATA) at a folder holding the canonical files (`engram-bench data fetch` downloads them
// into the cache folder below), laid out as
//   <data-dir>/bbh/bbh/<subtask>.json, <data-dir>/bbh/cot-prompts/<subtask>.txt
//   <data-dir>/mmlu/dev/<subject>_dev.csv, <data-dir>/mmlu/test/<subject>_test.csv
// which is how the project's shared datasets folder (../shared/datasets) is organised. Missing data
// is reported with what is missing and where to get it.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace engram::tasks {

// The data folder: `explicit_dir` (from --data-dir) if given, else $ENGRAM_DATA, else
// $ENGRAM_SHARED/datasets, else ../shared/datasets relative to the working directory when it
// exists, else the fetch cache (data_cache_dir()) when that exists, else ../shared/datasets. The
// result may not exist; loaders then raise DataMissingError.
std::filesystem::path resolve_data_dir(const std::optional<std::filesystem::path>& explicit_dir = std::nullopt);

// Where `data fetch` puts files by default: $XDG_CACHE_HOME/engram-bench/data, else
// $HOME/.cache/engram-bench/data.
std::filesystem::path data_cache_dir();

// The folder `data fetch` writes to: `explicit_dir` if given, else $ENGRAM_DATA, else
// data_cache_dir(). (Not the shared datasets: fetching never writes into a shared copy.)
std::filesystem::path resolve_fetch_dir(const std::optional<std::filesystem::path>& explicit_dir = std::nullopt);

// Throws DataMissingError when any of `files` is missing: the message names the benchmark, how many
// files are missing with the first few, and `how_to_get` (where the canonical files come from).
void require_files(const std::string& benchmark, const std::filesystem::path& data_dir,
                   const std::vector<std::filesystem::path>& files, const std::string& how_to_get);

}  // namespace engram::tasks
