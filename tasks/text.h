#pragma once
// Small string helpers that reproduce Python's behaviour where lm-evaluation-harness relies on it
// (str.strip, str.lower, split(term)[0] for stop strings, string.punctuation), so that filters and
// metrics treat edge cases (Unicode spaces, non-ASCII case) the way the reference numbers did.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace engram::tasks {

// Python str.isspace() for one code point: bidi classes WS/B/S or general category Zs.
bool py_isspace(char32_t c);
// Python str.strip() / lstrip() / rstrip() with no argument, on UTF-8 text.
std::string py_strip(std::string_view text);
std::string py_lstrip(std::string_view text);
std::string py_rstrip(std::string_view text);
// Python str.split() with no argument: the runs of non-whitespace (py_isspace), on UTF-8 text.
std::vector<std::string> py_split(std::string_view text);
// Python str.lower() (full Unicode case mapping), on UTF-8 text.
std::string py_lower(std::string_view text);
// Removes every character of Python's string.punctuation (ASCII only, as HF evaluate's
// exact_match does with str.translate).
std::string remove_ascii_punctuation(std::string_view text);

// lm-eval's stop-string cut: `for term in until: text = text.split(term)[0]`, i.e. the text before
// the earliest occurrence of any stop string. Sets *hit when a stop string occurred.
std::string cut_at_stop_strings(std::string_view text, const std::vector<std::string>& stops, bool* hit = nullptr);

// Whole file as bytes; throws DataMissingError if it does not exist, DataError if unreadable.
std::string read_text_file(const std::filesystem::path& path);

// The text with every invalid UTF-8 sequence replaced by U+FFFD. Model output can end inside a
// multi-byte character; JSON (nlohmann's dump) refuses such strings, so records carry this form.
std::string to_valid_utf8(std::string_view text);

// A short, single-line preview of a text for error messages.
std::string preview(std::string_view text, size_t max_chars = 80);

}  // namespace engram::tasks
