#pragma once
// RULER's length fitting as upstream's scripts do it (niah.py, qa.py, variable_tracking.py,
// common_words_extraction.py): a sample's length is tokens(input + answer_prefix) +
// tokens_to_generate, counted without added special tokens, and must not exceed the target. One
// probe of `estimate_size` units sets the bound of a binary search for the haystack size; then each
// sample is generated at that size and, while it overshoots, again with a whole increment less.
// Every probe and retry draws from the task's streams, as upstream's do. (FWE sizes itself:
// freq_words_generator.h.)

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

struct SearchPlan {
  int64_t max_seq_length = 0;
  int64_t tokens_to_generate = 0;
  size_t incremental = 1;    // upstream's step in haystack units
  size_t estimate_size = 1;  // the probe's size (usually `incremental`; CWE: 4096)
  // The search's upper bound from tokens per unit t: int(max_seq_length / t * 3), or for CWE
  // int(max_seq_length // t) * 2.
  bool floor_times_two = false;
  int64_t extra_tokens = 0;  // VT: its in-context example, counted beside each search probe
};

// The plan of the scripts that search by binary search: the probe is `incremental` units unless given.
SearchPlan search_plan(int64_t max_seq_length, int64_t tokens_to_generate, size_t incremental, size_t estimate_size = 0);

// A sample with a haystack of the given size, drawing from the caller's streams.
using SampleMaker = std::function<RulerSample(size_t haystack_size)>;

// The binary search; upstream's `optimal_num_haystack`, or `incremental` when nothing fits.
size_t search_haystack_size(const SampleMaker& probe, const TokenCounter& tokens, const SearchPlan& plan);

// One sample at `haystack_size`, retried with `incremental` units less while it overshoots. Throws
// std::runtime_error when even `incremental` units overshoot (upstream would retry forever).
FittedSample fit_sample(const SampleMaker& make, const TokenCounter& tokens, const SearchPlan& plan,
                        size_t haystack_size);

// The search followed by `count` fitted samples; `make_sample(size, index)` makes sample `index`.
std::vector<FittedSample> search_and_fit(const SampleMaker& probe,
                                         const std::function<RulerSample(size_t, size_t)>& make_sample,
                                         const TokenCounter& tokens, const SearchPlan& plan, size_t count);

}  // namespace engram::tasks::ruler
