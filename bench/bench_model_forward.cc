// Forward throughput of the tiny presets on the CPU (float32): prefill of one 128-token sequence
// and cached decoding of 4 sequences one token at a time. Weights are random from a seed; Engram
// tables use a stand-in compression of the DeepSeek-V3 vocabulary (same shape as the real one).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "harness/engram_speed.h"

namespace {

using engram::model::CausalLM;

const char* kPresets[] = {"tiny-dense", "tiny-moe", "tiny-engram"};

CausalLM build(const std::string& name) {
  const engram::model::ModelConfig& config = engram::model::find_preset(name).config;
  std::shared_ptr<const engram::NgramHashMapping> hashing;
  if (config.engram) {
    hashing = std::make_shared<const engram::NgramHashMapping>(config.engram->hash,
                                                               engram::harness::synthetic_lookup_table());
  }
  CausalLM model(config, hashing);
  model->init_weights(17);
  model->eval();
  return model;
}

void BM_Prefill(benchmark::State& state) {
  const std::string name = kPresets[state.range(0)];
  at::set_num_threads(static_cast<int>(state.range(1)));
  CausalLM model = build(name);
  at::NoGradGuard no_grad;
  const int64_t tokens = 128;
  const at::Tensor ids = at::randint(0, model->config().vocab_size, {1, tokens}, at::kLong);
  for (auto _ : state) {
    at::Tensor hidden = model->forward_hidden(ids);
    at::Tensor logits = model->project(hidden.select(1, tokens - 1));
    benchmark::DoNotOptimize(logits.data_ptr());
  }
  state.SetLabel(name);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Decode(benchmark::State& state) {
  const std::string name = kPresets[state.range(0)];
  at::set_num_threads(static_cast<int>(state.range(1)));
  CausalLM model = build(name);
  at::NoGradGuard no_grad;
  const int64_t batch = 4, prompt = 64, steps = 32;
  const at::Tensor ids = at::randint(0, model->config().vocab_size, {batch, prompt}, at::kLong);
  for (auto _ : state) {
    state.PauseTiming();
    engram::model::KvCache cache = model->new_cache();
    at::Tensor hidden = model->forward_hidden(ids, &cache);
    at::Tensor next = model->project(hidden.select(1, prompt - 1)).argmax(-1, true);
    state.ResumeTiming();
    for (int64_t s = 0; s < steps; ++s) {
      hidden = model->forward_hidden(next, &cache);
      next = model->project(hidden.select(1, 0)).argmax(-1, true);
    }
    benchmark::DoNotOptimize(next.data_ptr());
  }
  state.SetLabel(name);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch * steps), benchmark::Counter::kIsIterationInvariantRate);
}

void presets_and_threads(benchmark::internal::Benchmark* b) {
  for (int preset = 0; preset < 3; ++preset) {
    b->Args({preset, 1});
    b->Args({preset, 2});
  }
}

}  // namespace

BENCHMARK(BM_Prefill)->Apply(presets_and_threads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode)->Apply(presets_and_threads)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
