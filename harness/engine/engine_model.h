#pragma once
// The engine: serves the task interface (tasks/language_model.h) from a CausalLM and its tokenizer.
// Requests are tokenised as lm-evaluation-harness does, sorted by length, batched (right padding
// for scoring, left padding with masks for generation), run, and returned in request order.
// Identical scoring inputs (e.g. MMLU's four one-token answers after one context) run once, and a
// prefix shared by several inputs (a few-shot prompt) is computed once and continued from its cache.

#include <memory>
#include <string>
#include <vector>

#include "baselines/nn/causal_lm.h"
#include "harness/engine/continuous_batching.h"
#include "tasks/language_model.h"

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

struct EngineOptions {
  int64_t batch_size = 8;       // sequences per forward
  int64_t max_length = 4096;    // context window used for truncation
  bool add_bos = false;         // lm-eval's default for causal models: no BOS
  // Scoring computes a prefix that several inputs share once (harness/engine/prefix_tree.h) when
  // it is at least this many tokens past the previous shared prefix; 0 turns the reuse off.
  int64_t min_shared_prefix = 32;
  // Generation: continuous batching over a paged KV cache (harness/engine/continuous_batching.h),
  // or the fixed-batch scheduler it replaced (a batch waits for its longest member).
  bool continuous_batching = true;
  int64_t kv_block_size = 16;  // token slots per KV block
  int64_t kv_blocks = 0;       // blocks in the paged pool; 0: batch_size + 2 sequences at their longest
  // Decode steps read the prompt prefix their rows share once (ContinuousBatchingOptions).
  bool shared_prefix_attention = true;
  // Greedy generation drafts up to this many tokens per sequence by prompt lookup and verifies them
  // in one step (ContinuousBatchingOptions::speculative_tokens); 0: off.
  int64_t speculative_tokens = 7;
  std::string name = "model";   // how reports name the model
  // What identifies the weights (spec, family, config and checkpoint hashes, parameter counts);
  // merged into describe(), so it reaches reports and journal keys.
  nlohmann::json identity = nlohmann::json::object();
};

class EngineModel : public tasks::LanguageModel {
 public:
  EngineModel(model::CausalLM model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer, EngineOptions options);

  std::vector<tasks::LoglikelihoodResult> loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override;
  std::vector<tasks::GenerationResult> generate_until(const std::vector<tasks::GenerationRequest>& requests) override;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t max_length() const override { return options_.max_length; }
  nlohmann::json describe() const override;

  // Scoring on tokens: log P(continuation | context) and whether it is the greedy continuation.
  struct TokenRequest {
    std::vector<int64_t> context;
    std::vector<int64_t> continuation;
  };
  std::vector<tasks::LoglikelihoodResult> score_tokens(const std::vector<TokenRequest>& requests);

  // What the last score_tokens call ran: positions in its distinct inputs, and positions it
  // computed (fewer when shared prefixes were computed once).
  struct ScoringStats {
    int64_t input_tokens = 0;
    int64_t computed_tokens = 0;
    int64_t shared_prefixes = 0;
  };
  const ScoringStats& scoring_stats() const { return scoring_stats_; }
  // What the last continuous-batching generate_until call scheduled.
  const ContinuousBatchingStats& generation_stats() const { return generation_stats_; }

  const EngineOptions& options() const { return options_; }
  EngineOptions& mutable_options() { return options_; }

 private:
  int64_t prefix_token() const;  // stands in for an empty context
  int64_t pad_token() const;
  struct ScoringInput;
  // Runs inputs that all continue the same cached prefix (null: from scratch) and scores them.
  void score_continuations(const model::KvCache* prefix, int64_t prefix_length,
                           const std::vector<const ScoringInput*>& inputs, const std::vector<TokenRequest>& requests,
                           std::vector<tasks::LoglikelihoodResult>& results);
  // The prompt cut to the window (keeping its end); *truncated says whether it was cut.
  std::vector<int64_t> generation_prompt(const tasks::GenerationRequest& request, bool* truncated) const;
  std::vector<tasks::GenerationResult> generate_continuous(const std::vector<tasks::GenerationRequest>& requests,
                                                           const std::vector<std::vector<int64_t>>& prompts);
  std::vector<tasks::GenerationResult> generate_fixed(const std::vector<tasks::GenerationRequest>& requests,
                                                      const std::vector<std::vector<int64_t>>& prompts);
  std::vector<tasks::GenerationResult> generate_batch(const std::vector<const tasks::GenerationRequest*>& batch,
                                                      const std::vector<std::vector<int64_t>>& prompts);

  model::CausalLM model_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  EngineOptions options_;
  ScoringStats scoring_stats_;
  ContinuousBatchingStats generation_stats_;
};

}  // namespace engram::harness
