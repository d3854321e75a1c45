// SmolLM2-135M's decode projections at 1 and 2 rows, one thread: a packed Linear's forward (the
// few-row AVX-512 path, or oneDNN's packed GEMM when run with ENGRAM_SKINNY_LINEAR=0) against
// at::linear on the plain weight. Reports the weight bytes read per second.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/nn/options/linear.h>

#include "baselines/nn/packed_linear.h"

namespace {

// out, in: fused q/k/v (960 x 576), o_proj, fused gate/up, down_proj, the tied unembedding.
void shapes(benchmark::internal::Benchmark* b) {
  for (const auto& [out, in] : std::vector<std::pair<int64_t, int64_t>>{
           {960, 576}, {576, 576}, {3072, 576}, {576, 1536}, {49152, 576}}) {
    for (const int64_t rows : {1, 2}) {
      for (const int64_t bf16 : {1, 0}) b->Args({out, in, rows, bf16});
    }
  }
}

at::ScalarType dtype_of(const benchmark::State& state) { return state.range(3) ? at::kBFloat16 : at::kFloat; }

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * state.range(0) * state.range(1) * c10::elementSize(dtype_of(state)));
}

void BM_PackedLinearForward(benchmark::State& state) {
  at::set_num_threads(1);
  at::NoGradGuard no_grad;
  engram::model::Linear layer(torch::nn::LinearOptions(state.range(1), state.range(0)).bias(false));
  layer->to(dtype_of(state));
  engram::model::pack_linear_weights(*layer);
  const at::Tensor x = at::randn({state.range(2), 1, state.range(1)}).to(dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(layer->forward(x));
  set_bytes(state);
}
BENCHMARK(BM_PackedLinearForward)->Apply(shapes)->ArgNames({"out", "in", "rows", "bf16"});

void BM_AtLinear(benchmark::State& state) {
  at::set_num_threads(1);
  at::NoGradGuard no_grad;
  const at::Tensor w = at::randn({state.range(0), state.range(1)}).to(dtype_of(state));
  const at::Tensor x = at::randn({state.range(2), 1, state.range(1)}).to(dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(at::linear(x, w));
  set_bytes(state);
}
BENCHMARK(BM_AtLinear)->Apply(shapes)->ArgNames({"out", "in", "rows", "bf16"});

}  // namespace

BENCHMARK_MAIN();
