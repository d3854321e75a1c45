#pragma once
// Quick throughput probes of the Engram module for the main job's summary. The Google Benchmark
// programs in bench/ are the measurements of record; these give a user a figure in seconds.

#include <cstdint>
#include <memory>
#include <vector>

#include "engram/engram_config.h"
#include "engram/ngram_hash.h"

namespace engram::harness {

// The engram-27b preset's Engram memory (paper tables 1 and 5: layers 2 and 15, orders 2-3, 8 heads
// per order, d_mem 1280, base table size 2,262,400, hidden 2560, 4 branches) with every order's base
// table size set to table_base_rows; smaller tables change memory, not per-token work.
EngramConfig engram27b_memory_config(int64_t table_base_rows = 2262400);

// A stand-in for the DeepSeek-V3 compression table until the tokenizer is loaded: 129,280 raw ids
// folded onto compressed_size ids (default: the paper's 23.43% reduction).
std::vector<int64_t> synthetic_lookup_table(int64_t raw_vocab = 129280, int64_t compressed_size = 98989);

struct Throughput {
  double seconds_per_iteration = 0;
  int64_t iterations = 0;
  double items_per_second = 0;  // token-layers/s for hashing, tokens/s for the forward
};

// Hashes `tokens` random ids (one row) for every Engram layer, repeating for at least min_seconds.
Throughput measure_hash(const NgramHashMapping& mapping, int64_t tokens, int threads, double min_seconds);

// Runs one Engram layer forward (float32, CPU) on [batch, length] tokens.
Throughput measure_engram_forward(const EngramConfig& config, std::shared_ptr<const NgramHashMapping> mapping,
                                  int64_t batch, int64_t length, double min_seconds);

}  // namespace engram::harness
