#pragma once
// The report's "MAJOR.MINOR" schema version. A MINOR bump only adds optional fields, so a reader
// accepts any report with its own MAJOR and ignores what it does not know; a newer MAJOR is refused.

#include <optional>
#include <string>
#include <string_view>

namespace engram::report {

inline constexpr const char* kReportKind = "engram-bench-report";

struct SchemaVersion {
  int major = 0;
  int minor = 0;

  // "1.0" -> {1, 0}; nullopt for anything else ("1", "1.0.0", "v1.0", "01.0", "1.-1").
  static std::optional<SchemaVersion> parse(std::string_view text);
  std::string to_string() const;
  bool readable_by(const SchemaVersion& reader) const { return major == reader.major; }
};

// The version this build writes.
inline constexpr SchemaVersion kReportSchemaVersion{1, 0};

}  // namespace engram::report
