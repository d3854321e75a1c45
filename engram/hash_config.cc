#include "engram/hash_config.h"

#include <set>
#include <stdexcept>
#include <string>

namespace engram {

void NgramHashConfig::validate() const {
  auto fail = [](const std::string& field, const std::string& why) {
    throw std::invalid_argument("engram config field '" + field + "': " + why);
  };
  if (max_ngram_size < 2) fail("max_ngram_size", "must be at least 2, got " + std::to_string(max_ngram_size));
  if (n_head_per_ngram < 1) fail("n_head_per_ngram", "must be positive, got " + std::to_string(n_head_per_ngram));
  if (static_cast<int>(engram_vocab_size.size()) != max_ngram_size - 1) {
    fail("engram_vocab_size", "needs one base size per n-gram order 2.." + std::to_string(max_ngram_size) +
                                  " (" + std::to_string(max_ngram_size - 1) + " entries), got " +
                                  std::to_string(engram_vocab_size.size()));
  }
  for (std::size_t i = 0; i < engram_vocab_size.size(); ++i) {
    if (engram_vocab_size[i] < 1) {
      fail("engram_vocab_size[" + std::to_string(i) + "]", "must be positive, got " + std::to_string(engram_vocab_size[i]));
    }
  }
  if (layer_ids.empty()) fail("layer_ids", "must name at least one layer");
  std::set<int64_t> seen;
  for (int64_t id : layer_ids) {
    if (id < 0) fail("layer_ids", "layer ids must be non-negative, got " + std::to_string(id));
    if (!seen.insert(id).second) fail("layer_ids", "duplicate layer id " + std::to_string(id));
  }
  if (pad_id < 0) fail("pad_id", "must be a non-negative raw token id, got " + std::to_string(pad_id));
}

}  // namespace engram
