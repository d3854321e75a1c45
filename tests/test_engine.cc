// The engine against plain full forwards: log-likelihoods, greedy continuations, batch 1 versus N,
// shared contexts, rolling windows and stop strings, on tiny random models of every family.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "harness/engine/engine_model.h"
#include "harness/tokenizer/tokenizer.h"
#include "test_support.h"

namespace engram::harness {
namespace {

using model::CausalLM;
using model::ModelConfig;

std::shared_ptr<const tokenizer::Tokenizer> test_tokenizer() {
  static auto tok = std::make_shared<const tokenizer::Tokenizer>(
      tokenizer::Tokenizer::load((testing::source_dir() / "tests/data/tokenizer/gpt2_style").string()));
  return tok;
}

ModelConfig tiny(bool deepseek, bool with_engram, int64_t branches) {
  ModelConfig c;
  c.vocab_size = test_tokenizer()->vocab_size();
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = deepseek ? 4 : 2;
  c.initializer_range = 0.1;
  c.hc_mult = branches;
  if (deepseek) {
    c.model_type = "deepseek_v3";
    c.family = model::Family::kDeepSeekV3;
    c.mla = model::MlaConfig{0, 8, 8, 4, 8};
    model::MoeConfig moe;
    moe.n_routed_experts = 4;
    moe.n_shared_experts = 1;
    moe.num_experts_per_tok = 2;
    moe.moe_intermediate_size = 16;
    moe.first_k_dense_replace = 1;
    c.moe = moe;
  } else {
    c.model_type = "llama";
    c.family = model::Family::kLlama;
    c.head_dim = 8;
  }
  if (with_engram) {
    EngramConfig e;
    e.hash.engram_vocab_size = {101, 103};
    e.hash.n_head_per_ngram = 2;
    e.hash.layer_ids = {0};
    e.n_embed_per_ngram = 8;
    e.hidden_size = c.hidden_size;
    e.hc_mult = branches;
    e.conv_zero_init = false;
    c.engram = e;
  }
  return c;
}

struct EngineSetup {
  CausalLM model{nullptr};
  std::unique_ptr<EngineModel> engine;
};

EngineSetup make_engine(const ModelConfig& config, int64_t batch) {
  std::shared_ptr<const NgramHashMapping> hashing;
  if (config.engram) {
    std::vector<int64_t> lookup(config.vocab_size);
    for (int64_t i = 0; i < config.vocab_size; ++i) lookup[i] = i % 500;
    hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, lookup);
  }
  EngineSetup setup;
  setup.model = CausalLM(config, hashing);
  setup.model->init_weights(99);  // seeded, so both engines of a comparison hold the same weights
  EngineOptions options;
  options.batch_size = batch;
  options.max_length = 64;
  setup.engine = std::make_unique<EngineModel>(setup.model, test_tokenizer(), options);
  return setup;
}

struct Family {
  std::string name;
  bool deepseek, engram;
  int64_t branches;
};

// gtest prints the parameter in test listings and failures; without this, as raw bytes.
void PrintTo(const Family& f, std::ostream* out) { *out << f.name; }

class EngineTest : public ::testing::TestWithParam<Family> {
 protected:
  ModelConfig config() const { return tiny(GetParam().deepseek, GetParam().engram, GetParam().branches); }
};

const std::vector<tasks::LoglikelihoodRequest> kScoring = {
    {"The capital of France is", " Paris"},
    {"The capital of France is", " Lyon"},
    {"Question: 2 + 2 =\nAnswer:", " 4"},
    {"Question: 2 + 2 =\nAnswer:", " five"},
    {"def add(a, b):\n    return", " a + b"},
    {"", "An empty context uses the prefix token."},
    {"Short ", "continuation whose context ends in a space, moved over as lm-eval does"},
};

// log P(continuation | context) from one unbatched full forward.
std::pair<double, bool> reference_score(CausalLM& model, const std::vector<int64_t>& context,
                                        const std::vector<int64_t>& continuation) {
  std::vector<int64_t> input = context;
  input.insert(input.end(), continuation.begin(), continuation.end());
  input.pop_back();
  const at::Tensor ids = at::tensor(input, at::kLong).unsqueeze(0);
  const at::Tensor log_probs = at::log_softmax(model->forward(ids)[0], -1);
  double sum = 0;
  bool greedy = true;
  const int64_t n = static_cast<int64_t>(continuation.size());
  for (int64_t k = 0; k < n; ++k) {
    const int64_t position = static_cast<int64_t>(input.size()) - n + k;
    sum += log_probs[position][continuation[k]].item<double>();
    greedy = greedy && log_probs[position].argmax().item<int64_t>() == continuation[k];
  }
  return {sum, greedy};
}

TEST_P(EngineTest, LoglikelihoodEqualsPlainFullForward) {
  EngineSetup setup = make_engine(config(), 3);
  const auto results = setup.engine->loglikelihood(kScoring);
  ASSERT_EQ(results.size(), kScoring.size());
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < kScoring.size(); ++i) {
    std::string context = kScoring[i].context, continuation = kScoring[i].continuation;
    while (!context.empty() && context.back() == ' ') {
      continuation.insert(continuation.begin(), ' ');
      context.pop_back();
    }
    const std::vector<int64_t> whole = setup.engine->encode(context + continuation);
    std::vector<int64_t> ctx = context.empty() ? std::vector<int64_t>{} : setup.engine->encode(context);
    const std::vector<int64_t> cont(whole.begin() + static_cast<std::ptrdiff_t>(ctx.size()), whole.end());
    if (ctx.empty()) ctx = {*test_tokenizer()->eos_id()};
    const auto [logprob, greedy] = reference_score(setup.model, ctx, cont);
    EXPECT_NEAR(results[i].logprob, logprob, 1e-5) << i;
    EXPECT_EQ(results[i].is_greedy, greedy) << i;
    EXPECT_EQ(results[i].tokens, static_cast<int64_t>(cont.size())) << i;
    EXPECT_LT(results[i].logprob, 0.0);
  }
}

