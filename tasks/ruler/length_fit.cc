#include "tasks/ruler/length_fit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace engram::tasks::ruler {

SearchPlan search_plan(int64_t max_seq_length, int64_t tokens_to_generate, size_t incremental, size_t estimate_size) {
  SearchPlan plan;
  plan.max_seq_length = max_seq_length;
  plan.tokens_to_generate = tokens_to_generate;
  plan.incremental = incremental;
  plan.estimate_size = estimate_size ? estimate_size : incremental;
  return plan;
}

size_t search_haystack_size(const SampleMaker& probe, const TokenCounter& tokens, const SearchPlan& plan) {
  const auto estimate = static_cast<double>(tokens(probe(plan.estimate_size).prompt()));
  const double per_unit = estimate / static_cast<double>(plan.estimate_size);
  const auto length = static_cast<double>(plan.max_seq_length);
  // Python: int(x) truncates; `//` on floats floors. Both are non-negative here.
  const auto upper_estimate = plan.floor_times_two ? static_cast<int64_t>(std::floor(length / per_unit)) * 2
                                                   : static_cast<int64_t>(length / per_unit * 3);
  int64_t low = static_cast<int64_t>(plan.incremental);
  int64_t high = std::max<int64_t>(upper_estimate, 2 * low);
  int64_t best = -1;
  while (low <= high) {
    const int64_t mid = (low + high) / 2;
    const int64_t total = tokens(probe(static_cast<size_t>(mid)).prompt()) + plan.extra_tokens + plan.tokens_to_generate;
    if (total <= plan.max_seq_length) {
      best = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best >= 0 ? static_cast<size_t>(best) : plan.incremental;
}

FittedSample fit_sample(const SampleMaker& make, const TokenCounter& tokens, const SearchPlan& plan,
                        size_t haystack_size) {
  size_t size = haystack_size;
  while (true) {
    FittedSample fitted;
    fitted.sample = make(size);
    fitted.haystack_size = size;
    fitted.length = tokens(fitted.sample.prompt()) + plan.tokens_to_generate;
    if (fitted.length <= plan.max_seq_length) return fitted;
    if (size <= plan.incremental) {
      throw std::runtime_error("RULER: a sample does not fit " + std::to_string(plan.max_seq_length) +
                               " tokens even with a haystack of " + std::to_string(size) + " (" +
                               std::to_string(fitted.length) + " tokens with the generation budget); use a longer length");
    }
    size -= plan.incremental;
  }
}

std::vector<FittedSample> search_and_fit(const SampleMaker& probe,
                                         const std::function<RulerSample(size_t, size_t)>& make_sample,
                                         const TokenCounter& tokens, const SearchPlan& plan, size_t count) {
  const size_t size = search_haystack_size(probe, tokens, plan);
  std::vector<FittedSample> out;
  out.reserve(count);
  for (size_t index = 0; index < count; ++index) {
    out.push_back(fit_sample([&](size_t s) { return make_sample(s, index); }, tokens, plan, size));
  }
  return out;
}

}  // namespace engram::tasks::ruler
