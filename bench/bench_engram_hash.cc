// Engram n-gram hashing on the Engram-27B shape: layers [2, 15], orders 2-3, 8 heads per order,
// base table size 2,262,400 (primes 2,262,409 and up), DeepSeek-V3-sized vocabulary folded by the
// paper's 23.43%. Counter "token_layers/s" is what the 40 M target refers to.
#include <benchmark/benchmark.h>

#include <random>
#include <thread>
#include <vector>

#include "engram/ngram_hash.h"

namespace {

engram::NgramHashConfig engram27b_hash() {
  engram::NgramHashConfig config;
  config.engram_vocab_size = {2262400, 2262400};
  config.max_ngram_size = 3;
  config.n_head_per_ngram = 8;
  config.layer_ids = {2, 15};
  config.pad_id = 2;
  config.seed = 0;
  return config;
}

const engram::NgramHashMapping& mapping() {
  static const engram::NgramHashMapping instance = [] {
    std::vector<int64_t> lookup(129280);
    for (int64_t i = 0; i < 129280; ++i) lookup[i] = i % 98989;
    return engram::NgramHashMapping(engram27b_hash(), std::move(lookup));
  }();
  return instance;
}

std::vector<int64_t> random_ids(int64_t count) {
  std::mt19937_64 generator(42);
  std::uniform_int_distribution<int64_t> pick(0, 129279);
  std::vector<int64_t> ids(count);
  for (auto& id : ids) id = pick(generator);
  return ids;
}

// Compress once, then hash every Engram layer: the work per step of a real forward.
void BM_HashEngram27B(benchmark::State& state) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto& m = mapping();
  const std::vector<int64_t> raw = random_ids(tokens);
  std::vector<int64_t> compressed(tokens);
  std::vector<int64_t> out(static_cast<std::size_t>(tokens) * m.config().heads_per_layer());
  for (auto _ : state) {
    m.compress(raw.data(), compressed.data(), tokens);
    for (const auto& layer : m.layers()) {
      m.hash_layer(compressed.data(), 1, tokens, layer.layer_id, out.data(), threads);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double token_layers = static_cast<double>(tokens) * static_cast<double>(m.layers().size());
  state.counters["token_layers/s"] = benchmark::Counter(token_layers, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

void thread_sweep(benchmark::internal::Benchmark* b) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  b->Args({32768, 1});
  if (cores > 1) b->Args({32768, cores});
  b->Args({4096, 1});
  b->Args({16384, 1});
  b->Args({8192, 1});
}

}  // namespace

BENCHMARK(BM_HashEngram27B)->Apply(thread_sweep)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