TEST_P(EngineTest, BatchOneAndBatchNAgree) {
  EngineSetup one = make_engine(config(), 1);
  EngineSetup many = make_engine(config(), 5);
  const auto a = one.engine->loglikelihood(kScoring);
  const auto b = many.engine->loglikelihood(kScoring);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i].logprob, b[i].logprob, 1e-5) << i;
    EXPECT_EQ(a[i].is_greedy, b[i].is_greedy) << i;
  }
  std::vector<tasks::GenerationRequest> prompts;
  for (const std::string text : {"Once upon a time", "x", "The quick brown fox jumps over the lazy dog because",
                                 "def f(x):\n", "1, 2, 3, 4,"}) {
    tasks::GenerationRequest r;
    r.context = text;
    r.max_new_tokens = 12;
    prompts.push_back(r);
  }
  const auto ga = one.engine->generate_until(prompts);
  const auto gb = many.engine->generate_until(prompts);
  for (std::size_t i = 0; i < ga.size(); ++i) {
    EXPECT_EQ(ga[i].text, gb[i].text) << i;
    EXPECT_TRUE(ga[i].truncated || ga[i].hit_stop);
  }
}

TEST_P(EngineTest, GreedyGenerationEqualsPlainGreedyLoopAndStopsAtStopStrings) {
  EngineSetup setup = make_engine(config(), 4);
  tasks::GenerationRequest r;
  r.max_new_tokens = 10;
  // A random model may emit end-of-sequence at once; take the first prompt it says something after.
  tasks::GenerationResult out;
  for (const std::string prompt : {"In the beginning", "Once", "The", "1 2 3", "def main():", "Hello, world"}) {
    r.context = prompt;
    out = setup.engine->generate_until({r})[0];
    if (out.text.size() >= 4) break;
  }
  // Plain greedy loop: full forward every step, no cache, no padding.
  torch::NoGradGuard no_grad;
  std::vector<int64_t> ids = setup.engine->encode(r.context);
  std::vector<int64_t> generated;
  for (int step = 0; step < 10; ++step) {
    const at::Tensor logits = setup.model->forward(at::tensor(ids, at::kLong).unsqueeze(0))[0][-1];
    const int64_t next = logits.argmax().item<int64_t>();
    if (next == *test_tokenizer()->eos_id()) break;
    ids.push_back(next);
    generated.push_back(next);
  }
  EXPECT_EQ(out.text, test_tokenizer()->decode(generated, false));
  ASSERT_GE(out.text.size(), 4u);
  // Stop at a piece of that text: the result is what precedes its first occurrence.
  tasks::GenerationRequest stopped = r;
  const std::string stop = out.text.substr(out.text.size() / 2, 2);
  stopped.stop = {stop};
  const auto cut = setup.engine->generate_until({stopped, r});
  EXPECT_EQ(cut[0].text, out.text.substr(0, out.text.find(stop)));
  EXPECT_TRUE(cut[0].hit_stop);
  EXPECT_EQ(cut[1].text, out.text);
}

