#pragma once
// The English number-word reading of lm-eval's NumberParseRegexFilter (lm_eval/tasks/bbh/
// cot_zeroshot/utils.py), used when a response has no numeral: the last (or first) phrase of number
// words that its `english_number_regex` finds in the lower-cased response, converted by the
// `word2number` package (1.1, w2n.word_to_num). Both are reproduced here, quirks included: the
// regex has no word boundaries ("someone" reads as "one", "often" as "ten"); "six", "seven",
// "eight" and "nine" cannot end a phrase, so alone they are not read ("sixteen", "eighty" are);
// a hyphen ends a phrase ("twenty-one" is "twenty", then "one"); and word_to_num drops words it
// does not know (so "one, two, three" reads as 3, the only comma-free word).

#include <optional>
#include <string>
#include <string_view>

namespace engram::tasks {

// The english_number_regex pattern (Python `regex` syntax with its branch-reset groups "(?|",
// which hold no captures and so act as plain groups: they are written "(?:" for ICU).
const std::string& english_number_pattern();

// w2n.word_to_num(phrase) as decimal text. std::nullopt where word_to_num raises (no number word,
// "thousand"/"million"/"billion" twice or in the wrong order, a multiplier with nothing before
// it): lm-eval then aborts the whole run; the caller treats it as no match. "point" (decimals)
// cannot occur in the regex's matches and is not handled.
std::optional<std::string> word_to_num(std::string_view phrase);

}  // namespace engram::tasks
