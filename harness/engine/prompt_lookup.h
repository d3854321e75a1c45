#pragma once
// Draft tokens for speculative greedy decoding by prompt lookup (n-gram matching): the tokens that
// followed the latest earlier occurrence of a sequence's last n tokens, in its own prompt and
// output. Few-shot chain-of-thought answers copy the exemplars' phrasing, and a small model that
// loops repeats itself, so such drafts are often right; the model verifies every drafted token in
// one forward step, and greedy output is the model's own whichever drafts were tried.

#include <cstdint>
#include <vector>

namespace engram::harness {

struct PromptLookupOptions {
  int64_t max_tokens = 7;  // drafted tokens at most
  int64_t max_ngram = 4;   // the longest suffix matched first
  int64_t min_ngram = 2;   // shorter suffixes are not matched
};

// max_tokens tokens that followed the most recent earlier occurrence of the longest matching suffix
// of `tokens` (max_ngram down to min_ngram), continued periodically where they reach the end (a
// loop goes on); empty when no suffix recurs.
std::vector<int64_t> prompt_lookup_draft(const std::vector<int64_t>& tokens, const PromptLookupOptions& options);

}  // namespace engram::harness
