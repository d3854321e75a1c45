// The memory plan's batch-dependent terms (activations, attention mask, Engram buffers, logits, KV
// cache) against what the CPU really uses: the peak resident set growth (VmHWM, reset through
// /proc/self/clear_refs) while the engine's two kinds of work run on the tiny presets at a few
// batch x length shapes. The plan must never be below the measured peak, and never more than the
// factor stated in harness/engine/memory_plan.h above it. A memory assertion, not a timing one.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "harness/engine/engine_model.h"
#include "harness/engine/memory_plan.h"
#include "harness/tokenizer/tokenizer.h"
#include "test_support.h"

namespace engram::harness {
namespace {

// The bound documented in memory_plan.h: planned / measured peak growth lies in [1, this] (observed 1.06-2.30).
constexpr double kStatedOverestimate = 2.5;

// glibc raises its mmap threshold to the size of each mmapped block freed, so after the first large
// tensor is freed the next ones come from the heap, and what the heap keeps resident depends on the
// order of earlier frees: the same work measured 17-23 MiB from one run to the next (and failed CI
// once at 22.6 against a plan of 22.4), against 12 MiB, run after run, with the threshold fixed.
// Fixed at glibc's starting value, large tensors are mapped and unmapped, and the peak measures
// what the work allocates, which is what the plan promises to bound.
const bool kFixedMmapThreshold = [] {
  if (::mallopt(M_MMAP_THRESHOLD, 128 * 1024) != 1) throw std::runtime_error("mallopt(M_MMAP_THRESHOLD) failed");
  return true;
}();

int64_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  throw std::runtime_error("no " + field + " in /proc/self/status");
}

// Peak resident growth (bytes) while `work` runs: freed heap goes back to the system first, then
// the high-water mark restarts from the current resident size.
// The high-water mark right after the reset is the baseline: the kernel sets it to the resident size
// of that moment. VmRSS read separately can lag it by the kernel's per-CPU counter batching (seen
// here: over 64 KiB when two test processes run at once), so it only checks that the reset happened:
// a mark left at an earlier peak would stand megabytes above the resident size.
int64_t reset_peak_resident_kib() {
  ::malloc_trim(0);
  std::ofstream reset("/proc/self/clear_refs");
  reset << "5";
  reset.close();
  if (!reset) throw std::runtime_error("cannot reset the peak RSS through /proc/self/clear_refs");
  const int64_t mark = status_kib("VmHWM");
  if (mark > status_kib("VmRSS") + 1024) throw std::runtime_error("VmHWM did not reset");
  return mark;
}

template <typename Work>
int64_t peak_growth(Work&& work) {
  const int64_t before = reset_peak_resident_kib();
  work();
  return (status_kib("VmHWM") - before) * 1024;
}

std::shared_ptr<const tokenizer::Tokenizer> small_tokenizer() {
  static auto tok = std::make_shared<const tokenizer::Tokenizer>(
      tokenizer::Tokenizer::load((testing::source_dir() / "tests/data/tokenizer/gpt2_style").string()));
  return tok;
}

// A preset at its full vocabulary (the logits are the largest term); Engram hashes through a
// made-up compression of that vocabulary.
model::CausalLM preset_model(const std::string& name) {
  const model::ModelConfig& config = model::find_preset(name).config;
  std::shared_ptr<const NgramHashMapping> hashing;
  if (config.engram) {
    std::vector<int64_t> lookup(config.vocab_size);
    for (int64_t i = 0; i < config.vocab_size; ++i) lookup[i] = i % 50000;
    hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, lookup);
  }
  model::CausalLM m(config, hashing);
  m->init_weights(11);
  m->eval();
  return m;
}

MemoryPlan plan_for(const model::CausalLM& m, int64_t batch, int64_t length, int64_t projected) {
  MemoryPlanRequest r;
  r.weight_bytes = module_weight_bytes(*m);
  r.element_bytes = 4;
  r.max_sequence_length = length;
  r.projected_positions = projected;
  r.budget_bytes = int64_t{1} << 50;
  r.budget_source = "test";
  r.max_batch = batch;
  return plan_memory(m->config(), r);
}

int64_t planned_growth(const MemoryPlan& plan, int64_t batch) {
  return batch * plan.bytes_per_sequence + plan.scoring_logits_bytes;
}

// Scoring through the engine: `batch` windows of `length` tokens, the last `projected` positions of
// each projected to the vocabulary (all of them for a rolling log-likelihood, one for a one-token
// multiple-choice answer).
int64_t measure_scoring(model::CausalLM m, int64_t batch, int64_t length, int64_t projected) {
  EngineOptions options;
  options.batch_size = batch;
  options.max_length = length;
  EngineModel engine(m, small_tokenizer(), options);
  std::vector<EngineModel::TokenRequest> requests;
  at::Tensor ids = at::randint(1, small_tokenizer()->vocab_size(), {batch, length + 1}, at::kLong);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t* row = ids[b].data_ptr<int64_t>();
    const int64_t split = length + 1 - projected;
    requests.push_back({std::vector<int64_t>(row, row + split), std::vector<int64_t>(row + split, row + length + 1)});
  }
  return peak_growth([&] { engine.score_tokens(requests); });
}

