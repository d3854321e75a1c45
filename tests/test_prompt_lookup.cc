// Prompt-lookup drafts (harness/engine/prompt_lookup.h): which occurrence is matched, how long a
// suffix, and how a draft that reaches the end goes on.
#include <gtest/gtest.h>

#include "harness/engine/prompt_lookup.h"

namespace engram::harness {
namespace {

using Tokens = std::vector<int64_t>;

TEST(PromptLookup, TakesWhatFollowedTheLatestOccurrenceOfTheLongestSuffix) {
  PromptLookupOptions options;
  options.max_tokens = 3;
  // "7 8" occurs twice before the end; the later one (followed by 5 6) wins. The 3-gram "9 7 8"
  // occurs once, followed by 1 2 3, and a longer suffix wins over a later shorter one.
  EXPECT_EQ(prompt_lookup_draft({7, 8, 4, 4, 4, 7, 8, 5, 6, 0, 0, 7, 8}, options), (Tokens{5, 6, 0}));
  EXPECT_EQ(prompt_lookup_draft({9, 7, 8, 1, 2, 3, 7, 8, 5, 0, 9, 7, 8}, options), (Tokens{1, 2, 3}));
}

TEST(PromptLookup, ALoopGoesOnPastTheEnd) {
  PromptLookupOptions options;
  options.max_tokens = 7;
  // ... 1 2 3 1 2 3: the suffix "2 3 1 2"... matched one period back; the draft repeats the period.
  EXPECT_EQ(prompt_lookup_draft({5, 1, 2, 3, 1, 2, 3}, options), (Tokens{1, 2, 3, 1, 2, 3, 1}));
  EXPECT_EQ(prompt_lookup_draft({4, 4, 4}, options), (Tokens{4, 4, 4, 4, 4, 4, 4}));
}

TEST(PromptLookup, NothingWithoutARecurringSuffixOfTheShortestLength) {
  PromptLookupOptions options;
  EXPECT_TRUE(prompt_lookup_draft({}, options).empty());
  EXPECT_TRUE(prompt_lookup_draft({1}, options).empty());
  EXPECT_TRUE(prompt_lookup_draft({1, 2, 3, 4, 5}, options).empty());
  // Only the last token recurs: a 1-gram match is below min_ngram (2).
  EXPECT_TRUE(prompt_lookup_draft({1, 2, 3, 2}, options).empty());
  options.min_ngram = 1;
  EXPECT_EQ(prompt_lookup_draft({1, 2, 3, 2}, options).front(), 3);
}

}  // namespace
}  // namespace engram::harness
