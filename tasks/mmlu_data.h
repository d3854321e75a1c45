#pragma once
// MMLU (Hendrycks et al.) data: one CSV per subject and split, <data-dir>/mmlu/{dev,test}/
// <subject>_{dev,test}.csv. Two layouts are read:
//  - the original data.tar files: no header row, `question,A,B,C,D,<letter A-D>`;
//  - the header-row export (HF cais/mmlu style): `question,choice0,choice1,choice2,choice3,answer`
//    with the answer as 0-3.
// A file's layout is decided by its first row. Also here: the 57 subjects and the standard
// subject -> category table (STEM, humanities, social sciences, other) as lm-eval reports them.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace engram::tasks {

struct MmluQuestion {
  std::string question;
  std::string choices[4];
  int answer = 0;    // 0..3 (A..D)
  size_t line = 0;   // where the row starts in its file
};

enum class MmluCsvLayout { headerless_letter, header_index };

struct MmluFile {
  std::string path;
  MmluCsvLayout layout = MmluCsvLayout::headerless_letter;
  std::vector<MmluQuestion> questions;
};

// Parses one CSV (contents in `text`); errors are DataError naming `file`, the line and the field.
MmluFile parse_mmlu_csv(const std::string& text, const std::string& file);

// The 57 subjects, alphabetically.
const std::vector<std::string>& mmlu_subjects();

struct MmluCategory {
  std::string name;          // "stem", "humanities", "social_sciences", "other" (lm-eval: mmlu_<name>)
  std::string display_name;  // "STEM", "humanities", "social sciences", "other"
  std::vector<std::string> subjects;
};
// The four categories in lm-eval's order, each listing its subjects alphabetically.
const std::vector<MmluCategory>& mmlu_categories();
// The category name of a subject; throws std::invalid_argument for an unknown subject.
const std::string& mmlu_category_of(const std::string& subject);

struct MmluSubjectData {
  std::string subject;
  MmluFile dev;
  MmluFile test;
};
// Loads dev and test for each subject (all 57 when `subjects` is empty).
std::vector<MmluSubjectData> load_mmlu(const std::filesystem::path& data_dir, const std::vector<std::string>& subjects = {});

}  // namespace engram::tasks
