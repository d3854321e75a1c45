#include "tasks/ruler/variable_tracking_generator.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

const char* kNoiseLine = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
const char* kExampleValue = "12345";
constexpr int64_t kExampleLength = 500;

std::string strip_ascii(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
}

}  // namespace

VariableTrackingGenerator::VariableTrackingGenerator(RulerTaskSpec spec) : spec_(std::move(spec)) {
  if (spec_.family != Family::variable_tracking) {
    throw std::invalid_argument("VariableTrackingGenerator: " + spec_.name + " is not variable tracking");
  }
  if (spec_.haystack != Haystack::noise) throw std::invalid_argument("VariableTrackingGenerator: only the noise haystack");
}

std::string VariableTrackingGenerator::random_name(size_t letters, RulerStreams& streams) const {
  std::string name;
  for (size_t i = 0; i < letters; ++i) name += static_cast<char>('A' + streams.random.choices_index(26));
  return name;
}

VariableTrackingGenerator::Chains VariableTrackingGenerator::generate_chains(bool example, RulerStreams& streams) const {
  const size_t letters = example ? 3 : 5;
  const auto hops = static_cast<size_t>(example ? std::min(10, spec_.num_hops) : spec_.num_hops);
  const size_t wanted = (hops + 1) * static_cast<size_t>(spec_.num_chains);
  std::vector<std::string> all;
  for (size_t i = 0; i < wanted; ++i) all.push_back(random_name(letters, streams));
  while (std::set<std::string>(all.begin(), all.end()).size() < wanted) all.push_back(random_name(letters, streams));
  Chains chains;
  for (size_t i = 0; i < all.size(); i += hops + 1) {
    std::vector<std::string> names(all.begin() + static_cast<std::ptrdiff_t>(i),
                                   all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + hops + 1)));
    const std::string value = example ? kExampleValue : std::to_string(streams.numpy.randint(10000, 99999));
    // Upstream fails here (IndexError) when a repeated name left a short chunk.
    if (names.size() < hops + 1) throw std::runtime_error("RULER vt: repeated variable names (upstream fails too)");
    std::vector<std::string> statements{"VAR " + names[0] + " = " + value};
    for (size_t j = 0; j < hops; ++j) statements.push_back("VAR " + names[j + 1] + " = VAR " + names[j] + " ");
    chains.names.push_back(std::move(names));
    chains.statements.push_back(std::move(statements));
  }
  return chains;
}

RulerSample VariableTrackingGenerator::generate(size_t noise_lines, bool example, RulerStreams& streams) const {
  const Chains chains = generate_chains(example, streams);
  const std::string& first = chains.statements[0][0];
  const std::string value = strip_ascii(first.substr(first.rfind('=') + 1));
  std::vector<std::string> lines(noise_lines, kNoiseLine);
  for (const auto& chain : chains.statements) {
    auto positions = streams.random.sample_indices(lines.size(), chain.size());
    std::sort(positions.begin(), positions.end());
    for (size_t j = 0; j < chain.size(); ++j) {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(positions[j] + j), chain[j]);
    }
  }
  std::string context;
  for (size_t i = 0; i < lines.size(); ++i) context += (i ? "\n" : "") + lines[i];
  context = replace_all(std::move(context), ". \n", ".\n");
  const auto& family = spec_.family_template();
  RulerSample sample;
  sample.input = fill_template(family.template_text + family.answer_prefix,
                               {{"context", context}, {"query", value}, {"num_v", std::to_string(spec_.num_hops + 1)}});
  sample.outputs = chains.names[0];
  return sample;
}

std::string VariableTrackingGenerator::randomize_example(std::string example, RulerStreams& streams) const {
  // The example's last num_hops + 1 words are its answer: each gets fresh letters (every occurrence
  // replaced, as str.replace does), then the value 12345 a fresh number.
  std::istringstream words(strip_ascii(example));
  std::vector<std::string> all;
  for (std::string w; words >> w;) all.push_back(w);
  const size_t keep = std::min(all.size(), static_cast<size_t>(spec_.num_hops + 1));
  for (size_t i = all.size() - keep; i < all.size(); ++i) {
    example = replace_all(std::move(example), all[i], random_name(all[i].size(), streams));
  }
  return replace_all(std::move(example), kExampleValue, std::to_string(streams.numpy.randint(10000, 99999)));
}

std::string VariableTrackingGenerator::make_example(const TokenCounter& tokens, RulerStreams& streams) const {
  const SearchPlan plan = search_plan(kExampleLength, 0, 5);
  const auto make = [&](size_t size) { return generate(size, true, streams); };
  const FittedSample example = search_and_fit(make, [&](size_t size, size_t) { return make(size); }, tokens, plan, 1)[0];
  std::string text = example.sample.prompt() + " ";
  for (size_t i = 0; i < example.sample.outputs.size(); ++i) text += (i ? " " : "") + example.sample.outputs[i];
  return text + "\n";
}

std::vector<FittedSample> VariableTrackingGenerator::generate_samples(size_t count, const TokenCounter& tokens,
                                                                      int64_t max_seq_length,
                                                                      RulerStreams& streams) const {
  const std::string example = make_example(tokens, streams);
  const auto& family = spec_.family_template();
  SearchPlan plan = search_plan(max_seq_length, family.tokens_to_generate, max_seq_length < 4096 ? 5 : 10);
  plan.extra_tokens = tokens(example);
  const auto probe = [&](size_t size) { return generate(size, false, streams); };
  const auto make_sample = [&](size_t size, size_t) {
    RulerSample sample = generate(size, false, streams);
    std::string text = sample.prompt();
    const size_t cutoff = text.find(family.template_text.substr(0, 20));
    text = text.substr(0, cutoff) + randomize_example(example, streams) + "\n" + text.substr(cutoff);
    return split_answer_prefix(text, family.answer_prefix, std::move(sample.outputs));
  };
  return search_and_fit(probe, make_sample, tokens, plan, count);
}

}  // namespace engram::tasks::ruler
