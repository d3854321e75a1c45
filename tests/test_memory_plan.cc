// The analytic memory plan behind batch size auto: its weight term is the module's real bytes, its KV
// term is what the cache actually holds after a forward, smaller budgets give smaller batches, and a
// budget below one sequence is a clear error.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "harness/device_memory.h"
#include "harness/engine/memory_plan.h"

namespace engram::harness {
namespace {

using model::CausalLM;
using model::ModelConfig;

ModelConfig small_gqa() {
  ModelConfig c;
  c.model_type = "llama";
  c.family = model::Family::kLlama;
  c.vocab_size = 300;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 8;
  return c;
}

int64_t cache_bytes(const model::KvCache& cache) {
  int64_t bytes = 0;
  for (const auto& layer : cache.attention) {
    if (layer.first.defined()) bytes += static_cast<int64_t>(layer.first.nbytes());
    if (layer.second.defined()) bytes += static_cast<int64_t>(layer.second.nbytes());
  }
  return bytes;
}

MemoryPlanRequest request_for(const CausalLM& m, int64_t length, int64_t budget) {
  MemoryPlanRequest r;
  r.weight_bytes = module_weight_bytes(*m);
  r.element_bytes = 4;
  r.max_sequence_length = length;
  r.budget_bytes = budget;
  r.budget_source = "test";
  return r;
}

TEST(MemoryPlan, WeightTermIsTheSumOfParameterBytes) {
  for (const std::string name : {"tiny-dense", "tiny-moe"}) {
    CausalLM m(model::find_preset(name).config);
    int64_t expected = 0;
    for (const auto& p : m->parameters()) expected += static_cast<int64_t>(p.numel()) * 4;
    for (const auto& b : m->buffers()) expected += static_cast<int64_t>(b.nbytes());
    EXPECT_EQ(module_weight_bytes(*m), expected) << name;
    m->to(at::kBFloat16);
    EXPECT_EQ(module_weight_bytes(*m), expected / 2) << name << " in bfloat16";
  }
}

TEST(MemoryPlan, KvTermMatchesTheCacheAfterAForward) {
  torch::NoGradGuard no_grad;
  for (const ModelConfig& config : {model::find_preset("tiny-dense").config, small_gqa()}) {
    CausalLM m(config);
    m->init_weights(3);
    m->eval();
    const int64_t batch = 2, prompt = 7, steps = 3;
    model::KvCache cache = m->new_cache();
    at::Tensor hidden = m->forward_hidden(at::randint(0, config.vocab_size, {batch, prompt}, at::kLong), &cache);
    for (int64_t s = 0; s < steps; ++s) m->forward_hidden(at::randint(0, config.vocab_size, {batch, 1}, at::kLong), &cache);
    const MemoryPlan plan = plan_memory(config, request_for(m, prompt + steps, int64_t{1} << 40));
    const int64_t planned = plan.kv_cache_bytes_per_token * batch * (prompt + steps);
    EXPECT_EQ(cache_bytes(cache), planned) << config.model_type;
  }
}

TEST(MemoryPlan, SmallerBudgetGivesSmallerBatchAndPowersOfTwo) {
  CausalLM m(model::find_preset("tiny-moe").config);
  MemoryPlanRequest r = request_for(m, 256, 0);
  const MemoryPlan unbounded = plan_memory(m->config(), request_for(m, 256, int64_t{1} << 40));
  const int64_t fixed = r.weight_bytes + unbounded.scoring_logits_bytes;
  r.budget_bytes = fixed + 64 * unbounded.bytes_per_sequence;
  const MemoryPlan big = plan_memory(m->config(), r);
  EXPECT_EQ(big.batch_size, 64);
  r.budget_bytes = fixed + 63 * big.bytes_per_sequence;
  const MemoryPlan smaller = plan_memory(m->config(), r);
  EXPECT_EQ(smaller.batch_size, 32);  // rounded down to a power of two
  r.budget_bytes = fixed + 5 * big.bytes_per_sequence;
  EXPECT_EQ(plan_memory(m->config(), r).batch_size, 4);
  r.max_batch = 2;
  EXPECT_EQ(plan_memory(m->config(), r).batch_size, 2);

  const nlohmann::json j = big.to_json();
  for (const char* key : {"weight_bytes", "kv_cache_bytes_per_token", "activation_bytes_per_token", "engram_bytes_per_token",
                          "bytes_per_sequence", "budget_bytes", "batch_size", "max_sequence_length"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["batch_size"], 64);
}

TEST(MemoryPlan, EngramTermsOnlyForEngramModels) {
  const ModelConfig& engram_config = model::find_preset("tiny-engram").config;
  MemoryPlanRequest r;
  r.weight_bytes = 1;
  r.max_sequence_length = 16;
  r.budget_bytes = int64_t{1} << 40;
  EXPECT_GT(plan_memory(engram_config, r).engram_bytes_per_token, 0);
  EXPECT_GT(plan_memory(engram_config, r).engram_state_bytes_per_sequence, 0);
  EXPECT_EQ(plan_memory(model::find_preset("tiny-moe").config, r).engram_bytes_per_token, 0);
}

TEST(MemoryPlan, BudgetBelowOneSequenceIsAClearError) {
  CausalLM m(model::find_preset("tiny-dense").config);
  MemoryPlanRequest r = request_for(m, 512, 0);
  r.budget_bytes = r.weight_bytes + 10;
  try {
    plan_memory(m->config(), r);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("less than one sequence of 512 tokens"), std::string::npos) << e.what();
  }
  r.max_sequence_length = 0;
  EXPECT_THROW(plan_memory(m->config(), r), std::invalid_argument);
}

TEST(MemoryPlan, CpuBudgetComesFromMemAvailable) {
  const MemoryBudget budget = memory_budget("cpu", 0.5, std::nullopt);
  EXPECT_GT(budget.bytes, 0);
  EXPECT_LE(budget.bytes, cpu_available_bytes());
  EXPECT_NE(budget.source.find("MemAvailable"), std::string::npos);
  EXPECT_EQ(memory_budget("cpu", 0.5, int64_t{12345}).bytes, 12345);
  EXPECT_THROW(memory_budget("cpu", 1.5, std::nullopt), std::invalid_argument);
  EXPECT_THROW(memory_budget("cpu", 0.5, int64_t{0}), std::invalid_argument);
}

}  // namespace
}  // namespace engram::harness
