#pragma once
// Continuous batching over a paged KV cache, scheduled as nano-vLLM does: sequences wait in a
// queue and are admitted (their prompt computed, their first token chosen) whenever a running slot
// and enough free KV blocks are there; every decode step then advances all running sequences by
// one token, each attending to its own blocks; a finished sequence frees its blocks and its slot is
// refilled before the next step. When a step needs a block and none is free, the most recently
// admitted sequence is preempted: its blocks are freed and it is recomputed from its tokens when
// it is admitted again. A prompt prefix that several sequences share (a few-shot prompt) is
// computed once, into blocks the sequences then hold together (harness/engine/prefix_tree.h).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "baselines/nn/causal_lm.h"

namespace engram::harness {

struct ContinuousBatchingOptions {
  int64_t max_running = 8;        // sequences per decode step
  int64_t block_size = 16;        // token slots per KV block
  int64_t num_blocks = 0;         // KV blocks in the pool (every layer has a pool of this many)
  int64_t min_shared_prefix = 32;  // see EngineOptions::min_shared_prefix; 0: no prefix reuse
  int64_t pad_id = 0;             // fills Engram token histories of different lengths in one step
};

// What the caller decides for each sequence.
class TokenPolicy {
 public:
  virtual ~TokenPolicy() = default;
  // The next token of each of `sequences` from their logits rows [rows, vocab] (float32, on the
  // model's device).
  virtual std::vector<int64_t> choose(const at::Tensor& logits, const std::vector<std::size_t>& sequences) = 0;
  // Records a chosen token; true when the sequence is finished.
  virtual bool accept(std::size_t sequence, int64_t token) = 0;
};

struct ContinuousBatchingStats {
  int64_t prefills = 0;        // sequences admitted (preempted ones count again)
  int64_t decode_steps = 0;
  int64_t decode_rows = 0;     // sequence-steps decoded (rows summed over steps)
  int64_t preemptions = 0;
  int64_t max_running = 0;
  int64_t shared_prefixes = 0;  // prefixes computed once for several sequences
  int64_t reused_tokens = 0;    // prompt tokens taken from a shared prefix instead of computed
};

// Runs every prompt to completion (each at least one token); `policy` sees every chosen token.
ContinuousBatchingStats run_continuous_batching(model::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                                TokenPolicy& policy, const ContinuousBatchingOptions& options);

}  // namespace engram::harness
