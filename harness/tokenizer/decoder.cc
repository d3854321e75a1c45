#include "harness/tokenizer/decoder.h"

#include "harness/tokenizer/byte_level.h"
#include "harness/tokenizer/pattern.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace {

// All tokens' bytes concatenated, then one lossy UTF-8 conversion: a multibyte character split
// across tokens decodes whole, and only truly broken bytes become U+FFFD. A token with any
// character outside the byte table (e.g. an added token "<｜User｜>") contributes its own UTF-8.
class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens)
      if (!byte_level::unmap_token(t, bytes)) bytes += t;
    tokens.assign(1, utf8::lossy(bytes));
  }
  bool is_byte_level() const override { return true; }
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& s : steps_) s->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<Match> matches;
    for (std::string& t : tokens) {
      matches.clear();
      pattern_.find_all(t, matches);
      if (matches.empty()) continue;
      std::string out;
      size_t last = 0;
      for (const auto& [s, e] : matches) {
        out.append(t, last, s - last);
        out += content_;
        last = e;
      }
      out.append(t, last, std::string::npos);
      t.swap(out);
    }
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from every token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      size_t begin = 0, end = t.size();
      for (size_t i = 0; i < start_ && t.compare(begin, content_.size(), content_) == 0 && begin < end; ++i)
        begin += content_.size();
      for (size_t i = 0; i < stop_ && end >= begin + content_.size() &&
                         t.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i)
        end -= content_.size();
      t = t.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

// Runs of "<0xXX>" tokens become the text of their bytes, or one U+FFFD per token when those bytes
// are not valid UTF-8 as a whole (tokenizers' ByteFallback).
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t count = 0;
    auto flush = [&] {
      if (count == 0) return;
      if (utf8::is_valid(bytes)) {
        out.push_back(bytes);
      } else {
        for (size_t i = 0; i < count; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
      count = 0;
    };
    for (std::string& t : tokens) {
      if (const int b = parse_byte(t); b >= 0) {
        bytes.push_back(static_cast<char>(b));
        ++count;
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens.swap(out);
  }

 private:
  // "<0xXX>" with Rust's u8::from_str_radix(.., 16) on the two characters (which also takes "+X").
  static int parse_byte(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int lo = hex(t[4]);
    if (lo < 0) return -1;
    if (t[3] == '+') return lo;
    const int hi = hex(t[3]);
    return hi < 0 ? -1 : hi * 16 + lo;
  }
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Sequence") {
    const json& list = required(j, "decoders", where);
    const std::string list_where = join_field(where, "decoders");
    if (!list.is_array()) fail_field(list_where, "must be an array");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_decoder(list[i], index_field(list_where, i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(Pattern::from_json(required(j, "pattern", where), join_field(where, "pattern")),
                                            required_string(j, "content", where));
  }
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const std::string content = required_string(j, "content", where);
    if (content.empty() || utf8::lead_length(static_cast<unsigned char>(content[0])) != content.size())
      fail_field(join_field(where, "content"), "must be a single character");
    const int64_t start = int_or(j, "start", 0, where), stop = int_or(j, "stop", 0, where);
    if (start < 0 || stop < 0) fail_field(where, "start and stop must be non-negative");
    return std::make_unique<StripDecoder>(content, static_cast<size_t>(start), static_cast<size_t>(stop));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  unsupported_type(where, type);
}

}  // namespace engram::tokenizer