// Generation as the engine does it: a padded prefill into the KV cache with an attention mask, one
// projected row per sequence, then decode steps up to `length` tokens.
int64_t measure_generation(model::CausalLM m, int64_t batch, int64_t length) {
  torch::NoGradGuard no_grad;
  const int64_t prompt = length - 4;
  const at::Tensor ids = at::randint(1, small_tokenizer()->vocab_size(), {batch, prompt}, at::kLong);
  return peak_growth([&] {
    model::KvCache cache = m->new_cache();
    model::ForwardOptions options;
    at::Tensor mask = at::ones({batch, prompt}, at::kLong);
    mask[0][0] = 0;  // one padded row, so the mask path runs as with left padding
    options.attention_mask = mask;
    options.positions = (mask.cumsum(1) - 1).clamp_min(0);
    at::Tensor logits = m->project(m->forward_hidden(ids, &cache, options).select(1, prompt - 1));
    for (int64_t step = 0; step < length - prompt; ++step) {
      at::Tensor next = at::log_softmax(logits, -1).argmax(-1, /*keepdim=*/true);
      mask = at::cat({mask, at::ones({batch, 1}, at::kLong)}, 1);
      options.attention_mask = mask;
      options.positions = at::full({batch, 1}, prompt + step, at::kLong);
      logits = m->project(m->forward_hidden(next, &cache, options).select(1, 0));
    }
  });
}

struct Shape {
  const char* preset;
  int64_t batch;
  int64_t length;
};

void PrintTo(const Shape& s, std::ostream* os) { *os << s.preset << "_b" << s.batch << "_t" << s.length; }

class MemoryPlanRss : public ::testing::TestWithParam<Shape> {};

// Planned and measured growth for one kind of work, printed for the plan's documentation.
void expect_bounded(const char* work, const Shape& shape, int64_t planned, int64_t measured) {
  const double ratio = static_cast<double>(planned) / static_cast<double>(measured);
  std::printf("%-11s b%-2lld t%-4lld %-22s measured %7.1f MiB  planned %7.1f MiB  planned/measured %.2f\n",
              shape.preset, static_cast<long long>(shape.batch), static_cast<long long>(shape.length), work,
              measured / 1048576.0, planned / 1048576.0, ratio);
  EXPECT_GE(planned, measured) << work << ": the plan is below the measured peak";
  EXPECT_LE(ratio, kStatedOverestimate) << work << ": the plan is further above the measured peak than documented";
}

// The least of three measurements: allocator fragmentation only ever adds to a peak (seen here:
// up to 3 MiB on the small generation terms, from one run to the next), so the minimum is the
// work's own need, which the plan must cover.
template <typename Measure>
int64_t least_of_three(Measure&& measure) {
  EXPECT_TRUE(kFixedMmapThreshold);
  return std::min({measure(), measure(), measure()});
}

TEST_P(MemoryPlanRss, PlanBoundsThePeakResidentGrowth) {
  at::set_num_threads(1);
  const Shape s = GetParam();
  model::CausalLM m = preset_model(s.preset);
  measure_scoring(m, 1, 16, 1);  // first-call allocations (kernels, caches) out of the way
  measure_generation(m, 1, 16);

  expect_bounded("scoring, all projected", s, planned_growth(plan_for(m, s.batch, s.length, s.length), s.batch),
                 least_of_three([&] { return measure_scoring(m, s.batch, s.length, s.length); }));
  expect_bounded("scoring, last position", s, planned_growth(plan_for(m, s.batch, s.length, 1), s.batch),
                 least_of_three([&] { return measure_scoring(m, s.batch, s.length, 1); }));
  expect_bounded("generation", s, planned_growth(plan_for(m, s.batch, s.length, 1), s.batch),
                 least_of_three([&] { return measure_generation(m, s.batch, s.length); }));
}

INSTANTIATE_TEST_SUITE_P(TinyPresets, MemoryPlanRss,
                         ::testing::Values(Shape{"tiny-dense", 4, 128}, Shape{"tiny-moe", 2, 256},
                                           Shape{"tiny-engram", 4, 128}, Shape{"tiny-engram", 1, 512}),
                         [](const ::testing::TestParamInfo<Shape>& info) {
                           std::string name = std::string(info.param.preset) + "_b" + std::to_string(info.param.batch) +
                                              "_t" + std::to_string(info.param.length);
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace engram::harness
