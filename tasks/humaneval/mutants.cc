#include "tasks/humaneval/mutants.h"

#include <cctype>
#include <vector>

namespace engram::tasks::humaneval {

namespace {

enum class Kind : unsigned char { kCode, kString, kComment };

// Classifies each byte of Python source as code, string literal or comment.
std::vector<Kind> classify(std::string_view s) {
  std::vector<Kind> kind(s.size(), Kind::kCode);
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') kind[i++] = Kind::kComment;
      continue;
    }
    if (c == '"' || c == '\'') {
      const bool triple = i + 2 < s.size() && s[i + 1] == c && s[i + 2] == c;
      const size_t qlen = triple ? 3 : 1;
      size_t j = i + qlen;
      while (j < s.size()) {
        if (s[j] == '\\') {
          j += 2;
          continue;
        }
        if (!triple && s[j] == '\n') break;  // unterminated: stop at the line end
        if (s[j] == c && (!triple || (j + 2 < s.size() && s[j + 1] == c && s[j + 2] == c))) {
          j += qlen;
          break;
        }
        ++j;
      }
      if (j > s.size()) j = s.size();
      for (size_t k = i; k < j; ++k) kind[k] = Kind::kString;
      i = j;
      continue;
    }
    ++i;
  }
  return kind;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::optional<std::string> remove_last_line(std::string_view solution) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= solution.size()) {
    size_t end = solution.find('\n', start);
    if (end == std::string_view::npos) end = solution.size();
    lines.push_back(solution.substr(start, end - start));
    start = end + 1;
  }
  auto blank = [](std::string_view l) {
    for (char c : l)
      if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
  };
  while (!lines.empty() && blank(lines.back())) lines.pop_back();
  if (lines.empty()) return std::nullopt;
  lines.pop_back();
  std::string out;
  for (auto l : lines) {
    out.append(l);
    out.push_back('\n');
  }
  return out;
}

std::optional<std::string> inject_off_by_one(std::string_view s) {
  const std::vector<Kind> kind = classify(s);
  struct Edit {
    size_t begin, end;  // the expression, trimmed
  };
  std::vector<Edit> edits;
  size_t line_start = 0;
  while (line_start < s.size()) {
    size_t j = line_start;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    const bool is_return = j + 6 <= s.size() && kind[j] == Kind::kCode && s.substr(j, 6) == "return" &&
                           (j + 6 == s.size() || !ident_char(s[j + 6]));
    if (is_return) {
      size_t k = j + 6;
      int depth = 0;
      bool complete = true;
      size_t last = k;  // one past the last code byte of the expression
      while (k < s.size()) {
        const char c = s[k];
        if (kind[k] == Kind::kComment) break;
        if (kind[k] == Kind::kString) {
          last = k + 1;
          ++k;
          continue;
        }
        if (c == '\n') {
          if (depth != 0) complete = false;
          break;
        }
        if (c == '\\') {
          complete = false;
          break;
        }
        if (c == ';' && depth == 0) break;
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') --depth;
        if (!std::isspace(static_cast<unsigned char>(c))) last = k + 1;
        ++k;
      }
      if (k == s.size() && depth != 0) complete = false;
      size_t first = j + 6;
      while (first < last && std::isspace(static_cast<unsigned char>(s[first]))) ++first;
      if (complete && first < last) edits.push_back({first, last});
    }
    size_t nl = s.find('\n', line_start);
    if (nl == std::string_view::npos) break;
    line_start = nl + 1;
    // Skip lines that start inside a string literal (a multi-line string's body).
    while (line_start < s.size() && kind[line_start] == Kind::kString && line_start > 0 &&
           kind[line_start - 1] == Kind::kString) {
      nl = s.find('\n', line_start);
      if (nl == std::string_view::npos) {
        line_start = s.size();
        break;
      }
      line_start = nl + 1;
    }
  }
  if (edits.empty()) return std::nullopt;
  std::string out(s);
  for (auto it = edits.rbegin(); it != edits.rend(); ++it) {
    std::string expr = out.substr(it->begin, it->end - it->begin);
    out.replace(it->begin, it->end - it->begin, "(" + expr + ") + 1");
  }
  return out;
}

}  // namespace engram::tasks::humaneval
