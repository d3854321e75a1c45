#pragma once
// The inputs of RULER's synthetic generators, read from the data folder:
//   <data_dir>/ruler/json/PaulGrahamEssays.json       {"text": "..."}: the essay haystack
//   <data_dir>/ruler/wonderwords/{noun,adjective,verb}list.txt   one word per line (wonderwords 3.0.0)
// with their SHA-256, which the task protocol records: a different essay build or word-list version
// changes every sample (see ../shared/datasets/ruler/MANIFEST.md).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/ruler/punkt_sentence_splitter.h"

namespace engram::tasks::ruler {

struct WordList {
  std::filesystem::path path;
  std::string sha256;
  std::vector<std::string> words;  // lines, right-stripped, in file order (as wonderwords reads them)
};

struct RulerSources {
  std::filesystem::path essay_path;
  std::string essay_sha256;
  // The essay text with every whitespace run made one space, split at the spaces (RULER's
  // re.sub(r'\s+', " ", text).split(" ")).
  std::vector<std::string> essay_words;
  WordList nouns, adjectives, verbs;
  // Upstream's CWE fallback (json/english_words.json, the values of its object in file order), used
  // when a list needs more distinct words than the wonderwords pool. Optional: empty when the file
  // is absent, and CWE then fails only if it needs it.
  WordList english_words;
  // nltk's English punkt model (<data_dir>/ruler/punkt_tab/english/, else the same under the data
  // cache, data_cache_dir()), for the essay haystacks' sentences; absent when neither folder exists
  // (the essay tasks then refuse to run).
  std::filesystem::path punkt_dir;
  std::optional<PunktParameters> punkt;

  nlohmann::json describe() const;  // paths' file names, sha256s, word counts, wonderwords version
};

// Upstream's english_words.json is a Git-LFS object; this is its LFS oid (the file's SHA-256).
inline constexpr const char* kEnglishWordsSha256 = "affcd6d45fdf3cc843d585c99c97ad615094e760e6c4756b654bab6c73bc2eca";
std::filesystem::path english_words_path(const std::filesystem::path& data_dir);

// The ruler folder under a data dir.
std::filesystem::path ruler_data_dir(const std::filesystem::path& data_dir);

// Throws DataMissingError naming the missing files and how to get them; DataError for malformed files.
RulerSources load_ruler_sources(const std::filesystem::path& data_dir);

// Word-list and essay parsers, for tests; `name` stands for the file in errors.
std::vector<std::string> parse_word_list(const std::string& text);
std::vector<std::string> parse_essay_words(const std::string& json_text, const std::string& name);
std::vector<std::string> parse_english_words(const std::string& json_text, const std::string& name);

}  // namespace engram::tasks::ruler
