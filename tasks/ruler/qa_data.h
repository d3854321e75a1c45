#pragma once
// The QA sources of RULER's qa_1 and qa_2, in RULER's shape (scripts/data/synthetic/qa.py):
//   squad.json    SQuAD v2.0 dev (dev-v2.0.json): answerable questions in file order; the gold
//                 document is the question's paragraph, "more" documents are its article's others.
//   hotpotqa.json HotpotQA dev distractor (hotpot_dev_distractor_v1.json): every question's ten
//                 paragraphs "title\n" + joined sentences are its gold documents.
// The document pool is the sorted set of all unique documents. The files are user-supplied and
// live in <data_dir>/ruler/json/.

#include <filesystem>
#include <string>
#include <vector>

namespace engram::tasks::ruler {

struct QaQuestion {
  std::string query;
  std::vector<std::string> answers;
  std::vector<size_t> gold_docs;  // indexes into QaData::docs
  std::vector<size_t> more_docs;  // SQuAD: the article's other paragraphs
};

struct QaData {
  std::string dataset;  // "squad" | "hotpotqa"
  std::filesystem::path path;
  std::string sha256;
  std::vector<std::string> docs;
  std::vector<QaQuestion> questions;
};

// The file a dataset is read from, and how to get it (for DataMissingError messages).
std::filesystem::path qa_data_path(const std::filesystem::path& data_dir, const std::string& dataset);
std::string qa_how_to_get(const std::string& dataset);

// Throws DataMissingError when the file is missing, DataError naming the file and field when malformed.
QaData load_qa_data(const std::filesystem::path& data_dir, const std::string& dataset);
// From JSON text; `name` stands for the file in errors.
QaData parse_squad(const std::string& json_text, const std::string& name);
QaData parse_hotpotqa(const std::string& json_text, const std::string& name);

}  // namespace engram::tasks::ruler
