#include "harness/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>

#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace {

// One merge candidate: the pair starting at symbol `pos` would become `new_id`.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t new_id;
};

// std heap functions build a max-heap; "greater" puts the lowest rank, then leftmost pos, on top.
struct LaterFirst {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

}  // namespace

struct BpeModel::Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len;  // bytes of the word covered; 0 once merged into its left neighbour
};

BpeModel::BpeModel(const json& model, const std::string& where) {
  const json* dropout = optional_member(model, "dropout");
  if (dropout && !(dropout->is_number() && dropout->get<double>() == 0.0))
    fail_field(join_field(where, "dropout"), "is not supported (only null)");

  const json& vocab = required(model, "vocab", where);
  const std::string vocab_where = join_field(where, "vocab");
  if (!vocab.is_object()) fail_field(vocab_where, "must be an object of token -> id");
  strings_.reserve(vocab.size());
  vocab_.reserve(vocab.size());
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      fail_field(join_field(vocab_where, token), "must be a non-negative integer id");
    max_id = std::max(max_id, id.get<int64_t>());
  }
  if (max_id >= static_cast<int64_t>(vocab.size()) * 4 + 1024)
    fail_field(vocab_where, "ids are too sparse (largest id " + std::to_string(max_id) + ")");
  by_id_.assign(static_cast<size_t>(max_id + 1), nullptr);
  for (const auto& [token, id] : vocab.items()) {
    strings_.push_back(token);
    const auto i = static_cast<int32_t>(id.get<int64_t>());
    vocab_[strings_.back()] = i;
    by_id_[static_cast<size_t>(i)] = &strings_.back();
  }

  if (auto unk = optional_string(model, "unk_token", where)) {
    unk_id_ = lookup(*unk);
    if (!unk_id_) fail_field(join_field(where, "unk_token"), "'" + *unk + "' is not in " + vocab_where);
  }
  fuse_unk_ = bool_or(model, "fuse_unk", false, where);
  byte_fallback_ = bool_or(model, "byte_fallback", false, where);
  ignore_merges_ = bool_or(model, "ignore_merges", false, where);
  continuing_subword_prefix_ = optional_string(model, "continuing_subword_prefix", where).value_or("");
  end_of_word_suffix_ = optional_string(model, "end_of_word_suffix", where).value_or("");
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);  // Rust's format!("<{:#04X}>") spelling
    byte_fallback_ids_[b] = lookup(name).value_or(-1);
  }

  const json& merges = required(model, "merges", where);
  const std::string merges_where = join_field(where, "merges");
  if (!merges.is_array()) fail_field(merges_where, "must be an array");
  merges_.reserve(merges.size());
  const size_t prefix_len = continuing_subword_prefix_.size();
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& m = merges[i];
    std::string a, b;
    if (m.is_string()) {
      // "a b": exactly one space, as tokenizers requires for the legacy form.
      const std::string s = m.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        fail_field(index_field(merges_where, i), "'" + s + "' is not of the form \"a b\"");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      fail_field(index_field(merges_where, i), "must be \"a b\" or [\"a\", \"b\"]");
    }
    const auto a_id = lookup(a), b_id = lookup(b);
    if (!a_id) fail_field(index_field(merges_where, i), "uses '" + a + "', which is not in " + vocab_where);
    if (!b_id) fail_field(index_field(merges_where, i), "uses '" + b + "', which is not in " + vocab_where);
    // The merged token drops the right part's continuing-subword prefix (by length, as tokenizers does).
    const std::string merged = a + (b.size() >= prefix_len ? b.substr(prefix_len) : std::string());
    const auto new_id = lookup(merged);
    if (!new_id) fail_field(index_field(merges_where, i), "makes '" + merged + "', which is not in " + vocab_where);
    // A repeated pair keeps its last rank, as tokenizers' HashMap collect does.
    merges_[pair_key(*a_id, *b_id)] = MergeInfo{static_cast<int32_t>(i), *new_id};
  }
}

std::optional<int32_t> BpeModel::lookup(std::string_view s) const {
  const auto it = vocab_.find(s);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> BpeModel::token_to_id(std::string_view token) const {
  const auto id = lookup(token);
  if (!id) return std::nullopt;
  return *id;
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(by_id_.size())) return nullptr;
  return by_id_[static_cast<size_t>(id)];
}

