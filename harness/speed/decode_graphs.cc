#include "harness/speed/decode_graphs.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <chrono>
#include <stdexcept>

#if __has_include(<ATen/cuda/CUDAGraph.h>)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define ENGRAM_HAVE_CUDA_GRAPHS 1
#endif

#include "harness/device_memory.h"

namespace engram::harness::speed {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Rows past `batch` repeat row 0, so that every row of the bucket is a real sequence.
at::Tensor pad_rows(const at::Tensor& ids, int64_t bucket) {
  if (ids.size(0) == bucket) return ids;
  return at::cat({ids, ids.narrow(0, 0, 1).expand({bucket - ids.size(0), ids.size(1)})}, 0);
}

// The buffers one decode step reads; the graph is captured over exactly these tensors.
struct StepBuffers {
  at::Tensor tokens;     // [bucket, 1]
  at::Tensor positions;  // [bucket, 1], the new token's position
  at::Tensor key_mask;   // [bucket, capacity], 1 where a position holds a token (the new one included)
  at::Tensor slot;       // [1], where the new token's keys go
  at::Tensor next;       // [bucket, 1], the step's greedy token (the graph's output)
};

void run_step(SpeedModel& model, model::KvCache& cache, StepBuffers& buffers) {
  model::ForwardOptions options;
  options.attention_mask = buffers.key_mask;
  options.positions = buffers.positions;
  options.cache_slots = buffers.slot;
  const at::Tensor hidden = model.model->forward_hidden(buffers.tokens, &cache, options);
  buffers.next.copy_(greedy_next(model, hidden.select(1, 0)));
}

// Moves the buffers on to the next position, on the device.
void advance(StepBuffers& buffers) {
  buffers.tokens.copy_(buffers.next);
  buffers.positions.add_(1);
  buffers.slot.add_(1);
  buffers.key_mask.index_fill_(1, buffers.slot, 1);
}

}  // namespace

std::vector<int64_t> default_graph_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

int64_t graph_bucket(int64_t batch, const std::vector<int64_t>& buckets) {
  if (batch < 1) throw std::invalid_argument("graph_bucket: batch must be positive");
  int64_t best = 0;
  for (int64_t bucket : buckets) {
    if (bucket >= batch && (best == 0 || bucket < best)) best = bucket;
  }
  return best;
}

std::string graph_capture_obstacle(const model::ModelConfig& config, const std::string& device) {
  if (device.rfind("cuda", 0) != 0) return "CUDA graphs need a CUDA device";
#ifndef ENGRAM_HAVE_CUDA_GRAPHS
  return "built without LibTorch's CUDA headers";
#endif
  if (config.moe) return "MoE routing reads expert counts back to the host";
  if (config.engram) return "Engram layers keep host-side state";
  return "";
}

GenerationTiming time_generation_graphed(SpeedModel& model, const at::Tensor& prompt_ids, int64_t gen_tokens,
                                         int64_t bucket, at::Tensor* tokens) {
  if (gen_tokens < 1) throw std::invalid_argument("gen_tokens must be at least 1");
  const int64_t batch = prompt_ids.size(0), prompt = prompt_ids.size(1);
  if (bucket < batch) throw std::invalid_argument("time_generation_graphed: bucket smaller than the batch");
  const std::string obstacle = graph_capture_obstacle(model.model->config(), model.device);
  if (!obstacle.empty()) throw std::invalid_argument("CUDA graph decoding: " + obstacle);
  torch::NoGradGuard no_grad;
  const c10::Device device(model.device);
  const at::TensorOptions longs = at::TensorOptions().dtype(at::kLong).device(device);
  const int64_t capacity = prompt + gen_tokens;
  GenerationTiming timing;
  std::vector<at::Tensor> generated;

  const at::Tensor ids = pad_rows(prompt_ids, bucket).to(device);
  synchronize_device(model.device);
  auto start = Clock::now();
  model::KvCache cache = model.model->preallocated_cache(bucket, capacity);
  StepBuffers buffers;
  buffers.key_mask = at::zeros({bucket, capacity}, longs);
  buffers.key_mask.narrow(1, 0, prompt).fill_(1);
  model::ForwardOptions prefill;
  prefill.attention_mask = buffers.key_mask;
  prefill.positions = at::arange(prompt, longs).unsqueeze(0).expand({bucket, prompt});
  prefill.cache_slots = at::arange(prompt, longs);
  const at::Tensor hidden = model.model->forward_hidden(ids, &cache, prefill);
  buffers.next = greedy_next(model, hidden.select(1, prompt - 1));
  synchronize_device(model.device);
  timing.prefill_seconds = seconds_since(start);
  generated.push_back(buffers.next.narrow(0, 0, batch).cpu());
  if (gen_tokens == 1) {
    if (tokens) *tokens = at::cat(generated, 1);
    return timing;
  }

  buffers.tokens = buffers.next.clone();
  buffers.positions = at::full({bucket, 1}, prompt, longs);
  buffers.slot = at::full({1}, prompt, longs);
  buffers.key_mask.index_fill_(1, buffers.slot, 1);
#ifdef ENGRAM_HAVE_CUDA_GRAPHS
  // Capture on a side stream after a warm-up (lazy allocations and kernel selection happen there).
  // The warm-up writes the same keys at the same slot that the first replay writes again.
  at::cuda::CUDAGraph graph;
  {
    const c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
    const c10::cuda::CUDAStreamGuard guard(side);
    run_step(model, cache, buffers);
    side.synchronize();
    graph.capture_begin();
    run_step(model, cache, buffers);
    graph.capture_end();
  }
  synchronize_device(model.device);
  timing.step_seconds.reserve(static_cast<std::size_t>(gen_tokens - 1));
  for (int64_t step = 1; step < gen_tokens; ++step) {
    const auto step_start = Clock::now();
    graph.replay();
    synchronize_device(model.device);
    timing.step_seconds.push_back(seconds_since(step_start));
    generated.push_back(buffers.next.narrow(0, 0, batch).cpu());
    if (step + 1 < gen_tokens) advance(buffers);
  }
#endif
  for (double s : timing.step_seconds) timing.decode_seconds += s;
  if (tokens) *tokens = at::cat(generated, 1);
  return timing;
}

}  // namespace engram::harness::speed
