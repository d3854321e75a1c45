#pragma once
// Loading a report for compare, regress and anyone else who reads them. A report must be JSON, say
// kind "engram-bench-report", and carry a schema_version with this build's MAJOR; a newer MINOR is
// accepted (it only adds fields, which readers ignore) and a newer MAJOR refused. The report is then
// validated against the embedded schema and the cross-field rules, so callers may rely on its shape.
// Every error names the file and the field.

#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/report/report_version.h"

namespace engram::report {

class ReportReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedReport {
  std::string origin;     // the file it came from (or the name given to parse_report)
  SchemaVersion version;  // as written in the report
  nlohmann::json json;
  // The report is from a newer MINOR version than this build writes: fields may be present that
  // this build does not know and ignores.
  bool newer_minor() const { return version.minor > kReportSchemaVersion.minor; }
};

LoadedReport read_report(const std::filesystem::path& path);
// The same checks on text already in memory; `origin` names it in errors.
LoadedReport parse_report(const std::string& text, const std::string& origin);

}  // namespace engram::report
