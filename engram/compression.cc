#include "engram/compression.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engram/atomic_file.h"

namespace engram {
namespace {

constexpr UChar32 kSentinel = 0xE000;

const icu::Normalizer2& normalizer(bool compose) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = compose ? icu::Normalizer2::getNFKCInstance(status)
                                      : icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || n == nullptr) throw std::runtime_error("ICU normalizer unavailable");
  return *n;
}

bool is_mark(UChar32 c) {
  const int8_t category = u_charType(c);
  return category == U_NON_SPACING_MARK || category == U_COMBINING_SPACING_MARK ||
         category == U_ENCLOSING_MARK;
}

// Full lowercase one code point at a time, as Rust's char::to_lowercase does (no final-sigma context).
void append_lowercase(icu::UnicodeString& out, UChar32 c) {
  UChar source[2];
  int32_t length = 0;
  U16_APPEND_UNSAFE(source, length, c);
  UChar lowered[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(lowered, 8, source, length, "", &status);
  if (U_FAILURE(status)) {
    out.append(c);
    return;
  }
  out.append(lowered, n);
}

bool is_collapsible_space(UChar32 c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool is_clean_utf8(const std::string& text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0 || c == 0xFFFD) return false;
  }
  return true;
}

std::string normalize_token_text(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
  icu::UnicodeString nfkc = normalizer(true).normalize(text, status);
  icu::UnicodeString nfd = normalizer(false).normalize(nfkc, status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU normalisation failed");

  icu::UnicodeString lowered;
  for (int32_t i = 0; i < nfd.length();) {
    const UChar32 c = nfd.char32At(i);
    i += U16_LENGTH(c);
    if (!is_mark(c)) append_lowercase(lowered, c);
  }

  icu::UnicodeString collapsed;
  bool in_space_run = false;
  for (int32_t i = 0; i < lowered.length();) {
    const UChar32 c = lowered.char32At(i);
    i += U16_LENGTH(c);
    if (is_collapsible_space(c)) {
      if (!in_space_run) collapsed.append(static_cast<UChar32>(' '));
      in_space_run = true;
    } else {
      collapsed.append(c);
      in_space_run = false;
    }
  }
  if (collapsed == icu::UnicodeString(static_cast<UChar32>(' '))) collapsed = icu::UnicodeString(kSentinel);

  int32_t begin = 0;
  int32_t end = collapsed.length();
  while (begin < end) {
    const UChar32 c = collapsed.char32At(begin);
    if (!u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) break;
    begin += U16_LENGTH(c);
  }
  while (end > begin) {
    const UChar32 c = collapsed.char32At(end - 1);
    if (!u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) break;
    end -= U16_LENGTH(c);
  }
  icu::UnicodeString stripped(collapsed, begin, end - begin);
  stripped.findAndReplace(icu::UnicodeString(kSentinel), icu::UnicodeString(static_cast<UChar32>(' ')));
  std::string out;
  stripped.toUTF8String(out);
  return out;
}

CompressionTable CompressionTable::build(std::vector<VocabEntry> entries) {
  std::vector<const VocabEntry*> by_id(entries.size(), nullptr);
  for (const auto& entry : entries) {
    if (entry.id < 0 || entry.id >= static_cast<int64_t>(entries.size())) {
      throw std::invalid_argument("compression table: token id " + std::to_string(entry.id) +
                                  " outside 0.." + std::to_string(entries.size() - 1));
    }
    if (by_id[entry.id] != nullptr) {
      throw std::invalid_argument("compression table: token id " + std::to_string(entry.id) + " listed twice");
    }
    by_id[entry.id] = &entry;
  }
  CompressionTable table;
  table.lookup_.resize(entries.size());
  std::unordered_map<std::string, int64_t> key_to_id;
  for (std::size_t id = 0; id < by_id.size(); ++id) {
    const VocabEntry& entry = *by_id[id];
    std::string key;
    if (!is_clean_utf8(entry.decoded_text)) {
      key = entry.raw_token;
    } else {
      key = normalize_token_text(entry.decoded_text);
      if (key.empty()) key = entry.decoded_text;
    }
    auto [it, inserted] = key_to_id.emplace(key, static_cast<int64_t>(table.keys_.size()));
    if (inserted) table.keys_.push_back(key);
    table.lookup_[id] = it->second;
  }
  return table;
}

double CompressionTable::reduction() const {
  if (lookup_.empty()) return 0.0;
  return 1.0 - static_cast<double>(keys_.size()) / static_cast<double>(lookup_.size());
}

int64_t CompressionTable::compress(int64_t id) const {
  if (id < 0) return id;
  if (id >= vocab_size()) {
    throw std::out_of_range("compression table: token id " + std::to_string(id) + " outside vocabulary of " +
                            std::to_string(vocab_size()));
  }
  return lookup_[id];
}

namespace {
constexpr const char* kTableFormat = "engram-compression-table";
constexpr int kTableVersion = 1;
}  // namespace

void CompressionTable::save(const std::string& path) const {
  nlohmann::json doc;
  doc["format"] = kTableFormat;
  doc["version"] = kTableVersion;
  doc["vocab_size"] = vocab_size();
  doc["compressed_vocab_size"] = compressed_size();
  doc["lookup_table"] = lookup_;
  // Keys may hold raw byte-level token strings; dump them with replacement so the file stays JSON.
  doc["keys"] = keys_;
  write_file_atomically(path, doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

CompressionTable CompressionTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open compression table");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!doc.contains(name)) throw std::runtime_error(path + ": missing field '" + std::string(name) + "'");
    return doc[name];
  };
  if (field("format") != kTableFormat) throw std::runtime_error(path + ": field 'format' is not " + kTableFormat);
  if (field("version") != kTableVersion) throw std::runtime_error(path + ": unsupported field 'version'");
  CompressionTable table;
  try {
    table.lookup_ = field("lookup_table").get<std::vector<int64_t>>();
    table.keys_ = field("keys").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": field 'lookup_table' or 'keys' malformed: " + e.what());
  }
  for (std::size_t i = 0; i < table.lookup_.size(); ++i) {
    if (table.lookup_[i] < 0 || table.lookup_[i] >= static_cast<int64_t>(table.keys_.size())) {
      throw std::runtime_error(path + ": field 'lookup_table[" + std::to_string(i) + "]' outside the key list");
    }
  }
  if (field("vocab_size") != table.vocab_size() || field("compressed_vocab_size") != table.compressed_size()) {
    throw std::runtime_error(path + ": fields 'vocab_size'/'compressed_vocab_size' disagree with the table");
  }
  return table;
}

}  // namespace engram
