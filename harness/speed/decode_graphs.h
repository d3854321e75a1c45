#pragma once
// Decode steps replayed from CUDA graphs: one graph per batch-size bucket, captured over static input
// buffers (tokens, positions, key mask, cache slot) and a preallocated KV cache, so that a step costs
// one graph launch instead of hundreds of kernel launches. A batch runs in the smallest bucket that
// holds it, its spare rows repeating row 0 and dropped from the results.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "baselines/model_config.h"
#include "harness/speed/generation_timing.h"
#include "harness/speed/speed_model.h"

namespace engram::harness::speed {

// 1, 2, 4, ..., 256: the batch sizes graphs are captured for.
std::vector<int64_t> default_graph_buckets();

// The smallest bucket >= batch; 0 when none holds it (the batch then runs eagerly).
int64_t graph_bucket(int64_t batch, const std::vector<int64_t>& buckets);

// Why this model's decode steps cannot be captured on `device`, or "" when they can: graphs need a
// CUDA device, MoE routing reads expert counts back to the host, Engram layers keep host-side state.
std::string graph_capture_obstacle(const model::ModelConfig& config, const std::string& device);

// time_generation with a preallocated cache of prompt + gen_tokens positions in `bucket` rows, the
// prefill run eagerly and the decode steps replayed from a graph captured after one warm-up step
// (neither timed as a step). Greedy, EOS ignored, as time_generation. `tokens`, when given, receives
// the generated ids [batch, gen_tokens] (for checking against eager decoding).
GenerationTiming time_generation_graphed(SpeedModel& model, const at::Tensor& prompt_ids, int64_t gen_tokens,
                                         int64_t bucket, at::Tensor* tokens = nullptr);

}  // namespace engram::harness::speed
