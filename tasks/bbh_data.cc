#include "tasks/bbh_data.h"

#include <nlohmann/json.hpp>

#include "tasks/data_dir.h"
#include "tasks/data_error.h"
#include "tasks/py_regex.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

constexpr const char* kStepByStep = "Let's think step by step.";
// lm-eval's _generate_configs.py takes an exemplar's answer with this pattern (first match, the
// whole match): the text after "answer is " up to the line end, minus its last character (the
// final period).
constexpr const char* kExemplarAnswer = "(?<=answer is )(.*)(?=.)";

std::string replace_crlf(const std::string& text) {
  if (text.find('\r') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

// Fills an exemplar's question, input, reasoning and final answer from its verbatim text.
void split_exemplar(BbhExemplar& ex, const std::string& file) {
  static const PyRegex answer_re(kExemplarAnswer);
  static const std::string kAnswerLine = "\nA: ";
  const size_t step = ex.text.find(kStepByStep);
  if (step == std::string::npos || ex.text.find("\nA:") == std::string::npos) {
    throw DataError(file, ex.line, std::string("exemplar has no \"A: ") + kStepByStep + "\" line");
  }
  ex.question = ex.text.substr(0, step);
  if (ex.question.size() < 3 + kAnswerLine.size() ||
      ex.question.compare(ex.question.size() - kAnswerLine.size(), kAnswerLine.size(), kAnswerLine) != 0) {
    throw DataError(file, ex.line, std::string("exemplar's \"") + kStepByStep + "\" does not follow \"\\nA: \"");
  }
  ex.input = ex.question.substr(3, ex.question.size() - 3 - kAnswerLine.size());
  const size_t reasoning = ex.text.find_first_not_of(" \t\n\r\f\v", step + std::string(kStepByStep).size());
  ex.reasoning = reasoning == std::string::npos ? "" : ex.text.substr(reasoning);
  const auto m = answer_re.search(ex.text);
  if (!m || py_strip(m->whole).empty()) {
    throw DataError(file, ex.line, "exemplar has no final answer (\"So the answer is X.\")");
  }
  ex.answer = m->whole;
}

}  // namespace

const std::vector<std::string>& bbh_subtask_names() {
  static const std::vector<std::string> names = {
      "boolean_expressions",
      "causal_judgement",
      "date_understanding",
      "disambiguation_qa",
      "dyck_languages",
      "formal_fallacies",
      "geometric_shapes",
      "hyperbaton",
      "logical_deduction_five_objects",
      "logical_deduction_seven_objects",
      "logical_deduction_three_objects",
      "movie_recommendation",
      "multistep_arithmetic_two",
      "navigate",
      "object_counting",
      "penguins_in_a_table",
      "reasoning_about_colored_objects",
      "ruin_names",
      "salient_translation_error_detection",
      "snarks",
      "sports_understanding",
      "temporal_sequences",
      "tracking_shuffled_objects_five_objects",
      "tracking_shuffled_objects_seven_objects",
      "tracking_shuffled_objects_three_objects",
      "web_of_lies",
      "word_sorting",
  };
  return names;
}

std::vector<BbhExample> parse_bbh_json(const std::string& text, const std::string& file) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    const size_t line = line_of_offset(text, offset);
    const size_t line_start = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
    const size_t column = line_start == std::string::npos ? offset + 1 : offset - line_start;
    throw DataError(file, line, "invalid JSON at column " + std::to_string(column) + ": " + json_error_reason(e.what()));
  }
  if (!doc.is_object()) throw DataError(file, 1, "expected a JSON object with an \"examples\" list");
  const auto it = doc.find("examples");
  if (it == doc.end()) throw DataError(file, 0, "missing", "examples");
  if (!it->is_array()) throw DataError(file, 0, "expected a list", "examples");
  std::vector<BbhExample> out;
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& ex = (*it)[i];
    const std::string where = "examples[" + std::to_string(i) + "]";
    if (!ex.is_object()) throw DataError(file, 0, "expected an object with \"input\" and \"target\"", where);
    BbhExample e;
    for (const char* key : {"input", "target"}) {
      const auto f = ex.find(key);
      if (f == ex.end()) throw DataError(file, 0, "missing", where + "." + key);
      if (!f->is_string()) throw DataError(file, 0, std::string("expected a string, got ") + f->type_name(), where + "." + key);
      (std::string(key) == "input" ? e.input : e.target) = f->get<std::string>();
    }
    out.push_back(std::move(e));
  }
  if (out.empty()) throw DataError(file, 0, "no examples", "examples");
  return out;
}

