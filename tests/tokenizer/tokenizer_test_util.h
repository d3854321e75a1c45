#pragma once
// Shared pieces of the tokenizer tests: where the tokenizers and case files are, a cached
// DeepSeek-V3 tokenizer, and readable reports of id mismatches (text escaped, output capped).

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::testing {

inline std::filesystem::path tokenizer_data_dir() { return source_dir() / "tests" / "data" / "tokenizer"; }
inline std::filesystem::path gpt2_style_dir() { return tokenizer_data_dir() / "gpt2_style"; }
inline std::filesystem::path deepseek_v3_dir() { return shared_dir() / "tokenizers" / "deepseek-v3"; }

// Loading DeepSeek-V3 takes about half a second, so each test process does it once.
inline const tokenizer::Tokenizer& deepseek_v3() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(deepseek_v3_dir().string());
  return tok;
}

inline const tokenizer::Tokenizer& gpt2_style() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(gpt2_style_dir().string());
  return tok;
}

inline const nlohmann::json& corpus() {
  static const nlohmann::json c = read_json(tokenizer_data_dir() / "corpus.json");
  return c;
}

inline std::vector<int64_t> ids_of(const nlohmann::json& j) { return j.get<std::vector<int64_t>>(); }

// A string as a C-like literal: printable ASCII kept, everything else escaped.
inline std::string escaped(const std::string& s, size_t max_len = 160) {
  std::ostringstream out;
  out << '"';
  size_t n = 0;
  for (const char ch : s) {
    if (n++ >= max_len) {
      out << "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out << '\\' << ch;
    } else if (c >= 0x20 && c < 0x7F) {
      out << ch;
    } else {
      static const char* kHex = "0123456789abcdef";
      out << "\\x" << kHex[c >> 4] << kHex[c & 15];
    }
  }
  out << '"';
  return out.str();
}

inline std::string ids_text(const std::vector<int64_t>& ids, size_t max_items = 40) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < ids.size() && i < max_items; ++i) out << (i ? "," : "") << ids[i];
  if (ids.size() > max_items) out << ",... (" << ids.size() << " ids)";
  out << ']';
  return out.str();
}

// Collects mismatches and prints at most `cap` of them in full.
class MismatchLog {
 public:
  explicit MismatchLog(size_t cap = 8) : cap_(cap) {}
  void add(const std::string& what) {
    if (count_++ < cap_) text_ << "\n--- " << what;
  }
  size_t count() const { return count_; }
  std::string report() const {
    std::ostringstream out;
    out << count_ << " mismatches" << text_.str();
    if (count_ > cap_) out << "\n... and " << (count_ - cap_) << " more";
    return out.str();
  }

 private:
  size_t cap_;
  size_t count_ = 0;
  std::ostringstream text_;
};

}  // namespace engram::testing
