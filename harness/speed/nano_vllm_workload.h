#pragma once
// The paper's table-4 throughput workload (nano-vLLM's bench.py with 512 sequences): random prompts
// and output budgets with lengths Uniform[min, max], EOS ignored, throughput = output tokens / wall
// seconds.
//
// Two schedulers run it on the same prompts. run_nano_vllm_continuous is nano-vLLM's: continuous
// batching over a paged KV cache (harness/engine/continuous_batching.h), at most max_batch running,
// a finished sequence's slot refilled at once. run_nano_vllm is the FIXED MAX BATCH it replaced:
// sequences in arrival order, max_batch at a time; a batch is prefilled at once (left padding,
// masked) and then decoded until its longest output is done; a row that finished early keeps its
// slot (counted as a padded slot and excluded from the output tokens).
// The draws use std::mt19937_64, not Python's random, so the lengths differ from bench.py's draws
// while following the same distribution; sequence i's prompt ids are drawn with seed token_seed + i.

#include <cstdint>
#include <string>
#include <vector>

#include "harness/speed/speed_model.h"
#include "harness/speed/sweep_plan.h"

namespace engram::harness::speed {

struct WorkloadSequence {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

std::vector<WorkloadSequence> draw_nano_vllm_sequences(const NanoVllmWorkload& workload);

struct NanoVllmResult {
  std::string scheduler;              // "continuous" or "fixed"
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;          // real output tokens (padded slots excluded)
  int64_t batches = 0;
  int64_t padded_decode_slots = 0;    // decode slots of rows already done (fixed)
  int64_t decode_steps = 0;           // forwards of one token per running sequence
  int64_t preemptions = 0;            // continuous: sequences preempted for KV blocks and recomputed
  double wall_seconds = 0;
  std::vector<double> batch_prefill_seconds;
  std::vector<double> batch_decode_seconds;
  std::vector<double> ttft_seconds;   // per sequence, from the workload start (queueing included)
  std::vector<double> tpot_seconds;   // per sequence with 2+ output tokens: (finish - first token) / (n - 1)
};

NanoVllmResult run_nano_vllm(SpeedModel& model, const std::vector<WorkloadSequence>& sequences, int64_t max_batch,
                             uint64_t token_seed);
NanoVllmResult run_nano_vllm_continuous(SpeedModel& model, const std::vector<WorkloadSequence>& sequences,
                                        int64_t max_batch, uint64_t token_seed);

}  // namespace engram::harness::speed
