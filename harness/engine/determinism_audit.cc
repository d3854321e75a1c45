#include "harness/engine/determinism_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace engram::harness {
namespace {

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// The first requests up to `limit`, extended to the end of the last context group so that every
// multiple-choice question is compared whole.
std::size_t loglikelihood_subset(const std::vector<tasks::LoglikelihoodRequest>& requests, std::size_t limit) {
  std::size_t n = std::min(limit, requests.size());
  while (n > 0 && n < requests.size() && requests[n].context == requests[n - 1].context) ++n;
  return n;
}

std::size_t argmax_of(const std::vector<tasks::LoglikelihoodResult>& results, std::size_t begin, std::size_t end) {
  std::size_t best = begin;
  for (std::size_t i = begin; i < end; ++i) {
    if (results[i].logprob > results[best].logprob) best = i;
  }
  return best - begin;
}

}  // namespace

std::vector<tasks::LoglikelihoodResult> RecordingModel::loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) {
  auto results = inner_.loglikelihood(requests);
  append(loglikelihood_requests, requests);
  append(loglikelihood_results, results);
  return results;
}

std::vector<double> RecordingModel::loglikelihood_rolling(const std::vector<std::string>& texts) {
  auto results = inner_.loglikelihood_rolling(texts);
  append(rolling_texts, texts);
  append(rolling_results, results);
  return results;
}

std::vector<tasks::GenerationResult> RecordingModel::generate_until(const std::vector<tasks::GenerationRequest>& requests) {
  auto results = inner_.generate_until(requests);
  append(generation_requests, requests);
  append(generation_results, results);
  return results;
}

int64_t default_audit_batch_size(int64_t original_batch_size) { return original_batch_size > 1 ? 1 : 4; }