TEST_P(EngineTest, SamplingIsSeededAndRollingScoresEveryToken) {
  EngineSetup setup = make_engine(config(), 2);
  tasks::GenerationRequest r;
  r.context = "Sampling";
  r.greedy = false;
  r.temperature = 1.0;
  r.top_p = 0.9;
  r.max_new_tokens = 8;
  r.seed = 5;
  const auto first = setup.engine->generate_until({r, r});
  EXPECT_EQ(first[0].text, first[1].text);
  EXPECT_EQ(setup.engine->generate_until({r})[0].text, first[0].text);

  const std::string text = "A short text that fits one window.";
  const double rolling = setup.engine->loglikelihood_rolling({text})[0];
  const auto tokens = test_tokenizer()->encode(text, false);
  const auto [reference, unused] = reference_score(setup.model, {*test_tokenizer()->eos_id()}, tokens);
  EXPECT_NEAR(rolling, reference, 1e-4);
  // With a window shorter than the text every token is still scored exactly once.
  setup.engine->mutable_options().max_length = 4;
  const double windowed = setup.engine->loglikelihood_rolling({text})[0];
  EXPECT_LT(windowed, 0.0);
  EXPECT_NE(windowed, rolling);
}

// Few-shot style requests: two "subjects" whose items share a long prompt, items that also share
// their first words (a nested shared prefix), and continuations of several tokens.
std::vector<tasks::LoglikelihoodRequest> few_shot_requests() {
  const std::string geography =
      "The following are questions about geography.\nQ: Which river flows through Paris?\nA: the Seine\n"
      "Q: What is the capital of Italy?\nA: Rome\n";
  const std::string arithmetic =
      "The following are questions about arithmetic.\nQ: 3 + 4 =\nA: 7\nQ: 10 - 6 =\nA: 4\n";
  std::vector<tasks::LoglikelihoodRequest> out;
  for (const std::string question : {"Which city is the capital of Spain?", "Which city is the capital of Peru?",
                                     "Name a river in Egypt."}) {
    for (const std::string answer : {" Madrid", " Lima", " the Nile river"}) {
      out.push_back({geography + "Q: " + question + "\nA:", answer});
    }
  }
  for (const std::string question : {"2 + 2 =", "9 - 3 =", "5 * 5 ="}) out.push_back({arithmetic + "Q: " + question + "\nA:", " 4"});
  out.push_back({"An unrelated context", " with no shared prefix"});
  return out;
}

TEST_P(EngineTest, SharedPrefixReuseEqualsRecomputationAndFullForward) {
  EngineSetup reuse = make_engine(config(), 4);
  EngineSetup recompute = make_engine(config(), 4);
  reuse.engine->mutable_options().max_length = 256;
  reuse.engine->mutable_options().min_shared_prefix = 4;
  recompute.engine->mutable_options().max_length = 256;
  recompute.engine->mutable_options().min_shared_prefix = 0;
  const auto requests = few_shot_requests();
  const auto shared = reuse.engine->loglikelihood(requests);
  const auto stats = reuse.engine->scoring_stats();
  const auto plain = recompute.engine->loglikelihood(requests);
  // At least the two subject prompts and the nested "Q: Which city is the capital of".
  EXPECT_GE(stats.shared_prefixes, 3);
  EXPECT_LT(stats.computed_tokens * 2, stats.input_tokens);
  EXPECT_EQ(recompute.engine->scoring_stats().computed_tokens, recompute.engine->scoring_stats().input_tokens);
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_NEAR(shared[i].logprob, plain[i].logprob, 1e-5) << i;
    EXPECT_EQ(shared[i].is_greedy, plain[i].is_greedy) << i;
    const std::vector<int64_t> context = reuse.engine->encode(requests[i].context);
    const std::vector<int64_t> whole = reuse.engine->encode(requests[i].context + requests[i].continuation);
    const std::vector<int64_t> continuation(whole.begin() + static_cast<std::ptrdiff_t>(context.size()), whole.end());
    const auto [logprob, greedy] = reference_score(reuse.model, context, continuation);
    EXPECT_NEAR(shared[i].logprob, logprob, 1e-5) << i;
    EXPECT_EQ(shared[i].is_greedy, greedy) << i;
  }
}

