// The accounting (baselines/parameter_manifest) and the LibTorch modules describe the same model:
// for every tiny preset, the same parameter names with the same shapes, so every count the
// `models` verb prints is a count of what really runs.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <map>

#include "baselines/nn/causal_lm.h"
#include "baselines/parameter_manifest.h"
#include "baselines/presets.h"
#include "harness/engram_speed.h"

namespace engram::model {
namespace {

std::shared_ptr<const NgramHashMapping> hashing_for(const ModelConfig& config) {
  if (!config.engram) return nullptr;
  return std::make_shared<const NgramHashMapping>(config.engram->hash, harness::synthetic_lookup_table());
}

class PresetModules : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetModules, ManifestEqualsModuleParameters) {
  const ModelConfig& config = find_preset(GetParam()).config;
  CausalLM model(config, hashing_for(config));
  std::map<std::string, std::vector<int64_t>> module_shapes;
  for (const auto& p : model->named_parameters()) module_shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : model->named_buffers()) {
    if (b.key().find("multi_head_embedding.offsets") == std::string::npos) module_shapes[b.key()] = b.value().sizes().vec();
  }
  std::map<std::string, std::vector<int64_t>> manifest_shapes;
  int64_t manifest_total = 0;
  for (const ParameterSpec& spec : parameter_manifest(config)) {
    manifest_shapes[spec.name] = spec.shape;
    manifest_total += spec.numel();
  }
  for (const auto& [name, shape] : manifest_shapes) {
    const auto it = module_shapes.find(name);
    if (it == module_shapes.end()) {
      ADD_FAILURE() << "manifest lists " << name << " but the module has no such parameter";
    } else {
      EXPECT_EQ(it->second, shape) << name;
    }
  }
  for (const auto& [name, shape] : module_shapes) {
    EXPECT_TRUE(manifest_shapes.count(name)) << "module has " << name << " which the accounting does not count";
  }
  int64_t module_total = 0;
  for (const auto& [name, shape] : module_shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    module_total += n;
  }
  EXPECT_EQ(module_total, manifest_total);
}

TEST_P(PresetModules, TinyPresetRunsAForward) {
  const ModelConfig& config = find_preset(GetParam()).config;
  CausalLM model(config, hashing_for(config));
  model->init_weights(3);
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor logits = model->forward(at::randint(0, config.vocab_size, {2, 7}, at::kLong));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 7, config.vocab_size}));
  EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
}

INSTANTIATE_TEST_SUITE_P(Tiny, PresetModules, ::testing::Values("tiny-dense", "tiny-moe", "tiny-engram"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace engram::model
