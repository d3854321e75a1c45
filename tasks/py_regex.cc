#include "tasks/py_regex.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace engram::tasks {
namespace {

icu::UnicodeString to_unicode(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

std::string to_utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::unique_ptr<icu::RegexPattern> compile_icu(const std::string& pattern) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error;
  // UNIX_LINES: '.', '^' and '$' treat only "\n" as a line end, as Python's `re` does; without it
  // ICU would also stop at "\r", U+0085, U+2028 and U+2029.
  std::unique_ptr<icu::RegexPattern> compiled(
      icu::RegexPattern::compile(to_unicode(pattern), UREGEX_UNIX_LINES, parse_error, status));
  if (U_FAILURE(status)) {
    throw std::invalid_argument("invalid regular expression '" + pattern + "': " + u_errorName(status) +
                                " at offset " + std::to_string(parse_error.offset));
  }
  return compiled;
}

PyRegex::Match read_match(icu::RegexMatcher& m, int groups) {
  UErrorCode status = U_ZERO_ERROR;
  PyRegex::Match out;
  out.whole = to_utf8(m.group(status));
  for (int g = 1; g <= groups; ++g) {
    // A group that did not participate reports start -1; Python's findall gives "" for it.
    if (m.start(g, status) < 0) {
      out.groups.emplace_back();
    } else {
      out.groups.push_back(to_utf8(m.group(g, status)));
    }
  }
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU regex group error: ") + u_errorName(status));
  return out;
}

}  // namespace

struct PyRegex::Compiled {
  std::unique_ptr<icu::RegexPattern> pattern;
};

namespace {
std::unique_ptr<PyRegex::Compiled> compile(const std::string& pattern) {
  return std::unique_ptr<PyRegex::Compiled>(new PyRegex::Compiled{compile_icu(pattern)});
}
}  // namespace

PyRegex::PyRegex(std::string pattern) : source_(std::move(pattern)), compiled_(compile(source_)) {}
PyRegex::~PyRegex() = default;
PyRegex::PyRegex(PyRegex&&) noexcept = default;
PyRegex& PyRegex::operator=(PyRegex&&) noexcept = default;
PyRegex::PyRegex(const PyRegex& other) : source_(other.source_), compiled_(compile(other.source_)) {}
PyRegex& PyRegex::operator=(const PyRegex& other) {
  if (this != &other) {
    source_ = other.source_;
    compiled_ = compile(source_);
  }
  return *this;
}

int PyRegex::group_count() const {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(compiled_->pattern->matcher(status));
  return U_FAILURE(status) ? 0 : m->groupCount();
}

std::vector<PyRegex::Match> PyRegex::find_all(std::string_view text) const {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString input = to_unicode(text);
  std::unique_ptr<icu::RegexMatcher> m(compiled_->pattern->matcher(input, status));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU matcher: ") + u_errorName(status));
  const int groups = m->groupCount();
  std::vector<Match> out;
  // ICU's find() steps past an empty match before searching again, as Python's finditer does.
  while (m->find()) out.push_back(read_match(*m, groups));
  return out;
}

std::optional<PyRegex::Match> PyRegex::search(std::string_view text) const {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString input = to_unicode(text);
  std::unique_ptr<icu::RegexMatcher> m(compiled_->pattern->matcher(input, status));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU matcher: ") + u_errorName(status));
  if (!m->find()) return std::nullopt;
  return read_match(*m, m->groupCount());
}

std::string PyRegex::sub(std::string_view text, std::string_view replacement) const {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString input = to_unicode(text);
  std::unique_ptr<icu::RegexMatcher> m(compiled_->pattern->matcher(input, status));
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU matcher: ") + u_errorName(status));
  // Escape '$' and '\\' so that the replacement is literal, as in re.sub with a plain string.
  const icu::UnicodeString raw = to_unicode(replacement);
  icu::UnicodeString literal;
  for (int32_t i = 0; i < raw.length(); ++i) {
    const char16_t c = raw.charAt(i);
    if (c == u'$' || c == u'\\') literal.append(u'\\');
    literal.append(c);
  }
  const icu::UnicodeString result = m->replaceAll(literal, status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU replace: ") + u_errorName(status));
  return to_utf8(result);
}

}  // namespace engram::tasks
