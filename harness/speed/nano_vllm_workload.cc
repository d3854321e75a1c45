#include "harness/speed/nano_vllm_workload.h"

#include <ATen/ATen.h>
#include <torch/types.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>

#include "harness/device_memory.h"
#include "harness/engine/continuous_batching.h"
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

// Sequence `index`'s prompt, the same whichever scheduler runs it.
at::Tensor sequence_prompt(const SpeedModel& model, const WorkloadSequence& sequence, uint64_t token_seed,
                           std::size_t index) {
  return random_prompt_ids(model, 1, sequence.input_tokens, token_seed + index)[0];
}

// Greedy tokens, each sequence finished after its drawn output length (EOS ignored), with the times
// of each sequence's first and last token.
class FixedLengthPolicy : public TokenPolicy {
 public:
  FixedLengthPolicy(SpeedModel& model, const std::vector<WorkloadSequence>& sequences, std::function<double()> clock)
      : model_(model), sequences_(sequences), clock_(std::move(clock)), produced_(sequences.size(), 0),
        first_(sequences.size(), 0.0), last_(sequences.size(), 0.0) {}
  std::vector<int64_t> choose(const at::Tensor& logits, const std::vector<std::size_t>&) override {
    const at::Tensor next = logits.narrow(-1, 0, model_.token_limit).argmax(-1).cpu();
    return {next.data_ptr<int64_t>(), next.data_ptr<int64_t>() + next.numel()};
  }
  bool accept(std::size_t sequence, int64_t) override {
    const double now = clock_();
    if (produced_[sequence]++ == 0) first_[sequence] = now;
    last_[sequence] = now;
    return produced_[sequence] >= sequences_[sequence].output_tokens;
  }
  double first(std::size_t i) const { return first_[i]; }
  double last(std::size_t i) const { return last_[i]; }

 private:
  SpeedModel& model_;
  const std::vector<WorkloadSequence>& sequences_;
  std::function<double()> clock_;
  std::vector<int64_t> produced_;
  std::vector<double> first_, last_;
};

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
  result.scheduler = "fixed";
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
    at::Tensor ids = at::full({rows, width}, model.pad_id, at::kLong);
    at::Tensor mask = at::zeros({rows, width}, at::kLong);
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t length = sequences[first + static_cast<std::size_t>(row)].input_tokens;
      const std::size_t index = first + static_cast<std::size_t>(row);
      ids[row].narrow(0, width - length, length).copy_(sequence_prompt(model, sequences[index], token_seed, index));
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
      ++result.decode_steps;
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

NanoVllmResult run_nano_vllm_continuous(SpeedModel& model, const std::vector<WorkloadSequence>& sequences,
                                        int64_t max_batch, uint64_t token_seed) {
  if (max_batch < 1) throw std::invalid_argument("nano-vllm workload: max batch must be positive");
  NanoVllmResult result;
  result.scheduler = "continuous";
  std::vector<std::vector<int64_t>> prompts;
  int64_t longest = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const at::Tensor ids = sequence_prompt(model, sequences[i], token_seed, i);
    prompts.emplace_back(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
    result.input_tokens += sequences[i].input_tokens;
    result.output_tokens += sequences[i].output_tokens;
    longest = std::max(longest, sequences[i].input_tokens + sequences[i].output_tokens);
  }
  ContinuousBatchingOptions options;
  options.max_running = max_batch;
  options.block_size = 16;
  options.num_blocks = (max_batch + 1) * ((longest + options.block_size - 1) / options.block_size);
  options.min_shared_prefix = 0;  // random prompts share nothing
  options.pad_id = model.pad_id;
  synchronize_device(model.device);
  const auto start = Clock::now();
  FixedLengthPolicy policy(model, sequences, [&] { return std::chrono::duration<double>(Clock::now() - start).count(); });
  const ContinuousBatchingStats stats = run_continuous_batching(model.model, prompts, policy, options);
  synchronize_device(model.device);
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.batches = stats.prefills;
  result.decode_steps = stats.decode_steps;
  result.preemptions = stats.preemptions;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    result.ttft_seconds.push_back(policy.first(i));
    const int64_t out = sequences[i].output_tokens;
    if (out > 1) result.tpot_seconds.push_back((policy.last(i) - policy.first(i)) / static_cast<double>(out - 1));
  }
  return result;
}

}  // namespace engram::harness::speed