// Prompts of several lengths and budgets, some sharing a long prefix (a few-shot prompt).
std::vector<tasks::GenerationRequest> scheduling_prompts() {
  const std::string shots = "Q: Which river flows through Paris?\nA: the Seine\nQ: What is the capital of Italy?\nA: Rome\n";
  std::vector<tasks::GenerationRequest> out;
  int64_t budget = 3;
  for (const std::string& text : std::vector<std::string>{
           shots + "Q: Name a river in Egypt.\nA:", "Once upon a time", shots + "Q: 2 + 2?\nA:", "x",
           "The quick brown fox jumps over the lazy dog because", shots + "Q: Capital of Peru?\nA:", "def f(x):\n",
           "1, 2, 3, 4,"}) {
    tasks::GenerationRequest r;
    r.context = text;
    r.max_new_tokens = budget;
    budget = budget % 11 + 4;
    out.push_back(r);
  }
  return out;
}

TEST_P(EngineTest, ContinuousBatchingMatchesFixedBatchesWithPrefixReuseAndPreemption) {
  EngineSetup fixed = make_engine(config(), 3);
  fixed.engine->mutable_options().max_length = 256;
  fixed.engine->mutable_options().continuous_batching = false;
  const auto prompts = scheduling_prompts();
  const auto expected = fixed.engine->generate_until(prompts);

  EngineSetup continuous = make_engine(config(), 3);
  continuous.engine->mutable_options().max_length = 256;
  continuous.engine->mutable_options().min_shared_prefix = 8;
  continuous.engine->mutable_options().kv_block_size = 4;
  const auto roomy = continuous.engine->generate_until(prompts);
  const ContinuousBatchingStats roomy_stats = continuous.engine->generation_stats();
  // A pool too small for three running sequences: decode steps preempt and recompute.
  continuous.engine->mutable_options().kv_blocks = 24;
  const auto tight = continuous.engine->generate_until(prompts);
  const ContinuousBatchingStats tight_stats = continuous.engine->generation_stats();
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(roomy[i].text, expected[i].text) << i;
    EXPECT_EQ(roomy[i].tokens, expected[i].tokens) << i;
    EXPECT_EQ(roomy[i].truncated, expected[i].truncated) << i;
    EXPECT_EQ(tight[i].text, expected[i].text) << i;
    EXPECT_EQ(tight[i].tokens, expected[i].tokens) << i;
  }
  EXPECT_EQ(roomy_stats.shared_prefixes, 1);
  EXPECT_GT(roomy_stats.reused_tokens, 0);
  // The few-shot prompts decode side by side, reading their shared prefix once per step.
  EXPECT_GT(roomy_stats.shared_prefix_steps, 0);
  EXPECT_EQ(roomy_stats.max_running, 3);
  EXPECT_EQ(roomy_stats.preemptions, 0);
  EXPECT_GT(tight_stats.preemptions, 0);
  EXPECT_GT(tight_stats.prefills, static_cast<int64_t>(prompts.size()));
}

INSTANTIATE_TEST_SUITE_P(Families, EngineTest,
                         ::testing::Values(Family{"llama", false, false, 1}, Family{"deepseek_moe", true, false, 1},
                                           Family{"deepseek_engram_hc4", true, true, 4},
                                           Family{"llama_engram", false, true, 1}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace engram::harness
