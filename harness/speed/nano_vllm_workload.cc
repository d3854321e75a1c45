#include "harness/speed/nano_vllm_workload.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <stdexcept>

#include "harness/device_memory.h"
#include "harness/speed/generation_timing.h"

namespace engram::harness::speed {
namespace {

using Clock = std::chrono::steady_clock;

// Uniform integer in [low, high] by rejection (std::uniform_int_distribution differs across
// standard libraries; mt19937_64's raw output does not).
int64_t uniform_inclusive(std::mt19937_64& rng, int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % span;
  uint64_t draw;
  do {
    draw = rng();
  } while (draw >= limit);
  return low + static_cast<int64_t>(draw % span);
}

}  // namespace

std::vector<WorkloadSequence> draw_nano_vllm_sequences(const NanoVllmWorkload& w) {
  if (w.num_seqs < 1 || w.min_tokens < 1 || w.max_input < w.min_tokens || w.max_output < w.min_tokens) {
    throw std::invalid_argument("nano-vllm workload: need num_seqs >= 1 and 1 <= min <= max_input, max_output");
  }
  std::mt19937_64 rng(w.seed);
  std::vector<WorkloadSequence> sequences(static_cast<std::size_t>(w.num_seqs));
  for (auto& s : sequences) {
    s.input_tokens = uniform_inclusive(rng, w.min_tokens, w.max_input);
    s.output_tokens = uniform_inclusive(rng, w.min_tokens, w.max_output);
  }
  return sequences;
}

NanoVllmResult run_nano_vllm(SpeedModel& model, const std::vector<WorkloadSequence>& sequences, int64_t max_batch,
                             uint64_t token_seed) {
  if (max_batch < 1) throw std::invalid_argument("nano-vllm workload: max batch must be positive");
  torch::NoGradGuard no_grad;
  const c10::Device device(model.device);
  NanoVllmResult result;
  synchronize_device(model.device);
  const auto start = Clock::now();
  const auto since_start = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  for (std::size_t first = 0; first < sequences.size(); first += static_cast<std::size_t>(max_batch)) {
    const std::size_t end = std::min(sequences.size(), first + static_cast<std::size_t>(max_batch));
    const int64_t rows = static_cast<int64_t>(end - first);
    int64_t width = 0, steps = 0;
    for (std::size_t i = first; i < end; ++i) {
      width = std::max(width, sequences[i].input_tokens);
      steps = std::max(steps, sequences[i].output_tokens);
    }
    // Left padding, masked out of attention (and of Engram's convolution), as the engine generates.
    const at::Tensor random_ids = random_prompt_ids(model, rows, width, token_seed + first);
    at::Tensor ids = at::full({rows, width}, model.pad_id, at::kLong);
    at::Tensor mask = at::zeros({rows, width}, at::kLong);
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t length = sequences[first + static_cast<std::size_t>(row)].input_tokens;
      ids[row].narrow(0, width - length, length).copy_(random_ids[row].narrow(0, 0, length));
      mask[row].narrow(0, width - length, length).fill_(1);
      result.input_tokens += length;
    }
    const double batch_start = since_start();
    model::KvCache cache = model.model->new_cache();
    model::ForwardOptions options;
    options.attention_mask = mask.to(device);
    options.positions = (mask.cumsum(1) - 1).clamp_min(0).to(device);
    at::Tensor hidden = model.model->forward_hidden(ids.to(device), &cache, options);
    at::Tensor next = greedy_next(model, hidden.select(1, width - 1));
    at::Tensor next_position = options.positions.select(1, width - 1) + 1;
    synchronize_device(model.device);
    const double first_token = since_start();
    result.batch_prefill_seconds.push_back(first_token - batch_start);
    for (int64_t row = 0; row < rows; ++row) result.ttft_seconds.push_back(first_token);
    std::vector<double> finished(static_cast<std::size_t>(rows), first_token);
    for (int64_t step = 1; step < steps; ++step) {
      mask = at::cat({mask, at::ones({rows, 1}, at::kLong)}, 1);
      options.attention_mask = mask.to(device);
      options.positions = next_position.unsqueeze(1);
      hidden = model.model->forward_hidden(next, &cache, options);
      next = greedy_next(model, hidden.select(1, 0));
      next_position = next_position + 1;
      synchronize_device(model.device);
      const double now = since_start();
      for (int64_t row = 0; row < rows; ++row) {
        // Output token step + 1 of this row, if it still wanted one.
        if (step < sequences[first + static_cast<std::size_t>(row)].output_tokens) {
          finished[static_cast<std::size_t>(row)] = now;
        } else {
          ++result.padded_decode_slots;
        }
      }
    }
    result.batch_decode_seconds.push_back(since_start() - first_token);
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t out = sequences[first + static_cast<std::size_t>(row)].output_tokens;
      result.output_tokens += out;
      if (out > 1) result.tpot_seconds.push_back((finished[static_cast<std::size_t>(row)] - first_token) / static_cast<double>(out - 1));
    }
    ++result.batches;
  }
  result.wall_seconds = since_start();
  return result;
}

}  // namespace engram::harness::speed
