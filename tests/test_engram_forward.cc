// The Engram forward against the reference's golden outputs: every intermediate, float32 and
// float64, with 4 hyper-connection branches and with 1.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "engram/engram_module.h"
#include "engram/hash_tensor.h"
#include "engram/state_dict.h"
#include "harness/io/safetensors.h"
#include "test_support.h"

namespace engram {
namespace {

struct GoldenForward {
  EngramConfig config;
  std::shared_ptr<NgramHashMapping> mapping;
  io::SafetensorsFile weights, io_tensors;
};

GoldenForward load_case(const std::string& name) {
  const auto dir = testing::golden_dir();
  GoldenForward golden;
  golden.config = load_engram_config((dir / (name + ".json")).string());
  golden.config.conv_zero_init = false;
  golden.mapping = std::make_shared<NgramHashMapping>(golden.config.hash, golden.config.lookup_table);
  golden.weights = io::read_safetensors((dir / (name + "_weights.safetensors")).string());
  golden.io_tensors = io::read_safetensors((dir / (name + "_io.safetensors")).string());
  return golden;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

class GoldenForwardTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenForwardTest, IntermediatesAndOutputWithinTolerance) {
  ENGRAM_REQUIRE_SHARED(testing::golden_dir() / (GetParam() + "_io.safetensors"));
  GoldenForward golden = load_case(GetParam());
  Engram module(golden.config, golden.mapping, *golden.config.layer_id);
  load_state_dict(*module, golden.weights.tensors, GetParam());
  module->eval();
  at::NoGradGuard no_grad;
  const at::Tensor ids = golden.io_tensors.get("input_ids");
  const at::Tensor hidden = golden.io_tensors.get("hidden_states");
  const at::Tensor hash_ids = hash_ngrams(*golden.mapping, ids, module->layer_id());
  ASSERT_TRUE(at::equal(hash_ids, golden.io_tensors.get("hash_ids")));

  const EngramTrace f32 = module->forward_from_hashes(hidden, hash_ids);
  const std::vector<std::pair<std::string, at::Tensor EngramTrace::*>> fields = {
      {"embeddings", &EngramTrace::embeddings}, {"gates", &EngramTrace::gates}, {"value", &EngramTrace::value},
      {"short_conv_out", &EngramTrace::short_conv_out}, {"output", &EngramTrace::output}};
  for (const auto& [name, member] : fields) {
    EXPECT_LE(max_abs_diff(f32.*member, golden.io_tensors.get(name + "_f32")), 1e-5) << name << " f32 vs f32";
    EXPECT_LE(max_abs_diff(f32.*member, golden.io_tensors.get(name + "_f64")), 2e-6) << name << " f32 vs f64";
  }
  EXPECT_TRUE(at::allclose(f32.output, golden.io_tensors.get("output_f32"), 1e-4, 1e-5));

  module->to(at::kDouble);
  const EngramTrace f64 = module->forward_from_hashes(hidden.to(at::kDouble), hash_ids);
  for (const auto& [name, member] : fields) {
    EXPECT_EQ((f64.*member).scalar_type(), at::kDouble);
    EXPECT_LE(max_abs_diff(f64.*member, golden.io_tensors.get(name + "_f64")), 1e-12) << name << " f64";
  }
  // The end-to-end path (raw ids in, hashing inside) gives the same output.
  EXPECT_LE(max_abs_diff(module->forward(hidden.to(at::kDouble), ids), golden.io_tensors.get("output_f64")), 1e-12);

  // bfloat16 runs end to end; its error is bf16's, checked loosely against float64.
  module->to(at::kBFloat16);
  const EngramTrace bf16 = module->forward_from_hashes(hidden.to(at::kBFloat16), hash_ids);
  EXPECT_EQ(bf16.output.scalar_type(), at::kBFloat16);
  EXPECT_LE(max_abs_diff(bf16.output, golden.io_tensors.get("output_f64")), 0.1);
  EXPECT_EQ(module->multi_head_embedding->offsets.scalar_type(), at::kLong);

