#include "harness/report/report_reader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "harness/report/report.h"
#include "harness/report/report_checks.h"

namespace engram::report {
namespace {

using nlohmann::json;

// "line L, column C" of a byte offset, for parse errors in large files.
std::string position_of(const std::string& text, size_t byte) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < std::min(byte, text.size()); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

[[noreturn]] void fail(const std::string& origin, const std::string& problem) {
  throw ReportReadError(origin + ": " + problem);
}

}  // namespace

LoadedReport read_report(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path.string(), std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path.string(), "read failed");
  return parse_report(text.str(), path.string());
}

LoadedReport parse_report(const std::string& text, const std::string& origin) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is one past the offending character.
    fail(origin, "not JSON (" + position_of(text, e.byte > 0 ? e.byte - 1 : 0) + "): " + e.what());
  }
  if (!document.is_object()) fail(origin, std::string("expected a JSON object, got ") + document.type_name());

  const auto kind = document.find("kind");
  if (kind == document.end()) {
    if (document.contains("schema") && document["schema"].is_string()) {
      fail(origin, "kind: missing; this looks like a \"" + document["schema"].get<std::string>() +
                       "\" file (engram-bench eval output), not a report");
    }
    fail(origin, std::string("kind: missing; expected \"") + kReportKind + "\"");
  }
  if (*kind != kReportKind) {
    fail(origin, "kind: expected \"" + std::string(kReportKind) + "\", got " + kind->dump());
  }

  const auto version_field = document.find("schema_version");
  if (version_field == document.end()) fail(origin, "schema_version: missing");
  if (!version_field->is_string()) {
    fail(origin, "schema_version: expected a \"MAJOR.MINOR\" string, got " + version_field->dump());
  }
  const std::optional<SchemaVersion> version = SchemaVersion::parse(version_field->get<std::string>());
  if (!version) fail(origin, "schema_version: " + version_field->dump() + " is not \"MAJOR.MINOR\"");
  if (!version->readable_by(kReportSchemaVersion)) {
    const std::string reads = std::to_string(kReportSchemaVersion.major) + ".x";
    if (version->major > kReportSchemaVersion.major) {
      fail(origin, "schema_version: " + version->to_string() + " is newer than this build reads (" + reads +
                       "); use a newer engram-bench");
    }
    fail(origin, "schema_version: " + version->to_string() + " is older than this build reads (" + reads + ")");
  }

  const std::vector<SchemaViolation> violations = validate_report(document);
  if (!violations.empty()) {
    throw ReportReadError(origin + ": not a valid report (report-v1.schema.json):\n" +
                          describe_violations(origin, violations));
  }
  return LoadedReport{origin, *version, std::move(document)};
}

}  // namespace engram::report