nlohmann::json audit_determinism(tasks::LanguageModel& model, const RecordingModel& recorded,
                                 const DeterminismAuditOptions& options,
                                 const std::function<void(int64_t)>& set_batch_size) {
  if (options.requests_per_kind < 1) throw std::invalid_argument("--determinism-audit: need at least one request");
  if (options.audit_batch_size < 1) throw std::invalid_argument("determinism audit: batch size must be positive");
  nlohmann::json examples = nlohmann::json::array();
  constexpr std::size_t kMaxExamples = 5;
  int64_t flips = 0;

  set_batch_size(options.audit_batch_size);
  // Restore the engine's batch size however the rerun ends.
  struct Restore {
    const std::function<void(int64_t)>& set;
    int64_t size;
    ~Restore() { set(size); }
  } restore{set_batch_size, options.original_batch_size};

  // Log-likelihood: greedy flags, per-context-group argmax, |delta log-probability|.
  const std::size_t n_ll = loglikelihood_subset(recorded.loglikelihood_requests, options.requests_per_kind);
  const std::vector<tasks::LoglikelihoodRequest> ll_requests(recorded.loglikelihood_requests.begin(),
                                                              recorded.loglikelihood_requests.begin() + static_cast<std::ptrdiff_t>(n_ll));
  const auto ll_again = n_ll ? model.loglikelihood(ll_requests) : std::vector<tasks::LoglikelihoodResult>{};
  int64_t greedy_flips = 0, groups = 0, argmax_flips = 0;
  double max_delta = 0;
  for (std::size_t i = 0; i < n_ll; ++i) {
    const auto& before = recorded.loglikelihood_results[i];
    max_delta = std::max(max_delta, std::abs(before.logprob - ll_again[i].logprob));
    if (before.is_greedy != ll_again[i].is_greedy) {
      ++greedy_flips;
      if (examples.size() < kMaxExamples) {
        examples.push_back({{"kind", "loglikelihood_greedy"}, {"index", i}, {"before", before.is_greedy},
                            {"after", ll_again[i].is_greedy}});
      }
    }
  }
  for (std::size_t begin = 0; begin < n_ll;) {
    std::size_t end = begin + 1;
    while (end < n_ll && ll_requests[end].context == ll_requests[begin].context) ++end;
    if (end - begin > 1) {
      ++groups;
      const std::size_t a = argmax_of(recorded.loglikelihood_results, begin, end), b = argmax_of(ll_again, begin, end);
      if (a != b) {
        ++argmax_flips;
        if (examples.size() < kMaxExamples) {
          examples.push_back({{"kind", "loglikelihood_argmax"}, {"index", begin}, {"before", a}, {"after", b}});
        }
      }
    }
    begin = end;
  }

  // Rolling log-likelihood.
  const std::size_t n_rolling = std::min(options.requests_per_kind, recorded.rolling_texts.size());
  const std::vector<std::string> texts(recorded.rolling_texts.begin(),
                                       recorded.rolling_texts.begin() + static_cast<std::ptrdiff_t>(n_rolling));
  const auto rolling_again = n_rolling ? model.loglikelihood_rolling(texts) : std::vector<double>{};
  double rolling_delta = 0;
  for (std::size_t i = 0; i < n_rolling; ++i) {
    rolling_delta = std::max(rolling_delta, std::abs(recorded.rolling_results[i] - rolling_again[i]));
  }

  // Generation.
  const std::size_t n_gen = std::min(options.requests_per_kind, recorded.generation_requests.size());
  const std::vector<tasks::GenerationRequest> gen_requests(recorded.generation_requests.begin(),
                                                            recorded.generation_requests.begin() + static_cast<std::ptrdiff_t>(n_gen));
  const auto gen_again = n_gen ? model.generate_until(gen_requests) : std::vector<tasks::GenerationResult>{};
  int64_t text_flips = 0;
  for (std::size_t i = 0; i < n_gen; ++i) {
    const auto& before = recorded.generation_results[i];
    if (before.text != gen_again[i].text) {
      ++text_flips;
      if (examples.size() < kMaxExamples) {
        examples.push_back({{"kind", "generation_text"}, {"index", i}, {"before", before.text}, {"after", gen_again[i].text}});
      }
    }
  }
  flips = greedy_flips + argmax_flips + text_flips;

  return {{"original_batch_size", options.original_batch_size},
          {"audit_batch_size", options.audit_batch_size},
          {"requests_per_kind", options.requests_per_kind},
          {"loglikelihood", {{"requests", n_ll}, {"greedy_flips", greedy_flips}, {"argmax_groups", groups},
                             {"argmax_flips", argmax_flips}, {"max_abs_delta_logprob", max_delta}}},
          {"loglikelihood_rolling", {{"requests", n_rolling}, {"max_abs_delta_logprob", rolling_delta}}},
          {"generate_until", {{"requests", n_gen}, {"text_flips", text_flips}}},
          {"flips", flips},
          {"examples", examples}};
}

std::string describe_audit(const nlohmann::json& a) {
  const auto& ll = a["loglikelihood"];
  return fmt::format(
      "determinism audit (batch {} vs {}): {} flips; loglikelihood {} requests, {} greedy flips, {}/{} argmax flips, "
      "max |dlogprob| {:.3g}; rolling {} texts, max |dlogprob| {:.3g}; generation {} requests, {} text flips",
      a["original_batch_size"].get<int64_t>(), a["audit_batch_size"].get<int64_t>(), a["flips"].get<int64_t>(),
      ll["requests"].get<int64_t>(), ll["greedy_flips"].get<int64_t>(), ll["argmax_flips"].get<int64_t>(),
      ll["argmax_groups"].get<int64_t>(), ll["max_abs_delta_logprob"].get<double>(),
      a["loglikelihood_rolling"]["requests"].get<int64_t>(),
      a["loglikelihood_rolling"]["max_abs_delta_logprob"].get<double>(), a["generate_until"]["requests"].get<int64_t>(),
      a["generate_until"]["text_flips"].get<int64_t>());
}

}  // namespace engram::harness