  if (at::hasCUDA()) {
    module->to(at::Device(at::kCUDA), at::kFloat);
    const EngramTrace cuda = module->forward_from_hashes(hidden.cuda(), hash_ids.cuda());
    EXPECT_LE(max_abs_diff(cuda.output.cpu(), golden.io_tensors.get("output_f64")), 2e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(HyperConnections, GoldenForwardTest, ::testing::Values("forward_hc4", "forward_hc1"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GoldenForward, ZeroGateScoreGivesExactlyOneHalf) {
  ENGRAM_REQUIRE_SHARED(testing::golden_dir() / "forward_hc4_io.safetensors");
  GoldenForward golden = load_case("forward_hc4");
  Engram module(golden.config, golden.mapping, 2);
  load_state_dict(*module, golden.weights.tensors, "forward_hc4");
  at::NoGradGuard no_grad;
  const EngramTrace trace = module->forward_from_hashes(golden.io_tensors.get("hidden_states"),
                                                        golden.io_tensors.get("hash_ids"));
  EXPECT_EQ(trace.gates.index({1, 5, 0, 0}).item<float>(), 0.5f);
}

TEST(GoldenForward, ParameterNamesAreTheReferenceStateDict) {
  ENGRAM_REQUIRE_SHARED(testing::golden_dir() / "forward_hc4_weights.safetensors");
  for (const std::string name : {"forward_hc4", "forward_hc1"}) {
    GoldenForward golden = load_case(name);
    Engram module(golden.config, golden.mapping, 2);
    std::set<std::string> ours, theirs;
    for (const auto& p : module->named_parameters()) ours.insert(p.key());
    for (const auto& b : module->named_buffers()) ours.insert(b.key());
    for (const auto& [key, tensor] : golden.weights.tensors) theirs.insert(key);
    EXPECT_EQ(ours, theirs) << name;
  }
}

TEST(EngramModule, ZeroInitialisedConvMakesTheShortConvAnIdentityPath) {
  EngramConfig config;
  config.hash.engram_vocab_size = {5000, 5000};
  config.hash.n_head_per_ngram = 4;
  config.hash.layer_ids = {1};
  config.n_embed_per_ngram = 16;
  config.hidden_size = 24;
  config.hc_mult = 2;
  auto mapping = std::make_shared<NgramHashMapping>(config.hash, std::vector<int64_t>{0, 1, 2, 1, 0, 3});
  Engram module(config, mapping, 1);
  at::NoGradGuard no_grad;
  const at::Tensor ids = at::randint(0, 6, {2, 9}, at::kLong);
  const EngramTrace trace = module->forward_from_hashes(at::randn({2, 9, 2, 24}), hash_ngrams(*mapping, ids, 1));
  EXPECT_TRUE(at::equal(trace.short_conv_out, at::zeros_like(trace.short_conv_out)));
  EXPECT_TRUE(at::equal(trace.output, trace.value));
}

TEST(EngramModule, StateDictErrorsNameTheTensor) {
  ENGRAM_REQUIRE_SHARED(testing::golden_dir() / "forward_hc4_weights.safetensors");
  GoldenForward golden = load_case("forward_hc4");
  Engram module(golden.config, golden.mapping, 2);
  auto tensors = golden.weights.tensors;
  tensors.erase(tensors.begin() + 3);
  try {
    load_state_dict(*module, tensors, "w.safetensors");
    FAIL() << "missing tensor accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Missing"), std::string::npos) << e.what();
  }
  tensors = golden.weights.tensors;
  tensors[2].second = at::zeros({3, 3});
  try {
    load_state_dict(*module, tensors, "w.safetensors");
    FAIL() << "wrong shape accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(tensors[2].first), std::string::npos) << e.what();
  }
  // hc 4 weights do not fit the hc 1 module.
  GoldenForward hc1 = load_case("forward_hc1");
  Engram small(hc1.config, hc1.mapping, 2);
  EXPECT_THROW(load_state_dict(*small, golden.weights.tensors, "w.safetensors"), std::runtime_error);
}

}  // namespace
}  // namespace engram
