#pragma once
// What every RULER task generator shares: the random streams upstream's scripts draw from, one
// generated sample, and the interface that produces a task's samples at one length.
//
// Upstream seeds Python's global `random` and numpy's global RandomState once per task and length
// (random_seed 42), then draws from them through the size search and every sample in turn, so
// sample i depends on everything drawn before it. Our generators draw in the same order from the
// same streams; a fresh random.Random(seed) stands in wherever upstream makes one (its fixed
// permutations: needle, document and word-list shuffles).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tasks/ruler/numpy_legacy_random.h"
#include "tasks/ruler/python_random.h"

namespace engram::tasks::ruler {

inline uint32_t checked_numpy_seed(uint64_t seed) {
  if (seed > 0xffffffffULL) throw std::invalid_argument("RULER: the seed must be below 2^32 (numpy's np.random.seed)");
  return static_cast<uint32_t>(seed);
}

struct RulerStreams {
  // np.random.seed refuses seeds of 2^32 and more, so upstream runs only below that.
  explicit RulerStreams(uint64_t seed_value)
      : random(seed_value), numpy(checked_numpy_seed(seed_value)), seed(seed_value) {}
  PythonRandom random;      // random.seed(seed)
  NumpyLegacyRandom numpy;  // np.random.seed(seed)
  uint64_t seed;
  PythonRandom fresh() const { return PythonRandom(seed); }  // random.Random(seed)
};

// One generated sample in RULER's terms: the model reads input + answer_prefix and continues.
struct RulerSample {
  std::string input;
  std::string answer_prefix;
  std::vector<std::string> outputs;  // reference strings
  std::string prompt() const { return input + answer_prefix; }
};

// Tokens of a text as upstream's tokenizer wrapper counts them (no BOS or other added tokens).
using TokenCounter = std::function<int64_t(const std::string&)>;

struct FittedSample {
  RulerSample sample;
  size_t haystack_size = 0;
  int64_t length = 0;  // prompt tokens + tokens_to_generate, upstream's `length`
};

class SampleGenerator {
 public:
  virtual ~SampleGenerator() = default;
  // The first `count` samples at `max_seq_length`, made as upstream's script makes them, drawing
  // from `streams` (fresh for each task and length).
  virtual std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                                     RulerStreams& streams) const = 0;
};

// Python's str.format for the named fields of `fields`, in one pass (inserted values are not
// rescanned, as in Python). Unknown braces stay.
std::string fill_template(const std::string& text, const std::vector<std::pair<std::string, std::string>>& fields);

// Upstream's split of a filled template: the answer prefix starts at the last occurrence of the
// first 10 characters of the family's (unfilled) answer prefix.
RulerSample split_answer_prefix(const std::string& filled, const std::string& answer_prefix_template,
                                std::vector<std::string> outputs);

// Python's str.replace (every occurrence, left to right, without rescanning).
std::string replace_all(std::string text, const std::string& from, const std::string& to);

}  // namespace engram::tasks::ruler
