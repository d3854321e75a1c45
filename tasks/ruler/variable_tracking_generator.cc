#include "tasks/ruler/variable_tracking_generator.h"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

const char* kNoiseLine = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
const char* kExampleValue = "12345";
constexpr int64_t kExampleLength = 500;
constexpr size_t kExampleIncremental = 5;

// The in-context example is fitted with the generator itself, through this view of it.
class ExampleProbe : public SampleGenerator {
 public:
  explicit ExampleProbe(std::function<RulerSample(size_t, RulerRandom&)> make) : make_(std::move(make)) {}
  SizingRule sizing() const override {
    SizingRule rule;
    rule.incremental = kExampleIncremental;
    rule.estimate_size = kExampleIncremental;
    return rule;
  }
  RulerSample generate(size_t size, size_t, RulerRandom& random) const override { return make_(size, random); }

 private:
  std::function<RulerSample(size_t, RulerRandom&)> make_;
};

}  // namespace

VariableTrackingGenerator::VariableTrackingGenerator(RulerTaskSpec spec, uint64_t seed, int64_t max_seq_length,
                                                     const TokenCounter& count)
    : spec_(std::move(spec)), max_seq_length_(max_seq_length) {
  if (spec_.family != Family::variable_tracking) {
    throw std::invalid_argument("VariableTrackingGenerator: " + spec_.name + " is not variable tracking");
  }
  // The example as RULER builds it: its own 500-token fit, no generation budget, 3-letter names.
  const ExampleProbe probe([this](size_t size, RulerRandom& random) {
    const auto example_names = names(3, random);
    RulerSample s;
    s.input = render(layout(size, random), example_names, kExampleValue, true);
    return s;
  });
  const LengthTarget example_target{kExampleLength, 0};
  const uint64_t example_seed = derive_seed(seed, "vt-example", static_cast<uint64_t>(max_seq_length));
  const size_t size = search_haystack_size(probe, count, example_target, example_seed);
  RulerRandom random(example_seed);
  names(3, random);  // the same draws as the probe, so the layout is the one that was measured
  example_layout_ = layout(size, random);
}

SizingRule VariableTrackingGenerator::sizing() const {
  SizingRule rule;
  rule.incremental = max_seq_length_ < 4096 ? 5 : 10;
  rule.estimate_size = rule.incremental;
  rule.upper_factor = 3;
  return rule;
}

std::vector<std::string> VariableTrackingGenerator::names(size_t letters, RulerRandom& random) const {
  // Distinct names, none equal to "VAR" (RULER re-draws only until the set is large enough and can
  // then reuse a duplicate; a name "VAR" would also break its example's text substitution).
  const size_t needed = static_cast<size_t>((spec_.num_hops + 1) * spec_.num_chains);
  std::vector<std::string> out;
  std::set<std::string> seen;
  while (out.size() < needed) {
    std::string name;
    for (size_t i = 0; i < letters; ++i) name += static_cast<char>('A' + random.below(26));
    if (name != "VAR" && seen.insert(name).second) out.push_back(name);
  }
  return out;
}

std::vector<int> VariableTrackingGenerator::layout(size_t noise_lines, RulerRandom& random) const {
  const size_t statements = static_cast<size_t>(spec_.num_hops + 1);
  std::vector<int> lines(noise_lines, -1);
  if (noise_lines < statements) {
    throw std::invalid_argument("variable tracking needs at least " + std::to_string(statements) + " noise lines");
  }
  auto positions = random.sample_indices(noise_lines, statements);
  std::sort(positions.begin(), positions.end());
  for (size_t j = 0; j < statements; ++j) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(positions[j] + j), static_cast<int>(j));
  }
  return lines;
}

std::string VariableTrackingGenerator::render(const std::vector<int>& layout, const std::vector<std::string>& names,
                                              const std::string& value, bool with_prefix) const {
  std::string context;
  for (size_t i = 0; i < layout.size(); ++i) {
    if (i) context += '\n';
    const int j = layout[i];
    if (j < 0) {
      context += kNoiseLine;
    } else if (j == 0) {
      context += "VAR " + names[0] + " = " + value;
    } else {
      context += "VAR " + names[static_cast<size_t>(j)] + " = VAR " + names[static_cast<size_t>(j - 1)] + " ";
    }
  }
  const auto& family = spec_.family_template();
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"context", context}, {"query", value}, {"num_v", std::to_string(spec_.num_hops + 1)}};
  std::string out = fill_template(family.template_text, fields);
  if (with_prefix) out += fill_template(family.answer_prefix, fields);
  return out;
}

RulerSample VariableTrackingGenerator::generate(size_t haystack_size, size_t, RulerRandom& random) const {
  const auto chain_names = names(5, random);
  const std::string value = std::to_string(random.between(10000, 99998));
  const auto main_layout = layout(haystack_size, random);
  // The example with fresh names and value, followed by its answer, as RULER's randomize_icl leaves it.
  const auto example_names = names(3, random);
  const std::string example_value = std::to_string(random.between(10000, 99998));
  std::string example = render(example_layout_, example_names, example_value, true) + " ";
  for (size_t i = 0; i < example_names.size(); ++i) example += (i ? " " : "") + example_names[i];
  example += "\n";

  RulerSample sample;
  sample.input = example + "\n" + render(main_layout, chain_names, value, false);
  sample.answer_prefix = fill_template(spec_.family_template().answer_prefix,
                                       {{"query", value}, {"num_v", std::to_string(spec_.num_hops + 1)}});
  sample.outputs = chain_names;
  return sample;
}

}  // namespace engram::tasks::ruler
