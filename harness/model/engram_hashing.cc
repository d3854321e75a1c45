#include "harness/model/engram_hashing.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/engram_speed.h"
#include "harness/tokenizer_compression.h"

namespace engram::harness {

CompressionLookup tokenizer_compression(const tokenizer::Tokenizer& tokenizer, const std::string& where) {
  return {build_compression_table(tokenizer).lookup_table(), "tokenizer:" + where};
}

CompressionLookup synthetic_compression() {
  std::vector<int64_t> table = synthetic_lookup_table();
  const int64_t compressed = table.empty() ? 0 : *std::max_element(table.begin(), table.end()) + 1;
  const double reduction =
      table.empty() ? 0.0 : 1.0 - static_cast<double>(compressed) / static_cast<double>(table.size());
  return {std::move(table), fmt::format("synthetic-{:.2f}%", 100.0 * reduction)};
}

std::shared_ptr<const NgramHashMapping> engram_hash_mapping(const model::ModelConfig& config,
                                                            const std::vector<int64_t>& lookup_table,
                                                            const std::string& model) {
  if (!config.engram) return nullptr;
  if (lookup_table.empty()) {
    throw std::invalid_argument(model + ": an Engram model needs its tokenizer's compression table");
  }
  return std::make_shared<const NgramHashMapping>(config.engram->hash, lookup_table);
}

}  // namespace engram::harness
