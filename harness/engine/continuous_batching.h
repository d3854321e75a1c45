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
  // A decode step whose rows all hold the same leading blocks (a shared prompt prefix) reads them
  // once for all rows (PagedStep::shared_slots) instead of gathering them into every row.
  bool shared_prefix_attention = true;
  // Speculative greedy decoding by prompt lookup (prompt_lookup.h): a step drafts up to this many
  // tokens per row and verifies them in the same forward, while rows x (1 + drafted) stays within
  // speculative_step_tokens (so it runs where a step is bound by reading the weights, not by
  // arithmetic: few rows). 0: one token per step.
  int64_t speculative_tokens = 0;
  int64_t speculative_step_tokens = 16;
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
  // True when choose() is a function of the logits alone for this sequence (greedy), so that
  // drafted tokens can be verified by choosing at positions that may be thrown away.
  virtual bool deterministic(std::size_t /*sequence*/) const { return false; }
};

struct ContinuousBatchingStats {
  int64_t prefills = 0;        // sequences admitted (preempted ones count again)
  int64_t decode_steps = 0;
  int64_t decode_rows = 0;     // sequence-steps decoded (rows summed over steps)
  int64_t preemptions = 0;
  int64_t max_running = 0;
  int64_t shared_prefixes = 0;  // prefixes computed once for several sequences
  int64_t reused_tokens = 0;    // prompt tokens taken from a shared prefix instead of computed
  int64_t shared_prefix_steps = 0;  // decode steps that read a shared prefix once for all their rows
  int64_t speculative_steps = 0;    // decode steps that verified drafted tokens
  int64_t drafted_tokens = 0;       // tokens drafted by prompt lookup
  int64_t accepted_tokens = 0;      // drafted tokens the model chose too (decoded without a step of their own)
};

// Runs every prompt to completion (each at least one token); `policy` sees every chosen token.
ContinuousBatchingStats run_continuous_batching(model::CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                                TokenPolicy& policy, const ContinuousBatchingOptions& options);

}  // namespace engram::harness
