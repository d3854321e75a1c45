#pragma once
// Word -> ids cache shared by all threads encoding with one tokenizer. Natural text repeats a
// small set of words, so most words skip the merge loop. Sharded so that concurrent readers rarely
// meet on a lock; a full shard stops accepting words (as `tokenizers`' own cache does), which keeps
// memory bounded and never changes results.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engram::tokenizer {

class WordCache {
 public:
  static constexpr size_t kMaxWordBytes = 256;  // longer words are not cached
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 8192;

  // Appends the cached ids of word to out and returns true, or returns false on a miss.
  bool lookup(std::string_view word, size_t hash, std::vector<int64_t>& out) const {
    const Shard& s = shards_[hash % kShards];
    std::shared_lock<std::shared_mutex> lock(s.mutex);
    const auto it = s.map.find(Key{word, hash});
    if (it == s.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }

  void insert(std::string_view word, size_t hash, const std::vector<int32_t>& ids) {
    if (word.size() > kMaxWordBytes) return;
    Shard& s = shards_[hash % kShards];
    std::unique_lock<std::shared_mutex> lock(s.mutex);
    if (s.map.size() >= kPerShard || s.map.count(Key{word, hash})) return;
    // The key views a string in the deque, whose elements never move.
    s.keys.emplace_back(word);
    s.map.emplace(Key{s.keys.back(), hash}, ids);
  }

  static size_t hash(std::string_view word) { return std::hash<std::string_view>()(word); }

 private:
  // The word with its hash, computed once per lookup (it also picks the shard).
  struct Key {
    std::string_view word;
    size_t hash;
    bool operator==(const Key& o) const { return word == o.word; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.hash; }
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<Key, std::vector<int32_t>, KeyHash> map;
    std::deque<std::string> keys;
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace engram::tokenizer
