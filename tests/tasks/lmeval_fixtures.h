#pragma once
// The lm-evaluation-harness fixtures under tests/data/protocols/, written by
// scripts/gen_lmeval_protocol_fixtures.py from lm-eval's own task configs and filter code, and a
// counter that reports the first few mismatches of a many-item comparison (so that a systematic
// difference prints a handful of lines, not thousands).

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "tasks/bbh_task.h"
#include "tasks/text.h"

namespace engram::tasks::testing {

inline nlohmann::json lmeval_fixture(const std::string& name) {
  const auto path = ::engram::testing::source_dir() / "tests" / "data" / "protocols" / name;
  return nlohmann::json::parse(read_text_file(path));
}

// The BBH variant whose lm-eval group name is `name`.
inline BbhVariant variant_named(const std::string& name) {
  for (auto v : {BbhVariant::cot_fewshot, BbhVariant::fewshot, BbhVariant::zeroshot, BbhVariant::cot_zeroshot}) {
    if (bbh_config(v).name == name) return v;
  }
  throw std::invalid_argument("no BBH variant " + name);
}

class Mismatches {
 public:
  explicit Mismatches(size_t shown = 5) : shown_(shown) {}
  // Counts one comparison; a mismatch is recorded with `where` and both values.
  template <typename A, typename B>
  void check(const A& ours, const B& upstream, const std::string& where) {
    ++compared_;
    if (ours == upstream) return;
    if (count_++ < shown_) report_ << "  " << where << ": ours " << ::testing::PrintToString(ours) << ", lm-eval "
                                   << ::testing::PrintToString(upstream) << "\n";
  }
  size_t count() const { return count_; }
  size_t compared() const { return compared_; }
  std::string report() const { return report_.str(); }

 private:
  size_t shown_, count_ = 0, compared_ = 0;
  std::ostringstream report_;
};

}  // namespace engram::tasks::testing
