#include "harness/tokenizer/regex.h"

#include <unicode/regex.h>
#include <unicode/utext.h>

#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace {

// Oniguruma's \w in Unicode mode: Alphabetic, marks, decimal digits, connector punctuation, plus
// the Latin-1 characters its ISO-8859-1 ctype table marks as word (²³¹¼½¾). No Join_Control, unlike
// ICU's \w. Bracketed, so it also works nested inside a character class.
constexpr const char* kOnigWord = "[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE]";
constexpr const char* kOnigNonWord = "[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE]";

}  // namespace

std::string Regex::to_icu_syntax(std::string_view p) {
  // Escapes whose Oniguruma meaning differs from ICU's are rewritten:
  //   \s \S  White_Space (ICU's \s is [\t\n\f\r\p{Z}]: no U+000B, no U+0085)
  //   \w \W  see kOnigWord
  //   \b \B  boundaries of that \w (outside character classes only)
  //   \h \H  hex digit (ICU: horizontal space)
  // The rewritten forms are valid both inside and outside a character class (ICU nests sets).
  std::string out;
  out.reserve(p.size() + 16);
  int class_depth = 0;
  const std::string word = kOnigWord;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c != '\\' || i + 1 >= p.size()) {
      if (c == '[') ++class_depth;
      if (c == ']' && class_depth > 0) --class_depth;
      out.push_back(c);
      continue;
    }
    const char e = p[++i];
    switch (e) {
      case 's': out += "\\p{White_Space}"; break;
      case 'S': out += "\\P{White_Space}"; break;
      case 'w': out += kOnigWord; break;
      case 'W': out += kOnigNonWord; break;
      case 'h': out += "[0-9a-fA-F]"; break;
      case 'H': out += "[^0-9a-fA-F]"; break;
      case 'b':
      case 'B':
        if (class_depth > 0) {  // [\b] is a backspace in both engines
          out += "\\b";
          break;
        }
        out += e == 'b' ? "(?:(?<=" + word + ")(?!" + word + ")|(?<!" + word + ")(?=" + word + "))"
                        : "(?:(?<=" + word + ")(?=" + word + ")|(?<!" + word + ")(?!" + word + "))";
        break;
      default:
        out.push_back('\\');
        out.push_back(e);
    }
  }
  return out;
}

Regex::Regex(const std::string& pattern, const std::string& where)
    : pattern_(pattern), fast_(fast_matcher_for(pattern)) {
  const std::string icu_pattern = to_icu_syntax(pattern);
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  UText* ut = utext_openUTF8(nullptr, icu_pattern.data(), static_cast<int64_t>(icu_pattern.size()), &status);
  if (U_SUCCESS(status)) compiled_.reset(icu::RegexPattern::compile(ut, 0, parse_error, status));
  utext_close(ut);
  if (U_FAILURE(status) || !compiled_) {
    fail_field(where, "regex '" + pattern + "' is not accepted by ICU (" + u_errorName(status) + " at offset " +
                          std::to_string(parse_error.offset) + ")");
  }
}

Regex::~Regex() = default;

std::unique_ptr<icu::RegexMatcher> Regex::acquire() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      auto m = std::move(pool_.back());
      pool_.pop_back();
      return m;
    }
  }
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(compiled_->matcher(status));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU matcher: ") + u_errorName(status));
  return m;
}

void Regex::release(std::unique_ptr<icu::RegexMatcher> m) const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  pool_.push_back(std::move(m));
}

void Regex::find_all(std::string_view text, std::vector<Match>& out, bool use_fast) const {
  if (fast_ && use_fast) {
    const MatchAtFn match_at = fast_->match_at;
    const bool* may_start = fast_->may_start;
    size_t pos = 0;
    while (pos < text.size()) {
      const auto lead = static_cast<unsigned char>(text[pos]);
      const size_t end = (!may_start || may_start[lead]) ? match_at(text, pos) : 0;
      if (end) {
        out.emplace_back(pos, end);
        pos = end;
      } else {
        pos += utf8::lead_length(lead);
      }
    }
    return;
  }
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  auto matcher = acquire();
  // Native indices of a UTF-8 UText are byte offsets, which is what the pipeline works in.
  matcher->reset(ut);
  int64_t last_end = -1;
  while (U_SUCCESS(status) && matcher->find(status)) {
    const int64_t s = matcher->start64(status), e = matcher->end64(status);
    // Oniguruma's find_iter (as the onig crate drives it) drops an empty match that sits right at
    // the end of the previous match; ICU reports it. Only patterns that can match "" notice.
    if (s == e && e == last_end) continue;
    last_end = e;
    out.emplace_back(static_cast<size_t>(s), static_cast<size_t>(e));
  }
  // Point the pooled matcher away from text, which the caller may free once we return.
  static const icu::UnicodeString kEmpty;
  matcher->reset(kEmpty);
  utext_close(ut);
  release(std::move(matcher));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU regex find failed: ") + u_errorName(status));
}

}  // namespace engram::tokenizer