CotPrompt parse_cot_prompt(const std::string& raw, const std::string& file) {
  // Upstream files use "\n"; a CRLF checkout is read as the same text.
  const std::string text = replace_crlf(raw);
  CotPrompt prompt;
  prompt.file = file;
  // lm-eval keeps what follows the last "\n-----\n" (the canary line comes before it).
  static const std::string kSeparator = "\n-----\n";
  const size_t sep = text.rfind(kSeparator);
  if (sep == std::string::npos) {
    throw DataError(file, 2, "expected a '-----' line after the canary line (line 1)");
  }
  const size_t body_start = sep + kSeparator.size();
  std::string body = text.substr(body_start);
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();

  // Blocks are separated by blank lines; exemplars are the blocks that start with "Q: ".
  struct Block {
    size_t offset;  // in `text`
    std::string text;
  };
  std::vector<Block> blocks;
  size_t pos = 0;
  while (pos <= body.size()) {
    const size_t end = body.find("\n\n", pos);
    const size_t stop = end == std::string::npos ? body.size() : end;
    blocks.push_back({body_start + pos, body.substr(pos, stop - pos)});
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  size_t first_q = 0;
  while (first_q < blocks.size() && blocks[first_q].text.rfind("Q: ", 0) != 0) ++first_q;
  for (size_t b = 0; b < first_q; ++b) {
    if (b > 0) prompt.description += "\n\n";
    prompt.description += blocks[b].text;
  }
  const size_t description_line = line_of_offset(text, body_start);
  if (py_strip(prompt.description).empty()) {
    throw DataError(file, description_line, "missing the task description after the '-----' line");
  }
  if (first_q == blocks.size()) {
    throw DataError(file, line_of_offset(text, text.size()),
                    "no few-shot examples: expected blocks starting with 'Q: ' after the description (line " +
                        std::to_string(description_line) + ")");
  }
  for (size_t b = first_q; b < blocks.size(); ++b) {
    if (blocks[b].text.rfind("Q: ", 0) != 0) {
      // A blank line inside an exemplar: keep the exemplar verbatim.
      prompt.exemplars.back().text += "\n\n" + blocks[b].text;
      continue;
    }
    BbhExemplar ex;
    ex.line = line_of_offset(text, blocks[b].offset);
    ex.text = blocks[b].text;
    prompt.exemplars.push_back(std::move(ex));
  }
  for (auto& ex : prompt.exemplars) split_exemplar(ex, file);
  return prompt;
}

std::vector<BbhSubtaskData> load_bbh(const std::filesystem::path& data_dir, const std::vector<std::string>& names) {
  const std::vector<std::string>& wanted = names.empty() ? bbh_subtask_names() : names;
  const auto root = data_dir / "bbh";
  std::vector<std::filesystem::path> files;
  for (const auto& name : wanted) {
    files.push_back(root / "bbh" / (name + ".json"));
    files.push_back(root / "cot-prompts" / (name + ".txt"));
  }
  require_files("BBH", data_dir, files,
                "Get them from https://github.com/suzgunmirac/BIG-Bench-Hard (commit 9ee07bd481fe): copy its bbh/ "
                "and cot-prompts/ folders to <data-dir>/bbh/bbh/ and <data-dir>/bbh/cot-prompts/.");
  std::vector<BbhSubtaskData> out;
  for (const auto& name : wanted) {
    BbhSubtaskData d;
    d.name = name;
    const auto json_path = root / "bbh" / (name + ".json");
    const auto prompt_path = root / "cot-prompts" / (name + ".txt");
    d.json_file = json_path.string();
    d.examples = parse_bbh_json(read_text_file(json_path), json_path.string());
    d.prompt = parse_cot_prompt(read_text_file(prompt_path), prompt_path.string());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace engram::tasks
