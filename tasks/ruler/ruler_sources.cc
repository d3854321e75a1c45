#include "tasks/ruler/ruler_sources.h"

#include "tasks/data_dir.h"
#include "tasks/data_error.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks::ruler {
namespace {

// Python's str.split(" ") on the text with whitespace runs collapsed: empty first/last items when
// the text starts or ends with whitespace, exactly as RULER gets them.
std::vector<std::string> collapse_and_split(const std::string& text) {
  std::vector<std::string> out(1);
  bool in_space = false;
  size_t i = 0;
  while (i < text.size()) {
    // Decode one UTF-8 code point to ask Python's isspace about it.
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
    if (i + len > text.size()) len = 1;
    char32_t cp = c;
    if (len > 1) {
      cp = c & (0xff >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    }
    if (py_isspace(cp)) {
      if (!in_space) out.emplace_back();
      in_space = true;
    } else {
      out.back().append(text, i, len);
      in_space = false;
    }
    i += len;
  }
  return out;
}

WordList load_word_list(const std::filesystem::path& path) {
  WordList list;
  list.path = path;
  const std::string text = read_text_file(path);
  list.sha256 = sha256_hex(text);
  list.words = parse_word_list(text);
  if (list.words.empty()) throw DataError(path.string(), 0, "no words in the list");
  return list;
}

}  // namespace

std::vector<std::string> parse_word_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(py_rstrip(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> parse_essay_words(const std::string& json_text, const std::string& name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(name, line_of_offset(json_text, e.byte), json_error_reason(e.what()));
  }
  if (!doc.is_object() || !doc.contains("text") || !doc["text"].is_string()) {
    throw DataError(name, 0, "expected an object with a string field", "text");
  }
  return collapse_and_split(doc["text"].get<std::string>());
}

std::vector<std::string> parse_english_words(const std::string& json_text, const std::string& name) {
  nlohmann::ordered_json doc;  // upstream takes list(json.load(f).values()): file order matters
  try {
    doc = nlohmann::ordered_json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(name, line_of_offset(json_text, e.byte), json_error_reason(e.what()));
  }
  if (!doc.is_object()) throw DataError(name, 0, "expected an object of words", "");
  std::vector<std::string> words;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string()) throw DataError(name, 0, "expected a string", key);
    words.push_back(value.get<std::string>());
  }
  return words;
}

std::filesystem::path english_words_path(const std::filesystem::path& data_dir) {
  return ruler_data_dir(data_dir) / "json" / "english_words.json";
}

std::filesystem::path ruler_data_dir(const std::filesystem::path& data_dir) { return data_dir / "ruler"; }

RulerSources load_ruler_sources(const std::filesystem::path& data_dir) {
  const auto dir = ruler_data_dir(data_dir);
  RulerSources s;
  s.essay_path = dir / "json" / "PaulGrahamEssays.json";
  const auto words_dir = dir / "wonderwords";
  require_files("RULER", data_dir,
                {s.essay_path, words_dir / "nounlist.txt", words_dir / "adjectivelist.txt", words_dir / "verblist.txt"},
                "The essay file is the output of RULER's download_paulgraham_essay.py (NVIDIA/RULER "
                "scripts/data/synthetic/json/); the word lists are wonderwords 3.0.0's wonderwords/assets/*.txt. "
                "See ruler/MANIFEST.md in the project's shared datasets for the exact builds and checksums.");
  const std::string essay = read_text_file(s.essay_path);
  s.essay_sha256 = sha256_hex(essay);
  s.essay_words = parse_essay_words(essay, s.essay_path.string());
  if (s.essay_words.size() < 2) throw DataError(s.essay_path.string(), 0, "essay text is empty", "text");
  s.nouns = load_word_list(words_dir / "nounlist.txt");
  s.adjectives = load_word_list(words_dir / "adjectivelist.txt");
  s.verbs = load_word_list(words_dir / "verblist.txt");
  s.english_words.path = english_words_path(data_dir);
  if (std::filesystem::is_regular_file(s.english_words.path)) {
    const std::string text = read_text_file(s.english_words.path);
    s.english_words.sha256 = sha256_hex(text);
    if (s.english_words.sha256 != kEnglishWordsSha256) {
      throw DataError(s.english_words.path.string(), 0,
                      "SHA-256 " + s.english_words.sha256 + " is not upstream's (Git-LFS oid " + kEnglishWordsSha256 + ")",
                      "");
    }
    s.english_words.words = parse_english_words(text, s.english_words.path.string());
  }
  // The punkt model is not a benchmark file: besides the data folder, look where scripts/setup.sh
  // and `data fetch` keep files (the user's data cache).
  s.punkt_dir = punkt_tab_dir(data_dir);
  if (!std::filesystem::is_directory(s.punkt_dir) && std::filesystem::is_directory(punkt_tab_dir(data_cache_dir()))) {
    s.punkt_dir = punkt_tab_dir(data_cache_dir());
  }
  if (std::filesystem::is_directory(s.punkt_dir)) s.punkt = load_punkt_parameters(s.punkt_dir);
  return s;
}

nlohmann::json RulerSources::describe() const {
  auto list = [](const WordList& l) {
    return nlohmann::json{{"file", l.path.filename().string()}, {"sha256", l.sha256}, {"lines", l.words.size()}};
  };
  return {{"essay", {{"file", essay_path.filename().string()}, {"sha256", essay_sha256}, {"words", essay_words.size()}}},
          {"wonderwords",
           {{"version_note", "lists from wonderwords 3.0.0 (mrmaxguns/wonderwordsmodule@5dfa455); 3.0.1 unchecked"},
            {"nouns", list(nouns)},
            {"adjectives", list(adjectives)},
            {"verbs", list(verbs)}}},
          {"english_words", english_words.words.empty() ? nlohmann::json(nullptr) : list(english_words)},
          {"punkt_tab", punkt ? nlohmann::json{{"sha256", punkt->sha256}, {"abbrev_types", punkt->abbrev_types.size()},
                                               {"ortho_context", punkt->ortho_context.size()}}
                              : nlohmann::json(nullptr)}};
}

}  // namespace engram::tasks::ruler
