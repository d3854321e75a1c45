#include "harness/tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <cstring>

#include "harness/tokenizer/byte_level.h"
#include "harness/tokenizer/fast_patterns.h"

namespace engram::tokenizer {

namespace {

struct Span {
  size_t begin, end;
  bool flag;  // is_match before the behaviour fold, "remove" after it
};

// `tokenizers`' Pattern::find_matches: the whole piece as alternating non-match / match spans
// (matches may be empty; they still take part in the behaviour fold).
void to_spans(const std::vector<Match>& matches, size_t len, bool invert, std::vector<Span>& spans) {
  spans.clear();
  size_t prev = 0;
  for (const auto& [s, e] : matches) {
    if (prev != s) spans.push_back({prev, s, invert});
    spans.push_back({s, e, !invert});
    prev = e;
  }
  if (prev != len) spans.push_back({prev, len, invert});
}

// The delimiter behaviours, as folds over the spans (same rules as tokenizers' NormalizedString::split).
void apply_behavior(SplitBehavior behavior, std::vector<Span>& spans) {
  std::vector<Span> out;
  out.reserve(spans.size());
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (auto& s : spans) s.flag = false;
      return;
    case SplitBehavior::kRemoved:
      return;  // is_match is exactly "remove"
    case SplitBehavior::kMergedWithPrevious:
      for (const Span& s : spans) {
        if (s.flag && !previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end, false});
        }
        previous_match = s.flag;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->flag && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back({it->begin, it->end, false});
        }
        previous_match = it->flag;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Span& s : spans) {
        if (s.flag == previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end, false});
        }
        previous_match = s.flag;
      }
      break;
  }
  spans.swap(out);
}

SplitBehavior parse_behavior(const json& j, const std::string& where) {
  const std::string b = required_string(j, "behavior", where);
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  fail_field(join_field(where, "behavior"), "'" + b + "' is not supported");
}

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(std::vector<std::string_view>& pieces, Arena&, bool use_fast) const override {
    std::vector<std::string_view> out;
    out.reserve(pieces.size() * 2);
    for (const std::string_view piece : pieces) split_piece(piece, pattern_, behavior_, invert_, out, use_fast);
    pieces.swap(out);
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// GPT-2's regex split (optional) followed by the byte -> character mapping of byte_level.h.
class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
    if (use_regex_) gpt2_ = Pattern::from_json(json{{"Regex", kGpt2Pattern}}, "ByteLevel");
  }

  void pre_tokenize(std::vector<std::string_view>& pieces, Arena& arena, bool use_fast) const override {
    std::vector<std::string_view> words;
    words.reserve(pieces.size());
    for (std::string_view piece : pieces) {
      // tokenizers adds the space to every piece that reaches this step, not just the first one.
      if (add_prefix_space_ && piece.front() != ' ') {
        char* p = arena.allocate(piece.size() + 1);
        p[0] = ' ';
        std::memcpy(p + 1, piece.data(), piece.size());
        piece = std::string_view(p, piece.size() + 1);
      }
      if (use_regex_) {
        split_piece(piece, gpt2_, SplitBehavior::kIsolated, false, words, use_fast);
      } else {
        words.push_back(piece);
      }
    }
    for (std::string_view& w : words) w = map(w, arena);
    pieces.swap(words);
  }

 private:
  static std::string_view map(std::string_view w, Arena& arena) {
    char* p = arena.allocate(w.size() * 2);  // every byte maps to a 1- or 2-byte character
    size_t n = 0;
    const auto& t = byte_level::detail::kTables;
    for (const char ch : w) {
      const auto b = static_cast<unsigned char>(ch);
      p[n] = t.utf8[b][0];
      p[n + 1] = t.utf8[b][1];
      n += t.utf8_len[b];
    }
    arena.shrink_last(p, w.size() * 2, n);
    return {p, n};
  }

  bool add_prefix_space_, use_regex_;
  Pattern gpt2_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<std::string_view>& pieces, Arena& arena, bool use_fast) const override {
    for (const auto& s : steps_) s->pre_tokenize(pieces, arena, use_fast);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

void split_piece(std::string_view piece, const Pattern& pattern, SplitBehavior behavior, bool invert,
                 std::vector<std::string_view>& out, bool use_fast) {
  if (piece.empty()) return;
  thread_local std::vector<Match> matches;
  thread_local std::vector<Span> spans;
  matches.clear();
  pattern.find_all(piece, matches, use_fast);
  if (behavior == SplitBehavior::kIsolated) {
    // Hot path (every known tokenizer uses it): matches and the gaps between them, in order.
    size_t prev = 0;
    for (const auto& [s, e] : matches) {
      if (prev != s) out.push_back(piece.substr(prev, s - prev));
      if (s != e) out.push_back(piece.substr(s, e - s));
      prev = e;
    }
    if (prev != piece.size()) out.push_back(piece.substr(prev));
    return;
  }
  to_spans(matches, piece.size(), invert, spans);
  apply_behavior(behavior, spans);
  for (const Span& s : spans)
    if (!s.flag && s.end > s.begin) out.push_back(piece.substr(s.begin, s.end - s.begin));
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "Sequence") {
    const json& list = required(j, "pretokenizers", where);
    const std::string list_where = join_field(where, "pretokenizers");
    if (!list.is_array()) fail_field(list_where, "must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_pre_tokenizer(list[i], index_field(list_where, i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(Pattern::from_json(required(j, "pattern", where), join_field(where, "pattern")),
                                               parse_behavior(j, where), bool_or(j, "invert", false, where));
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(bool_or(j, "add_prefix_space", true, where),
                                                   bool_or(j, "use_regex", true, where));
  }
  unsupported_type(where, type);
}

}  // namespace engram::tokenizer
