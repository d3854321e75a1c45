#pragma once
// ReplayModel: a LanguageModel that answers from recorded responses, so that a task pipeline can be
// checked end to end without a trained model (gold answers written as a model would write them)
// and a run can be re-scored from its sample log.
//
// Requests are keyed by the SHA-256 (hex) of their context, the same "prompt_hash" the sample
// records carry. JSONL, one record per line (blank lines skipped, unknown fields ignored):
//   {"prompt_hash": "<hex>", "response": "text", "truncated": false, "hit_stop": true, "tokens": 12}
//   {"prompt_hash": "<hex>", "continuation": " A", "logprob": -0.5, "is_greedy": true, "tokens": 1}
// "context": "<full prompt>" may stand in for "prompt_hash". Only "response" (generation) or
// "continuation" + "logprob" (log-likelihood) are required.
// Several records for the same key are used in file order by the requests of one batch that share
// that key (the k-th such request gets the k-th record; past the last, the last repeats). Identical
// prompts can so be given different answers; BBH has identical inputs with different targets.
// A request without a record is an error naming the request and its prompt hash.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tasks/language_model.h"
#include "tasks/whitespace_codec.h"

namespace engram::tasks {

struct ReplayOptions {
  std::string name = "replay";
  // Cut recorded generations at the request's stop strings, as an engine would (recorded output
  // from an engine is already cut; gold answers written by hand may not be).
  bool apply_stop_strings = false;
  int64_t max_length = int64_t{1} << 30;
};

class ReplayModel : public LanguageModel {
 public:
  explicit ReplayModel(ReplayOptions options = {});
  // Reads a JSONL file; errors (DataError) name the file, the line and the field.
  static ReplayModel from_jsonl(const std::filesystem::path& path, ReplayOptions options = {});

  void add_generation(const std::string& prompt_hash, GenerationResult result);
  void add_loglikelihood(const std::string& prompt_hash, const std::string& continuation, LoglikelihoodResult result);
  size_t size() const { return records_; }

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override;
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override;
  std::vector<int64_t> encode(const std::string& text) const override { return codec_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return codec_.decode(ids); }
  int64_t max_length() const override { return options_.max_length; }
  nlohmann::json describe() const override;

 private:
  ReplayOptions options_;
  std::string source_;
  size_t records_ = 0;
  std::map<std::string, std::vector<GenerationResult>> generations_;
  std::map<std::pair<std::string, std::string>, std::vector<LoglikelihoodResult>> loglikelihoods_;
  WhitespaceCodec codec_;
};

}  // namespace engram::tasks
