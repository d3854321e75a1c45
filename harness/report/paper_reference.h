#pragma once
// The paper's published numbers (results/paper/table{1,2,4}.json) as report-shaped columns, so that
// `compare --reference paper:engram-27b` sets them beside a run. A reference has no per-item data and
// no protocol fingerprint: compare shows its values and deltas but runs no paired test on them.

#include <filesystem>
#include <string>
#include <vector>

#include "harness/report/compare_input.h"

namespace engram::report {

inline constexpr const char* kPaperPrefix = "paper:";

bool is_paper_reference(const std::string& spec);

// results/paper from the working directory, else from the project the executable was built in;
// $ENGRAM_PAPER_DIR overrides both.
std::filesystem::path default_paper_dir();

// Every name the tables define, with the prefix ("paper:dense-4b", ...), in table order.
std::vector<std::string> paper_reference_names(const std::filesystem::path& paper_dir);

// `spec` is "paper:NAME". Throws ReportInputError for an unknown name (listing the known ones) or a
// malformed table file (naming the file and field).
LoadedReport load_paper_reference(const std::string& spec, const std::filesystem::path& paper_dir);

// A report file, or a paper:NAME reference.
LoadedReport load_report_or_reference(const std::string& spec, const std::filesystem::path& paper_dir);

}  // namespace engram::report
