#pragma once
// Engram's compression table over a real tokenizer vocabulary, built the way the reference builds
// it: every id decoded on its own (special tokens kept), keyed by normalised text, or by the raw
// token string when the decode is not clean UTF-8.

#include <cstdint>
#include <string>
#include <vector>

#include "engram/compression.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

CompressionTable build_compression_table(const tokenizer::Tokenizer& tokenizer);

struct MergedGroup {
  int64_t compressed_id = 0;
  std::string key;
  std::vector<int64_t> raw_ids;
};

// The compressed ids that absorbed the most raw ids, largest first (ties: lower compressed id).
std::vector<MergedGroup> largest_groups(const CompressionTable& table, std::size_t count);

}  // namespace engram::harness
