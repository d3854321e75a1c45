#include "harness/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "harness/tokenizer/char_class.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace {

// Start of the code point that ends just before `end`.
size_t previous_start(std::string_view s, size_t end) {
  size_t p = end - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return p;
}

// The single_word / lstrip / rstrip tests use Rust regex's Unicode \w and \s.
bool word_before(std::string_view s, size_t pos) { return pos > 0 && chars::is_word(utf8::peek(s, previous_start(s, pos))); }
bool word_after(std::string_view s, size_t pos) { return pos < s.size() && chars::is_word(utf8::peek(s, pos)); }

size_t spaces_end_before(std::string_view s, size_t pos) {  // start of the whitespace run ending at pos
  while (pos > 0) {
    const size_t p = previous_start(s, pos);
    if (!chars::is_space(utf8::peek(s, p))) break;
    pos = p;
  }
  return pos;
}

size_t spaces_start_at(std::string_view s, size_t pos) {  // end of the whitespace run starting at pos
  while (pos < s.size()) {
    size_t next = pos;
    if (!chars::is_space(utf8::next(s, next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::Trie::add(std::string_view key, int32_t value) {
  if (key.empty()) return;
  int32_t node = 0;
  for (const char ch : key) {
    const auto b = static_cast<unsigned char>(ch);
    auto& next = nodes_[node].next;
    auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, INT32_MIN));
    if (it != next.end() && it->first == b) {
      node = it->second;
    } else {
      const auto child = static_cast<int32_t>(nodes_.size());
      next.insert(it, {b, child});
      nodes_.emplace_back();  // invalidates `next`, which is not used again
      node = child;
    }
  }
  if (nodes_[node].value < 0) nodes_[node].value = value;  // first of equal contents wins
  first_bytes_[static_cast<unsigned char>(key[0])] = true;
}

std::pair<size_t, int32_t> AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos) const {
  std::pair<size_t, int32_t> best{0, -1};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    const auto& next = nodes_[node].next;
    auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, INT32_MIN));
    if (it == next.end() || it->first != b) break;
    node = it->second;
    if (nodes_[node].value >= 0) best = {i + 1 - pos, nodes_[node].value};
  }
  return best;
}

AddedVocabulary::AddedVocabulary(const json& added, const std::string& where, const Normalizer* normalizer,
                                 const ModelLookup& model_id, int64_t model_vocab_size) {
  if (!added.is_null() && !added.is_array()) fail_field(where, "must be an array");
  if (!added.is_array()) return;
  // tokenizers does not take the "id" fields as they are: it adds the tokens in order, giving each
  // the id its content already has (in the model vocabulary or among earlier added tokens) or else
  // the next free id after the model's vocabulary size. Usually that is the same id; when it is not,
  // tokenizers only warns, and its ids are the ones that count.
  int64_t next_id = model_vocab_size;
  for (size_t i = 0; i < added.size(); ++i) {
    const json& t = added[i];
    const std::string w = index_field(where, i);
    AddedToken tok;
    const json& id = required(t, "id", w);
    if (!id.is_number_integer() || id.get<int64_t>() < 0) fail_field(join_field(w, "id"), "must be a non-negative integer");
    tok.content = required_string(t, "content", w);
    tok.single_word = bool_or(t, "single_word", false, w);
    tok.lstrip = bool_or(t, "lstrip", false, w);
    tok.rstrip = bool_or(t, "rstrip", false, w);
    tok.special = bool_or(t, "special", false, w);
    tok.normalized = bool_or(t, "normalized", !tok.special, w);
    if (tok.content.empty()) continue;  // tokenizers ignores empty added tokens
    tok.decode_form = tok.content;
    if (tok.normalized && normalizer) normalizer->normalize(tok.decode_form);
    if (tok.special) special_contents_.insert(tok.content);  // never removed, as in tokenizers

    if (const auto known = id_by_content_.find(tok.content); known != id_by_content_.end()) {
      tok.id = known->second;
    } else if (const auto in_model = model_id(tok.content)) {
      tok.id = *in_model;
    } else {
      tok.id = next_id++;
    }
    id_by_content_[tok.content] = tok.id;
    if (const auto slot = index_by_id_.find(tok.id); slot != index_by_id_.end()) {
      tokens_[slot->second] = std::move(tok);  // the same id again: the later definition wins
    } else {
      index_by_id_[tok.id] = tokens_.size();
      tokens_.push_back(std::move(tok));
    }
  }
  // tokenizers builds its matchers from the special tokens first, then the others.
  for (const bool special_pass : {true, false}) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& t = tokens_[i];
      if (t.special != special_pass) continue;
      if (!t.normalized) {
        raw_trie_.add(t.content, static_cast<int32_t>(i));
        continue;
      }
      normalized_trie_.add(t.decode_form, static_cast<int32_t>(i));
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int64_t id) const {
  const auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int64_t> AddedVocabulary::id_of(std::string_view content) const {
  const auto it = id_by_content_.find(std::string(content));
  if (it == id_by_content_.end()) return std::nullopt;
  return it->second;
}

void AddedVocabulary::split(std::string_view text, bool normalized, std::vector<Segment>& out) const {
  if (text.empty()) return;
  const Trie& trie = normalized ? normalized_trie_ : raw_trie_;
  if (trie.empty()) {
    out.push_back({text, -1});
    return;
  }
  size_t start_offset = 0;  // end of the last token taken
  size_t i = 0;             // where the search resumes: the end of the last match, taken or not
  while (i < text.size()) {
    if (!trie.may_start(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const auto [len, index] = trie.longest_at(text, i);
    if (index < 0) {
      ++i;
      continue;
    }
    const AddedToken& tok = tokens_[static_cast<size_t>(index)];
    size_t start = i, stop = i + len;
    i = stop;
    if (tok.single_word && (word_before(text, start) || word_after(text, stop))) continue;
    if (tok.lstrip) start = std::max(spaces_end_before(text, start), start_offset);
    if (tok.rstrip) stop = spaces_start_at(text, stop);
    if (start_offset < start) out.push_back({text.substr(start_offset, start - start_offset), -1});
    out.push_back({text.substr(start, stop - start), id_by_content_.at(tok.content)});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({text.substr(start_offset), -1});
}

}  // namespace engram::tokenizer
