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

// Up to a few flips, in the order they were found, for the report.
struct FlipExamples {
  static constexpr std::size_t kMax = 5;
  nlohmann::json list = nlohmann::json::array();
  void add(nlohmann::json example) {
    if (list.size() < kMax) list.push_back(std::move(example));
  }
};

// One kind of request rerun: its report section and how many answers flipped.
struct KindAudit {
  nlohmann::json section;
  int64_t flips = 0;
};

template <typename T>
std::vector<T> first(const std::vector<T>& items, std::size_t n) {
  return std::vector<T>(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(n));
}

// Greedy flags, the argmax within each group of requests sharing a context (a multiple-choice
// question's options), and the largest |delta log-probability|.
KindAudit audit_loglikelihood(tasks::LanguageModel& model, const RecordingModel& recorded, std::size_t per_kind,
                              FlipExamples& examples) {
  const std::size_t n = loglikelihood_subset(recorded.loglikelihood_requests, per_kind);
  const std::vector<tasks::LoglikelihoodRequest> requests = first(recorded.loglikelihood_requests, n);
  const auto again = n ? model.loglikelihood(requests) : std::vector<tasks::LoglikelihoodResult>{};
  int64_t greedy_flips = 0, groups = 0, argmax_flips = 0;
  double max_delta = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& before = recorded.loglikelihood_results[i];
    max_delta = std::max(max_delta, std::abs(before.logprob - again[i].logprob));
    if (before.is_greedy == again[i].is_greedy) continue;
    ++greedy_flips;
    examples.add({{"kind", "loglikelihood_greedy"}, {"index", i}, {"before", before.is_greedy},
                  {"after", again[i].is_greedy}});
  }
  for (std::size_t begin = 0; begin < n;) {
    std::size_t end = begin + 1;
    while (end < n && requests[end].context == requests[begin].context) ++end;
    if (end - begin > 1) {
      ++groups;
      const std::size_t a = argmax_of(recorded.loglikelihood_results, begin, end), b = argmax_of(again, begin, end);
      if (a != b) {
        ++argmax_flips;
        examples.add({{"kind", "loglikelihood_argmax"}, {"index", begin}, {"before", a}, {"after", b}});
      }
    }
    begin = end;
  }
  return {{{"requests", n}, {"greedy_flips", greedy_flips}, {"argmax_groups", groups},
           {"argmax_flips", argmax_flips}, {"max_abs_delta_logprob", max_delta}},
          greedy_flips + argmax_flips};
}

// Rolling log-likelihoods have no discrete answer to flip: only the largest |delta|.
KindAudit audit_rolling(tasks::LanguageModel& model, const RecordingModel& recorded, std::size_t per_kind) {
  const std::size_t n = std::min(per_kind, recorded.rolling_texts.size());
  const auto again = n ? model.loglikelihood_rolling(first(recorded.rolling_texts, n)) : std::vector<double>{};
  double max_delta = 0;
  for (std::size_t i = 0; i < n; ++i) max_delta = std::max(max_delta, std::abs(recorded.rolling_results[i] - again[i]));
  return {{{"requests", n}, {"max_abs_delta_logprob", max_delta}}, 0};
}

KindAudit audit_generation(tasks::LanguageModel& model, const RecordingModel& recorded, std::size_t per_kind,
                           FlipExamples& examples) {
  const std::size_t n = std::min(per_kind, recorded.generation_requests.size());
  const auto again = n ? model.generate_until(first(recorded.generation_requests, n))
                       : std::vector<tasks::GenerationResult>{};
  int64_t text_flips = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& before = recorded.generation_results[i];
    if (before.text == again[i].text) continue;
    ++text_flips;
    examples.add({{"kind", "generation_text"}, {"index", i}, {"before", before.text}, {"after", again[i].text}});
  }
  return {{{"requests", n}, {"text_flips", text_flips}}, text_flips};
}

}  // namespace

std::vector<tasks::LoglikelihoodResult> RecordingModel::loglikelihood(const std::vector<tasks::LoglikelihoodRequest>& requests) {
  auto results = ForwardingModel::loglikelihood(requests);
  append(loglikelihood_requests, requests);
  append(loglikelihood_results, results);
  return results;
}

std::vector<double> RecordingModel::loglikelihood_rolling(const std::vector<std::string>& texts) {
  auto results = ForwardingModel::loglikelihood_rolling(texts);
  append(rolling_texts, texts);
  append(rolling_results, results);
  return results;
}

std::vector<tasks::GenerationResult> RecordingModel::generate_until(const std::vector<tasks::GenerationRequest>& requests) {
  auto results = ForwardingModel::generate_until(requests);
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
  set_batch_size(options.audit_batch_size);
  // Restore the engine's batch size however the rerun ends.
  struct Restore {
    const std::function<void(int64_t)>& set;
    int64_t size;
    ~Restore() { set(size); }
  } restore{set_batch_size, options.original_batch_size};

  FlipExamples examples;
  const KindAudit loglikelihood = audit_loglikelihood(model, recorded, options.requests_per_kind, examples);
  const KindAudit rolling = audit_rolling(model, recorded, options.requests_per_kind);
  const KindAudit generation = audit_generation(model, recorded, options.requests_per_kind, examples);
  return {{"original_batch_size", options.original_batch_size},
          {"audit_batch_size", options.audit_batch_size},
          {"requests_per_kind", options.requests_per_kind},
          {"loglikelihood", loglikelihood.section},
          {"loglikelihood_rolling", rolling.section},
          {"generate_until", generation.section},
          {"flips", loglikelihood.flips + rolling.flips + generation.flips},
          {"examples", examples.list}};
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
