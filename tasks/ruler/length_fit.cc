#include "tasks/ruler/length_fit.h"

#include <algorithm>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

int64_t prompt_tokens(const SampleGenerator& generator, const TokenCounter& count, size_t size, size_t sample_index,
                      uint64_t seed) {
  RulerRandom random(seed);
  return count(generator.generate(size, sample_index, random).prompt());
}

size_t linear_growth(const SampleGenerator& generator, const TokenCounter& count, const LengthTarget& target,
                     const SizingRule& rule, uint64_t seed) {
  // FWE: grow until the text reaches the budget, then step back once (the last size under it).
  const int64_t budget = target.prompt_budget();
  const size_t step = std::max<size_t>(rule.incremental, 1);
  size_t size = std::max<size_t>(rule.linear_start, 1);
  while (prompt_tokens(generator, count, size, 0, seed) < budget) size += step;
  return size > step ? size - step : 1;
}

}  // namespace

size_t search_haystack_size(const SampleGenerator& generator, const TokenCounter& count, const LengthTarget& target,
                            uint64_t random_seed) {
  if (target.prompt_budget() <= 0) {
    throw std::invalid_argument("RULER length " + std::to_string(target.max_seq_length) +
                                " leaves no room after the generation budget of " +
                                std::to_string(target.tokens_to_generate) + " tokens");
  }
  const SizingRule rule = generator.sizing();
  if (rule.linear_growth) return linear_growth(generator, count, target, rule, random_seed);

  const size_t probe = std::min(rule.estimate_size, rule.max_size);
  const int64_t probe_tokens = std::max<int64_t>(prompt_tokens(generator, count, probe, 0, random_seed), 1);
  const double tokens_per_unit = static_cast<double>(probe_tokens) / static_cast<double>(probe);
  const auto estimate = static_cast<size_t>(static_cast<double>(target.max_seq_length) / tokens_per_unit *
                                            static_cast<double>(rule.upper_factor));
  size_t low = rule.incremental;
  size_t high = std::min(std::max(estimate, rule.incremental * 2), rule.max_size);
  size_t best = 0;
  while (true) {
    const size_t bound = high;
    while (low <= high) {
      const size_t mid = low + (high - low) / 2;
      if (prompt_tokens(generator, count, mid, 0, random_seed) <= target.prompt_budget()) {
        best = mid;
        low = mid + 1;
      } else {
        if (mid == 0) break;
        high = mid - 1;
      }
    }
    // RULER's bound comes from one small probe; a prompt with a large fixed part (VT's example)
    // makes it too tight. When the bound itself fits, search above it instead of stopping short.
    if (best != bound || bound >= rule.max_size) break;
    low = bound + 1;
    high = std::min(bound * 2, rule.max_size);
  }
  return best > 0 ? best : rule.incremental;
}

FittedSample fit_sample(const SampleGenerator& generator, const TokenCounter& count, const LengthTarget& target,
                        size_t haystack_size, size_t sample_index, uint64_t random_seed) {
  const SizingRule rule = generator.sizing();
  const size_t step = std::max<size_t>(rule.sample_step, 1);
  // A sample overshoots by a few tokens at most; after kMaxFineUnits units without success, fall
  // back to RULER's coarse step rather than re-tokenising a long prompt hundreds of times.
  constexpr size_t kMaxFineUnits = 32;
  size_t fine_steps_left = std::min(rule.incremental, kMaxFineUnits);
  size_t size = haystack_size;
  while (true) {
    RulerRandom random(random_seed);
    FittedSample fitted;
    fitted.sample = generator.generate(size, sample_index, random);
    fitted.haystack_size = size;
    fitted.length = count(fitted.sample.prompt()) + target.tokens_to_generate;
    if (fitted.length <= target.max_seq_length) return fitted;
    const size_t down = fine_steps_left > 0 ? step : std::max(rule.incremental, step);
    if (fine_steps_left > 0) fine_steps_left = fine_steps_left > step ? fine_steps_left - step : 0;
    if (size <= down) {
      throw std::runtime_error("RULER: sample " + std::to_string(sample_index) + " does not fit " +
                               std::to_string(target.max_seq_length) + " tokens even with a haystack of " +
                               std::to_string(size) + " (" + std::to_string(fitted.length) +
                               " tokens with the generation budget); use a longer length");
    }
    size -= down;
  }
}

}  // namespace engram::tasks::ruler
