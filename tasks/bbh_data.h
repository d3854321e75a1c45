#pragma once
// BIG-Bench Hard data: the 27 subtask JSON files (`{"examples": [{"input", "target"}, ...]}`) and the
// chain-of-thought prompt files (`cot-prompts/<subtask>.txt`: a canary line, "-----", the task
// description, then exemplars "Q: ...\nA: Let's think step by step.\n... So the answer is X.",
// separated by blank lines). The prompts are read from these files at run time; nothing of them is
// compiled in.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace engram::tasks {

// The 27 subtasks, in alphabetical order (lm-eval's and the upstream repository's order).
const std::vector<std::string>& bbh_subtask_names();

struct BbhExample {
  std::string input;
  std::string target;
};

struct BbhExemplar {
  size_t line = 0;       // line of its "Q: " in the prompt file
  std::string text;      // the block verbatim, from "Q: " to the end of "So the answer is X."
  std::string question;   // the block before "Let's think step by step." ("Q: ...\nA: ")
  std::string input;      // the question alone: `question` without "Q: " and "\nA: "
  std::string reasoning;  // after "Let's think step by step.", leading whitespace removed
  std::string answer;     // the final answer, found as lm-eval's config generator finds it
};

struct CotPrompt {
  std::string file;         // where it was read from (for messages)
  std::string description;  // everything between "-----" and the first exemplar (may span paragraphs)
  std::vector<BbhExemplar> exemplars;
};

struct BbhSubtaskData {
  std::string name;
  std::string json_file;
  std::vector<BbhExample> examples;
  CotPrompt prompt;
};

// Parsers over file contents; `file` names the source in DataError messages (FILE:LINE or field).
std::vector<BbhExample> parse_bbh_json(const std::string& text, const std::string& file);
CotPrompt parse_cot_prompt(const std::string& text, const std::string& file);

// Loads <data_dir>/bbh/bbh/<name>.json and <data_dir>/bbh/cot-prompts/<name>.txt for each name
// (all 27 when `names` is empty). Missing files: DataMissingError saying where to get them.
std::vector<BbhSubtaskData> load_bbh(const std::filesystem::path& data_dir, const std::vector<std::string>& names = {});

}  // namespace engram::tasks
