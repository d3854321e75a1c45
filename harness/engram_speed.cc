#include "harness/engram_speed.h"

#include <ATen/ATen.h>

#include <chrono>
#include <random>

#include "baselines/presets.h"
#include "engram/engram_module.h"
#include "engram/hash_tensor.h"

namespace engram::harness {

EngramConfig engram27b_memory_config(int64_t table_base_rows) {
  EngramConfig config = *model::find_preset("engram-27b").config.engram;
  config.hash.engram_vocab_size.assign(config.hash.engram_vocab_size.size(), table_base_rows);
  return config;
}

std::vector<int64_t> synthetic_lookup_table(int64_t raw_vocab, int64_t compressed_size) {
  std::vector<int64_t> table(raw_vocab);
  for (int64_t i = 0; i < raw_vocab; ++i) table[i] = i % compressed_size;
  return table;
}

namespace {

template <typename Body>
Throughput time_loop(double min_seconds, double items_per_iteration, Body&& body) {
  using Clock = std::chrono::steady_clock;
  body();  // warm-up: first-touch allocation, thread start-up, kernel selection
  Throughput result;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    body();
    ++result.iterations;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  result.seconds_per_iteration = elapsed / static_cast<double>(result.iterations);
  result.items_per_second = items_per_iteration / result.seconds_per_iteration;
  return result;
}

std::vector<int64_t> random_ids(int64_t count, int64_t vocab, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::uniform_int_distribution<int64_t> pick(0, vocab - 1);
  std::vector<int64_t> ids(count);
  for (auto& id : ids) id = pick(generator);
  return ids;
}

}  // namespace

Throughput measure_hash(const NgramHashMapping& mapping, int64_t tokens, int threads, double min_seconds) {
  const std::vector<int64_t> raw = random_ids(tokens, static_cast<int64_t>(mapping.lookup_table().size()), 1);
  std::vector<int64_t> compressed(tokens);
  std::vector<int64_t> out(static_cast<std::size_t>(tokens) * mapping.config().heads_per_layer());
  const double token_layers = static_cast<double>(tokens) * static_cast<double>(mapping.layers().size());
  return time_loop(min_seconds, token_layers, [&] {
    mapping.compress(raw.data(), compressed.data(), tokens);
    for (const LayerHashParams& layer : mapping.layers()) {
      mapping.hash_layer(compressed.data(), 1, tokens, layer.layer_id, out.data(), threads);
    }
  });
}

Throughput measure_engram_forward(const EngramConfig& config, std::shared_ptr<const NgramHashMapping> mapping,
                                  int64_t batch, int64_t length, double min_seconds) {
  at::NoGradGuard no_grad;
  const int64_t layer_id = mapping->layers().front().layer_id;
  Engram module(config, mapping, layer_id);
  module->eval();
  const std::vector<int64_t> ids = random_ids(batch * length, static_cast<int64_t>(mapping->lookup_table().size()), 2);
  const at::Tensor input_ids = at::tensor(ids, at::kLong).view({batch, length});
  const at::Tensor hidden = at::randn({batch, length, config.hc_mult, config.hidden_size});
  return time_loop(min_seconds, static_cast<double>(batch * length),
                   [&] { module->forward(hidden, input_ids); });
}

}  // namespace engram::harness
