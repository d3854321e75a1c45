#pragma once
// The batch size a user asks for: a fixed number of sequences per forward, or `auto`, the largest
// batch the analytic memory plan (engine/memory_plan.h) fits in the memory budget. Parsed once, where
// the command line is read; the report records it as model.engine.batch_size_requested.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace engram::harness {

struct BatchSize {
  enum class Kind { fixed, automatic };
  Kind kind = Kind::fixed;
  int64_t value = 8;  // sequences per forward; meaningful when fixed

  static BatchSize fixed(int64_t sequences) { return {Kind::fixed, sequences}; }
  static BatchSize automatic() { return {Kind::automatic, 0}; }
  bool is_auto() const { return kind == Kind::automatic; }
  // "auto", or the number.
  nlohmann::json to_json() const { return is_auto() ? nlohmann::json("auto") : nlohmann::json(value); }
  bool operator==(const BatchSize& other) const {
    return kind == other.kind && (is_auto() || value == other.value);
  }
};

// The whole text as a positive integer (as std::stoll reads it); nullopt if it is anything else.
inline std::optional<int64_t> parse_positive_integer(const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || value < 1) return std::nullopt;
  return value;
}

// "auto" or a positive integer; anything else is std::invalid_argument naming `option`.
inline BatchSize parse_batch_size(const std::string& text, const std::string& option = "--batch-size") {
  if (text == "auto") return BatchSize::automatic();
  const std::optional<int64_t> value = parse_positive_integer(text);
  if (!value) throw std::invalid_argument(option + ": expected a positive integer or auto, got '" + text + "'");
  return BatchSize::fixed(*value);
}

}  // namespace engram::harness