const BpeModel::MergeInfo* BpeModel::find_merge(int32_t a, int32_t b) const {
  const auto it = merges_.find(pair_key(a, b));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<int32_t>& out) const {
  thread_local std::vector<Symbol> symbols;
  split_into_symbols(word, symbols);
  merge_symbols(symbols);
  for (const Symbol& s : symbols)
    if (s.len != 0) out.push_back(s.id);
}

// One symbol per character (with prefix/suffix decorations), byte fallback or unk.
void BpeModel::split_into_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
  thread_local std::string scratch;
  symbols.clear();
  auto add = [&](int32_t id, size_t len) {
    const auto n = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{id, n - 1, -1, static_cast<uint32_t>(len)});
    if (n > 0) symbols[n - 1].next = n;
  };
  int32_t unk_pending_id = -1;  // an unk symbol not yet added (fuse_unk grows it), -1 if none
  size_t unk_pending_len = 0;
  size_t pos = 0;
  while (pos < word.size()) {
    const size_t start = pos;
    pos += utf8::lead_length(static_cast<unsigned char>(word[pos]));
    const bool first = start == 0, last = pos >= word.size();
    std::string_view ch = word.substr(start, pos - start);
    if ((!first && !continuing_subword_prefix_.empty()) || (last && !end_of_word_suffix_.empty())) {
      scratch.clear();
      if (!first) scratch += continuing_subword_prefix_;
      scratch += ch;
      if (last) scratch += end_of_word_suffix_;
      ch = scratch;
    }
    const size_t byte_len = pos - start;
    if (const auto id = lookup(ch)) {
      if (unk_pending_id >= 0) {
        add(unk_pending_id, unk_pending_len);
        unk_pending_id = -1;
      }
      add(*id, byte_len);
      continue;
    }
    if (byte_fallback_) {
      // A pending unk stays pending across byte-fallback tokens (so it lands after them), exactly
      // as in tokenizers. Every byte of the (decorated) character must have its <0xXX> token, or none is used.
      bool all = true;
      for (const char c : ch) all = all && byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        for (const char c : ch) add(byte_fallback_ids_[static_cast<unsigned char>(c)], 1);
        continue;
      }
    }
    if (unk_id_) {
      if (unk_pending_id >= 0 && fuse_unk_) {
        unk_pending_len += byte_len;
      } else {
        if (unk_pending_id >= 0) add(unk_pending_id, unk_pending_len);
        unk_pending_id = *unk_id_;
        unk_pending_len = byte_len;
      }
    }
    // Without an unk token, tokenizers silently drops the character.
  }
  if (unk_pending_id >= 0) add(unk_pending_id, unk_pending_len);
}

// The merge loop: a heap of candidate pairs; stale entries are recognised and skipped.
void BpeModel::merge_symbols(std::vector<Symbol>& symbols) const {
  thread_local std::vector<Candidate> heap;
  heap.clear();
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) {
    if (const MergeInfo* m = find_merge(symbols[i].id, symbols[i + 1].id)) heap.push_back({m->rank, i, m->new_id});
  }
  std::make_heap(heap.begin(), heap.end(), LaterFirst());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LaterFirst());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (left.len == 0 || left.next == -1) continue;
    const int32_t right_pos = left.next;
    const Symbol right = symbols[right_pos];
    // Stale if the pair there no longer merges into the same token (tokenizers checks only the id).
    const MergeInfo* now = find_merge(left.id, right.id);
    if (!now || now->new_id != top.new_id) continue;
    left.id = top.new_id;
    left.len += right.len;
    left.next = right.next;
    symbols[right_pos].len = 0;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) {
      if (const MergeInfo* m = find_merge(symbols[left.prev].id, left.id)) {
        heap.push_back({m->rank, left.prev, m->new_id});
        std::push_heap(heap.begin(), heap.end(), LaterFirst());
      }
    }
    if (left.next >= 0) {
      if (const MergeInfo* m = find_merge(left.id, symbols[left.next].id)) {
        heap.push_back({m->rank, top.pos, m->new_id});
        std::push_heap(heap.begin(), heap.end(), LaterFirst());
      }
    }
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int64_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const auto id = lookup(word)) {
      out.push_back(*id);
      return;
    }
  }
  const size_t h = WordCache::hash(word);
  if (cache_.lookup(word, h, out)) return;
  thread_local std::vector<int32_t> ids;
  ids.clear();
  tokenize_uncached(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  cache_.insert(word, h, ids);
}

}  // namespace engram::tokenizer
