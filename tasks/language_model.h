#pragma once
// The narrow interface tasks see of a model, as lm-evaluation-harness defines it: scoring a
// continuation, scoring a whole text, and generating until a stop string. Tasks know nothing else
// about models; the engine (harness/engine), the replay model and the oracle model implement it.
// No LibTorch here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::tasks {

struct LoglikelihoodRequest {
  std::string context;
  std::string continuation;  // scored given context; tokenised as context+continuation, split at the boundary
};

struct LoglikelihoodResult {
  double logprob = 0;       // sum of log-probabilities of the continuation tokens
  bool is_greedy = false;   // every continuation token is the argmax given what precedes it
  int64_t tokens = 0;       // continuation length in tokens
  // The context lost its oldest tokens to fit the model's window (lm-eval's left truncation).
  bool prompt_truncated = false;
};

struct GenerationRequest {
  std::string context;
  std::vector<std::string> stop;  // generation ends before the first occurrence of any of these
  int64_t max_new_tokens = 256;
  bool greedy = true;
  double temperature = 1.0;  // sampling only
  double top_p = 1.0;        // sampling only
  uint64_t seed = 0;         // sampling only: the same seed gives the same sample
};

struct GenerationResult {
  std::string text;          // the continuation, cut before the stop string
  bool hit_stop = false;     // ended on a stop string
  bool truncated = false;    // ended on max_new_tokens (or the context limit)
  int64_t tokens = 0;        // tokens generated
  // The prompt lost its oldest tokens so that it and max_new_tokens fit the model's window.
  bool prompt_truncated = false;
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  // Results are in request order whatever the model batches or reorders internally.
  virtual std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) = 0;
  // Log-probability of each whole text (perplexity-style), with the model's own windowing.
  virtual std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) = 0;
  virtual std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) = 0;

  // Tokenisation, for tasks that size prompts in the model's tokens (RULER).
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t max_length() const = 0;  // context window in tokens
  // What the report records about the model (name, fingerprint, settings).
  virtual nlohmann::json describe() const = 0;
};

}  // namespace engram::tasks
