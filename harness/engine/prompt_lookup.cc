#include "harness/engine/prompt_lookup.h"

#include <algorithm>

namespace engram::harness {

std::vector<int64_t> prompt_lookup_draft(const std::vector<int64_t>& tokens, const PromptLookupOptions& options) {
  const auto length = static_cast<int64_t>(tokens.size());
  for (int64_t n = std::min(options.max_ngram, length - 1); n >= std::max<int64_t>(options.min_ngram, 1); --n) {
    const auto suffix = tokens.end() - n;
    // Latest first: in a repetition the latest occurrence predicts best. An occurrence must end
    // before the last token, so that something follows it.
    for (int64_t start = length - n - 1; start >= 0; --start) {
      if (!std::equal(suffix, tokens.end(), tokens.begin() + start)) continue;
      // Past the end the draft continues from itself: a loop of period length - from repeats.
      std::vector<int64_t> draft;
      for (int64_t i = start + n; static_cast<int64_t>(draft.size()) < options.max_tokens; ++i) {
        draft.push_back(i < length ? tokens[static_cast<std::size_t>(i)] : draft[static_cast<std::size_t>(i - length)]);
      }
      return draft;
    }
  }
  return {};
}

}  // namespace engram::harness
