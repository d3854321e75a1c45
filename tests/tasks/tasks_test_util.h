#pragma once
// Helpers shared by the task tests: where the shared datasets are, scratch files, and small
// synthetic BBH/MMLU data (made up here, so tests of formats never copy benchmark text).

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "../test_support.h"
#include "tasks/bbh_data.h"
#include "tasks/mmlu_data.h"

namespace engram::tasks::testing {

inline std::filesystem::path datasets_dir() { return ::engram::testing::shared_dir() / "datasets"; }

// A scratch folder unique to this process and call, removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("engram_tasks_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& relative, const std::string& contents) const {
    const auto p = path_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << contents;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// A made-up CoT prompt file in the upstream layout: canary, "-----", description, 3 exemplars.
inline std::string synthetic_cot_prompt() {
  return "CANARY LINE\n"
         "-----\n"
         "Count the fruit.\n"
         "\n"
         "Q: How many fruits: apple, pear?\n"
         "A: Let's think step by step.\n"
         "apple is 1, pear is 2. So the answer is 2.\n"
         "\n"
         "Q: How many fruits: fig?\n"
         "A: Let's think step by step.\n"
         "fig is 1. So the answer is 1.\n"
         "\n"
         "Q: How many fruits: kiwi, lime, plum?\n"
         "A: Let's think step by step.\n"
         "kiwi is 1, lime is 2, plum is 3. So the answer is 3.";
}

inline std::string synthetic_bbh_json() {
  return R"({"canary": "x", "examples": [
  {"input": "How many fruits: date, grape?", "target": "2"},
  {"input": "How many fruits: melon?", "target": "1"},
  {"input": "How many fruits: a, b, c, d?", "target": "4"}
]})";
}

// A BBH subtask of the made-up fruit-counting data, named `name`.
inline BbhSubtaskData fruit(const std::string& name) {
  BbhSubtaskData d;
  d.name = name;
  d.prompt = parse_cot_prompt(synthetic_cot_prompt(), name + ".txt");
  d.examples = parse_bbh_json(synthetic_bbh_json(), name + ".json");
  return d;
}

// A made-up MMLU subject: 5 dev questions and n test questions, answers cycling A..D.
inline MmluSubjectData subject(const std::string& name, size_t n) {
  MmluSubjectData d;
  d.subject = name;
  for (size_t i = 0; i < 5 + n; ++i) {
    MmluQuestion q;
    q.question = name + " question " + std::to_string(i);
    for (int c = 0; c < 4; ++c) q.choices[c] = std::to_string(c);
    q.answer = static_cast<int>(i % 4);
    (i < 5 ? d.dev : d.test).questions.push_back(q);
  }
  return d;
}

}  // namespace engram::tasks::testing
