#pragma once
// Sentence splitting of the essay haystack, standing in for nltk's punkt (sent_tokenize), which
// RULER uses to choose needle positions. Punkt is a trained statistical model we do not ship; this
// is a rule-based splitter in its spirit: a sentence ends at '.', '!' or '?' (plus any closing quotes
// or brackets) followed by whitespace and a token that starts with an upper-case letter, a digit or
// an opening quote/bracket; common abbreviations and single-letter initials do not end sentences.
// Only needle depths depend on it: the haystack text itself is rebuilt by joining the sentences with
// single spaces, which gives back the (whitespace-collapsed) input.

#include <string_view>
#include <vector>

namespace engram::tasks::ruler {

// Sentences of `text` (whitespace-collapsed, as RULER builds it), without surrounding spaces; views
// into `text`.
std::vector<std::string_view> split_sentences(std::string_view text);

}  // namespace engram::tasks::ruler
