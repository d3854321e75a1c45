#include "harness/tokenizer/normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <vector>

#include "harness/tokenizer/char_class.h"
#include "harness/tokenizer/pattern.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace {

bool is_ascii(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& s : steps_) s->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

enum class Form { kNFC, kNFD, kNFKC, kNFKD };

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(Form form) {
    UErrorCode status = U_ZERO_ERROR;
    switch (form) {
      case Form::kNFC: impl_ = icu::Normalizer2::getNFCInstance(status); break;
      case Form::kNFD: impl_ = icu::Normalizer2::getNFDInstance(status); break;
      case Form::kNFKC: impl_ = icu::Normalizer2::getNFKCInstance(status); break;
      case Form::kNFKD: impl_ = icu::Normalizer2::getNFKDInstance(status); break;
    }
    if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalizer: ") + u_errorName(status));
  }
  void normalize(std::string& text) const override {
    if (is_ascii(text)) return;  // ASCII is invariant under all four forms
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode status = U_ZERO_ERROR;
    impl_->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink, nullptr,
                         status);
    if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalize: ") + u_errorName(status));
    text.swap(out);
  }

 private:
  const icu::Normalizer2* impl_ = nullptr;
};

// Rust's char::to_lowercase applied code point by code point: the full (SpecialCasing) mapping
// without context, so "İ" becomes "i̇" and a lone or word-final "Σ" becomes "σ". ICU's root-locale
// u_strToLower on a single code point gives exactly that (no neighbours, so no final-sigma rule).
class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
      const auto b = static_cast<unsigned char>(text[pos]);
      if (b < 0x80) {
        out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
        ++pos;
        continue;
      }
      const char32_t c = utf8::next(text, pos);
      UChar src[2];
      int32_t src_len = 0;
      U16_APPEND_UNSAFE(src, src_len, static_cast<UChar32>(c));
      UChar dst[8];
      UErrorCode status = U_ZERO_ERROR;
      const int32_t n = u_strToLower(dst, 8, src, src_len, "", &status);
      if (U_FAILURE(status)) {
        utf8::append(out, c);
        continue;
      }
      for (int32_t i = 0; i < n;) {
        UChar32 lc;
        U16_NEXT(dst, i, n, lc);
        utf8::append(out, static_cast<char32_t>(lc));
      }
    }
    text.swap(out);
  }
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(Pattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    std::vector<Match> matches;
    pattern_.find_all(text, matches);
    if (matches.empty()) return;
    std::string out;
    out.reserve(text.size());
    size_t last = 0;
    for (const auto& [s, e] : matches) {
      out.append(text, last, s - last);
      out += content_;
      last = e;
    }
    out.append(text, last, std::string::npos);
    text.swap(out);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);  // tokenizers leaves empty strings alone
  }

 private:
  std::string prefix_;
};

// Strips White_Space code points (Rust's char::is_whitespace) from either end.
class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!chars::is_space(utf8::next(text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        if (!chars::is_space(utf8::peek(text, start))) break;
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

// Drops combining marks (general category M), as tokenizers' StripAccents does; usually after NFD.
class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t start = pos;
      const char32_t c = utf8::next(text, pos);
      if (!(chars::classify(c) & chars::kMark)) out.append(text, start, pos - start);
    }
    text.swap(out);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "Sequence") {
    const json& list = required(j, "normalizers", where);
    const std::string list_where = join_field(where, "normalizers");
    if (!list.is_array()) fail_field(list_where, "must be an array");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_normalizer(list[i], index_field(list_where, i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(Form::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(Form::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(Form::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(Form::kNFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(Pattern::from_json(required(j, "pattern", where), join_field(where, "pattern")),
                                               required_string(j, "content", where));
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(required_string(j, "prepend", where));
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(bool_or(j, "strip_left", true, where), bool_or(j, "strip_right", true, where));
  }
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  unsupported_type(where, type);
}

}  // namespace engram::tokenizer
