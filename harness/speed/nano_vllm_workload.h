#pragma once
// The paper's table-4 throughput workload (nano-vLLM's bench.py with 512 sequences): random prompts
// and output budgets with lengths Uniform[min, max], EOS ignored, throughput = output tokens / wall
// seconds.
//
// Scheduling here is a FIXED MAX BATCH, not nano-vLLM's continuous batching: sequences are taken in
// arrival order, max_batch at a time; a batch is prefilled at once (left padding, masked) and then
// decoded until its longest output is done. A row that finished early keeps its slot (counted as a
// padded slot and excluded from the output tokens). Continuous batching would refill those slots,
// so this throughput is a lower bound on what the same model does under nano-vLLM's scheduler.
// The draws use std::mt19937_64, not Python's random, so the lengths differ from bench.py's draws
// while following the same distribution.

#include <cstdint>
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
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;          // real output tokens (padded slots excluded)
  int64_t batches = 0;
  int64_t padded_decode_slots = 0;    // decode slots of rows already done
  double wall_seconds = 0;
  std::vector<double> batch_prefill_seconds;
  std::vector<double> batch_decode_seconds;
  std::vector<double> ttft_seconds;   // per sequence, from the workload start (queueing included)
  std::vector<double> tpot_seconds;   // per sequence with 2+ output tokens: (finish - first token) / (n - 1)
};

NanoVllmResult run_nano_vllm(SpeedModel& model, const std::vector<WorkloadSequence>& sequences, int64_t max_batch,
                             uint64_t token_seed);

}  // namespace engram::harness::speed
