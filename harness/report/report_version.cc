#include "harness/report/report_version.h"

#include <charconv>

namespace engram::report {
namespace {

// A decimal number without sign or leading zeros.
std::optional<int> parse_component(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<SchemaVersion> SchemaVersion::parse(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::optional<int> major = parse_component(text.substr(0, dot));
  const std::optional<int> minor = parse_component(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return SchemaVersion{*major, *minor};
}

std::string SchemaVersion::to_string() const { return std::to_string(major) + "." + std::to_string(minor); }

}  // namespace engram::report
