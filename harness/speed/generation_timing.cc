#include "harness/speed/generation_timing.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <chrono>
#include <stdexcept>

#include "harness/device_memory.h"
#include "harness/speed/decode_graphs.h"

namespace engram::harness::speed {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

at::Tensor random_prompt_ids(const SpeedModel& model, int64_t batch, int64_t length, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randint(0, model.token_limit, {batch, length}, generator, at::TensorOptions().dtype(at::kLong));
}

at::Tensor greedy_next(SpeedModel& model, const at::Tensor& last_hidden) {
  // Rows past the tokenizer (or the Engram compression table) are not tokens and cannot be hashed.
  return model.model->project(last_hidden).narrow(-1, 0, model.token_limit).argmax(-1, /*keepdim=*/true);
}

GenerationTiming time_generation(SpeedModel& model, const at::Tensor& prompt_ids, int64_t gen_tokens) {
  if (gen_tokens < 1) throw std::invalid_argument("gen_tokens must be at least 1");
  if (model.cuda_graphs) {
    const int64_t bucket = graph_bucket(prompt_ids.size(0), default_graph_buckets());
    if (bucket > 0) return time_generation_graphed(model, prompt_ids, gen_tokens, bucket);
  }
  torch::NoGradGuard no_grad;
  GenerationTiming timing;
  const at::Tensor ids = prompt_ids.to(c10::Device(model.device));
  synchronize_device(model.device);
  const auto start = Clock::now();
  model::KvCache cache = model.model->new_cache();
  at::Tensor hidden = model.model->forward_hidden(ids, &cache);
  at::Tensor next = greedy_next(model, hidden.select(1, hidden.size(1) - 1));
  synchronize_device(model.device);
  timing.prefill_seconds = seconds_since(start);
  timing.step_seconds.reserve(static_cast<std::size_t>(gen_tokens - 1));
  for (int64_t step = 1; step < gen_tokens; ++step) {
    const auto step_start = Clock::now();
    hidden = model.model->forward_hidden(next, &cache);
    next = greedy_next(model, hidden.select(1, 0));
    synchronize_device(model.device);
    timing.step_seconds.push_back(seconds_since(step_start));
  }
  for (double s : timing.step_seconds) timing.decode_seconds += s;
  return timing;
}

}  // namespace engram::harness::speed
