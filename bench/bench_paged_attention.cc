// One layer's decode attention over a paged KV cache at SmolLM2-135M's shape (9 query heads over
// 3 key heads of 64), as a BBH chain-of-thought step has it: every row continues one shared 3-shot
// prefix, then its own keys. The in-place kernel (paged_attention.h) against the gathering path it
// replaces on the CPU (each row's keys gathered from the pools, then shared_prefix_attention).
// Reports the key and value bytes a step must read (the prefix once, each row's own keys) per second.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <memory>

#include "baselines/nn/kv_cache.h"
#include "baselines/nn/paged_attention.h"
#include "baselines/nn/shared_prefix_attention.h"

namespace {

constexpr int64_t kHeads = 9, kKeyHeads = 3, kDim = 64;

struct Layer {
  at::Tensor q, key_pool, value_pool;
  std::shared_ptr<engram::model::PagedStep> step;
};

// Args: rows, shared prefix, own keys per row, new tokens per row, bfloat16.
Layer make_layer(const benchmark::State& state) {
  const int64_t rows = state.range(0), prefix = state.range(1), own = state.range(2), length = state.range(3);
  const at::ScalarType dtype = state.range(4) ? at::kBFloat16 : at::kFloat;
  const int64_t slots = prefix + rows * own;
  Layer layer;
  layer.q = at::randn({rows, kHeads, length, kDim}).to(dtype);
  layer.key_pool = at::randn({slots, kKeyHeads, kDim}).to(dtype);
  layer.value_pool = at::randn({slots, kKeyHeads, kDim}).to(dtype);
  layer.step = std::make_shared<engram::model::PagedStep>();
  layer.step->slots = slots;
  // Own keys in a shuffled order of blocks of 16, as a block table leaves them.
  const at::Tensor blocks = at::randperm(rows * own / 16, at::kLong);
  const at::Tensor own_slots = (prefix + (blocks.view({-1, 1}) * 16 + at::arange(16, at::kLong)).view({rows, own}));
  layer.step->read_slots = own_slots.contiguous();
  layer.step->shared.push_back({0, rows, at::arange(prefix, at::kLong)});
  return layer;
}

void set_bytes(benchmark::State& state) {
  const int64_t element = state.range(4) ? 2 : 4;
  state.SetBytesProcessed(state.iterations() * (state.range(1) + state.range(0) * state.range(2)) * 2 * kKeyHeads *
                          kDim * element);
}

void shapes(benchmark::internal::Benchmark* b) {
  for (const int64_t threads : {1, 2}) {
    for (const int64_t rows : {8, 16}) {
      for (const int64_t length : {1, 2}) {
        for (const int64_t bf16 : {0, 1}) b->Args({rows, 900, 496, length, bf16, threads});
      }
    }
  }
  b->ArgNames({"rows", "prefix", "own", "new", "bf16", "threads"});
}

void BM_PagedAttentionInPlace(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(5)));
  const Layer layer = make_layer(state);
  engram::model::PagedAttentionInputs in;
  in.q = layer.q;
  in.key_pool = layer.key_pool;
  in.value_pool = layer.value_pool;
  in.step = layer.step.get();
  in.causal = true;
  in.scale = 0.125;
  if (!engram::model::paged_attention_serves(in)) {
    state.SkipWithError("paged_attention does not serve this processor");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(engram::model::paged_attention(in));
  set_bytes(state);
}

void BM_GatherThenAttend(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(5)));
  const Layer layer = make_layer(state);
  const int64_t rows = state.range(0), own = state.range(2), length = state.range(3);
  const at::Tensor mask = at::ones({length, own}, at::kBool).tril(own - length).view({1, 1, length, own});
  for (auto _ : state) {
    const auto gather = [&](const at::Tensor& pool, const at::Tensor& slots, int64_t lead) {
      return pool.index_select(0, slots.reshape({-1})).view({lead, -1, kKeyHeads, kDim}).movedim(1, 2);
    };
    const at::Tensor k = gather(layer.key_pool, layer.step->read_slots, rows);
    const at::Tensor v = gather(layer.value_pool, layer.step->read_slots, rows);
    const at::Tensor shared_k = gather(layer.key_pool, layer.step->shared[0].slots, 1);
    const at::Tensor shared_v = gather(layer.value_pool, layer.step->shared[0].slots, 1);
    benchmark::DoNotOptimize(engram::model::shared_prefix_attention(layer.q, shared_k, shared_v, k, v, mask, 0.125));
  }
  set_bytes(state);
}

}  // namespace

BENCHMARK(BM_PagedAttentionInPlace)->Apply(shapes);
BENCHMARK(BM_GatherThenAttend)->Apply(shapes);

BENCHMARK_MAIN();
