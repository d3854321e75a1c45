// One Engram layer forward at the Engram-27B per-token shape: hidden 2560, 4 hyper-connection
// branches, d_mem 1280 (2 orders x 8 heads x 80). Tables are shrunk to a base of 65,536 rows per
// head (the per-token work does not depend on table rows); float32 on the CPU.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "engram/engram_module.h"
#include "harness/engram_speed.h"

namespace {

void BM_EngramForward(benchmark::State& state) {
  const int64_t tokens = state.range(0);
  at::set_num_threads(static_cast<int>(state.range(1)));
  const engram::EngramConfig config = engram::harness::engram27b_memory_config(65536);
  auto mapping = std::make_shared<const engram::NgramHashMapping>(config.hash, engram::harness::synthetic_lookup_table());
  engram::Engram module(config, mapping, 2);
  module->eval();
  at::NoGradGuard no_grad;
  const at::Tensor ids = at::randint(0, 129280, {1, tokens}, at::kLong);
  const at::Tensor hidden = at::randn({1, tokens, config.hc_mult, config.hidden_size});
  for (auto _ : state) {
    at::Tensor out = module->forward(hidden, ids);
    benchmark::DoNotOptimize(out.data_ptr());
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_EngramForward)->Args({512, 1})->Args({512, 2})->Args({2048, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
