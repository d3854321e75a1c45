#pragma once
// The determinism audit (`eval --determinism-audit N`): the evaluation runs through a RecordingModel
// that keeps every request and answer; afterwards the first N requests of each kind are rerun at
// another batch size and compared. Greedy decoding in float32 on the CPU should give the same
// answers at any batch size; where it does not, the report shows how many answers flipped:
//   - generation: continuation text differences;
//   - log-likelihood: is_greedy differences, and argmax differences among requests that share a
//     context (a multiple-choice question's options), with the largest |delta log-probability|;
//   - rolling log-likelihood: the largest |delta|.
// Works through tasks::LanguageModel only, plus a callback that changes the engine's batch size.
// No LibTorch.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/forwarding_model.h"

namespace engram::harness {

// Passes every call through to `inner` and records requests and results in call order.
class RecordingModel : public tasks::ForwardingModel {
 public:
  using ForwardingModel::ForwardingModel;

  std::vector<tasks::LoglikelihoodResult> loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override;
  std::vector<tasks::GenerationResult> generate_until(const std::vector<tasks::GenerationRequest>& requests) override;

  std::vector<tasks::LoglikelihoodRequest> loglikelihood_requests;
  std::vector<tasks::LoglikelihoodResult> loglikelihood_results;
  std::vector<std::string> rolling_texts;
  std::vector<double> rolling_results;
  std::vector<tasks::GenerationRequest> generation_requests;
  std::vector<tasks::GenerationResult> generation_results;
};

struct DeterminismAuditOptions {
  std::size_t requests_per_kind = 32;  // first N of each kind (log-likelihood: whole context groups)
  int64_t original_batch_size = 1;
  int64_t audit_batch_size = 4;
};

// The batch size to audit against: 1 when the run used more, else 4.
int64_t default_audit_batch_size(int64_t original_batch_size);

// Reruns the recorded subset on `model` after set_batch_size(audit), restores the original batch size,
// and returns the `determinism_audit` JSON section.
nlohmann::json audit_determinism(tasks::LanguageModel& model, const RecordingModel& recorded,
                                 const DeterminismAuditOptions& options,
                                 const std::function<void(int64_t)>& set_batch_size);

// One line for the terminal: "determinism audit (batch 8 vs 1, ...): 0 flips ...".
std::string describe_audit(const nlohmann::json& audit);

}  // namespace engram::harness
