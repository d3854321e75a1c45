#pragma once
// One timed generation, decoded through the KV cache as the engine decodes (CausalLM::new_cache,
// forward_hidden, project): a prefill of the prompts gives every sequence its first token (the
// time to first token), then gen_tokens - 1 single-token steps give the rest (each step's time is a
// time per output token). Greedy, EOS ignored; the device is synchronised before each clock read.

#include <ATen/core/Tensor.h>

#include <vector>

#include "harness/speed/speed_model.h"

namespace engram::harness::speed {

struct GenerationTiming {
  double prefill_seconds = 0;            // prompt forward + first token
  double decode_seconds = 0;             // the gen_tokens - 1 steps after it
  std::vector<double> step_seconds;      // each decode step
};

// prompt_ids: [batch, prompt_tokens] int64 on any device. With model.cuda_graphs, batches that fit a
// graph bucket decode through time_generation_graphed (decode_graphs.h).
GenerationTiming time_generation(SpeedModel& model, const at::Tensor& prompt_ids, int64_t gen_tokens);

// Seeded random prompt ids in [0, model.token_limit), [batch, length], on the CPU.
at::Tensor random_prompt_ids(const SpeedModel& model, int64_t batch, int64_t length, uint64_t seed);

// The greedy next token of each row's last projected position, kept below token_limit: [rows, 1].
at::Tensor greedy_next(SpeedModel& model, const at::Tensor& last_hidden);

}  // namespace engram::harness::speed
