#include "tasks/mmlu_data.h"

#include <map>
#include <stdexcept>

#include "tasks/csv_reader.h"
#include "tasks/data_dir.h"
#include "tasks/data_error.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

const char* const kFieldNames[6] = {"question", "choice A", "choice B", "choice C", "choice D", "answer"};

bool is_header(const std::vector<std::string>& fields) {
  return fields.size() == 6 && fields[0] == "question" && fields[5] == "answer";
}

int parse_answer(const std::string& value, MmluCsvLayout layout, const std::string& file, size_t line) {
  if (layout == MmluCsvLayout::header_index) {
    if (value.size() == 1 && value[0] >= '0' && value[0] <= '3') return value[0] - '0';
    throw DataError(file, line, "expected an answer index 0-3 (header-row layout), got '" + preview(value, 20) + "'",
                    "answer");
  }
  if (value.size() == 1 && value[0] >= 'A' && value[0] <= 'D') return value[0] - 'A';
  throw DataError(file, line, "expected an answer letter A-D (headerless layout), got '" + preview(value, 20) + "'",
                  "answer");
}

}  // namespace

MmluFile parse_mmlu_csv(const std::string& text, const std::string& file) {
  MmluFile out;
  out.path = file;
  const auto records = parse_csv(text, file);
  size_t first = 0;
  if (!records.empty() && is_header(records[0].fields)) {
    out.layout = MmluCsvLayout::header_index;
    first = 1;
  }
  for (size_t r = first; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.fields.size() != 6) {
      const std::string missing = rec.fields.size() < 6 ? kFieldNames[rec.fields.size()] : "";
      throw DataError(file, rec.line,
                      "expected 6 fields (question, A, B, C, D, answer), got " + std::to_string(rec.fields.size()) +
                          (missing.empty() ? std::string(" (extra fields)") : " (missing: " + missing + " onwards)"));
    }
    MmluQuestion q;
    q.line = rec.line;
    q.question = rec.fields[0];
    for (int c = 0; c < 4; ++c) q.choices[c] = rec.fields[1 + c];
    q.answer = parse_answer(py_strip(rec.fields[5]), out.layout, file, rec.line);
    out.questions.push_back(std::move(q));
  }
  if (out.questions.empty()) throw DataError(file, 0, "no questions");
  return out;
}

const std::vector<MmluCategory>& mmlu_categories() {
  // Hendrycks' subcategory -> category table as lm-eval's mmlu_{stem,humanities,social_sciences,other}
  // groups use it (written from the protocol notes, eval-protocols.md section 2).
  static const std::vector<MmluCategory> categories = {
      {"stem",
       "STEM",
       {"abstract_algebra", "anatomy", "astronomy", "college_biology", "college_chemistry",
        "college_computer_science", "college_mathematics", "college_physics", "computer_security",
        "conceptual_physics", "electrical_engineering", "elementary_mathematics", "high_school_biology",
        "high_school_chemistry", "high_school_computer_science", "high_school_mathematics", "high_school_physics",
        "high_school_statistics", "machine_learning"}},
      {"humanities",
       "humanities",
       {"formal_logic", "high_school_european_history", "high_school_us_history", "high_school_world_history",
        "international_law", "jurisprudence", "logical_fallacies", "moral_disputes", "moral_scenarios", "philosophy",
        "prehistory", "professional_law", "world_religions"}},
      {"social_sciences",
       "social sciences",
       {"econometrics", "high_school_geography", "high_school_government_and_politics", "high_school_macroeconomics",
        "high_school_microeconomics", "high_school_psychology", "human_sexuality", "professional_psychology",
        "public_relations", "security_studies", "sociology", "us_foreign_policy"}},
      {"other",
       "other",
       {"business_ethics", "clinical_knowledge", "college_medicine", "global_facts", "human_aging", "management",
        "marketing", "medical_genetics", "miscellaneous", "nutrition", "professional_accounting",
        "professional_medicine", "virology"}},
  };
  return categories;
}

const std::vector<std::string>& mmlu_subjects() {
  static const std::vector<std::string> subjects = [] {
    std::map<std::string, int> sorted;
    for (const auto& c : mmlu_categories()) {
      for (const auto& s : c.subjects) sorted[s] = 0;
    }
    std::vector<std::string> out;
    for (const auto& [s, _] : sorted) out.push_back(s);
    return out;
  }();
  return subjects;
}

const std::string& mmlu_category_of(const std::string& subject) {
  for (const auto& c : mmlu_categories()) {
    for (const auto& s : c.subjects) {
      if (s == subject) return c.name;
    }
  }
  throw std::invalid_argument("unknown MMLU subject '" + subject + "'");
}

std::vector<MmluSubjectData> load_mmlu(const std::filesystem::path& data_dir, const std::vector<std::string>& subjects) {
  const std::vector<std::string>& wanted = subjects.empty() ? mmlu_subjects() : subjects;
  const auto root = data_dir / "mmlu";
  std::vector<std::filesystem::path> files;
  for (const auto& s : wanted) {
    files.push_back(root / "dev" / (s + "_dev.csv"));
    files.push_back(root / "test" / (s + "_test.csv"));
  }
  require_files("MMLU", data_dir, files,
                "Get them from https://people.eecs.berkeley.edu/~hendrycks/data.tar (extract data/dev and data/test "
                "to <data-dir>/mmlu/dev and <data-dir>/mmlu/test), or use a header-row export of HF cais/mmlu with "
                "the same file names.");
  std::vector<MmluSubjectData> out;
  for (const auto& s : wanted) {
    MmluSubjectData d;
    d.subject = s;
    const auto dev = root / "dev" / (s + "_dev.csv");
    const auto test = root / "test" / (s + "_test.csv");
    d.dev = parse_mmlu_csv(read_text_file(dev), dev.string());
    d.test = parse_mmlu_csv(read_text_file(test), test.string());
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace engram::tasks
