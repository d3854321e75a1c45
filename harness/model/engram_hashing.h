#pragma once
// The one place a model's Engram hash mapping is made. Engram hashes compressed token ids: the
// tokenizer's compression table (tokenizer_compression.h) when the model has a tokenizer, else (speed
// measurements only) a stand-in of the DeepSeek-V3 shape (engram_speed.h).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "baselines/model_config.h"
#include "engram/ngram_hash.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

struct CompressionLookup {
  std::vector<int64_t> table;  // raw -> compressed token id
  // "tokenizer:<where>" or "synthetic-23.43%" (the stand-in and the vocabulary reduction it was
  // sized to); "" when not built.
  std::string source;
};

CompressionLookup tokenizer_compression(const tokenizer::Tokenizer& tokenizer, const std::string& where);
CompressionLookup synthetic_compression();

// Null without Engram. Throws std::invalid_argument naming `model` when an Engram model has no table.
std::shared_ptr<const NgramHashMapping> engram_hash_mapping(const model::ModelConfig& config,
                                                            const std::vector<int64_t>& lookup_table,
                                                            const std::string& model);

}  // namespace engram::harness
