// One rank of the sharded-model test (test_model_sharding.cc starts one per rank): builds a preset
// with seeded weights, runs this rank's own prompts through the whole single-process model, then
// shards experts and Engram tables over the Gloo group and runs them again, and writes both
// results to a JSON file for the test to compare.
//
// usage: model_sharding_worker PRESET STORE_FILE RANK WORLD OUT.json
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "baselines/nn/model_sharding.h"
#include "baselines/presets.h"
#include "harness/distributed/process_groups.h"

namespace {

using engram::model::CausalLM;

constexpr uint64_t kSeed = 7;
constexpr int64_t kNewTokens = 4;

CausalLM build_preset(const std::string& name) {
  const engram::model::ModelConfig config = engram::model::find_preset(name).config;
  std::shared_ptr<const engram::NgramHashMapping> hashing;
  if (config.engram) {
    // A stand-in compression (every third id merged with its neighbours): which ids collapse does
    // not matter here, only that both runs hash the same way.
    std::vector<int64_t> lookup(static_cast<size_t>(config.vocab_size));
    for (int64_t id = 0; id < config.vocab_size; ++id) lookup[static_cast<size_t>(id)] = id / 3;
    hashing = std::make_shared<const engram::NgramHashMapping>(config.engram->hash, lookup);
  }
  CausalLM model(config, hashing);
  model->init_weights(kSeed);
  model->eval();
  return model;
}

struct Run {
  at::Tensor logits;                           // the prompt's logits
  std::vector<std::vector<int64_t>> generated;  // greedy continuation, per row
};

Run run(CausalLM& model, const at::Tensor& prompt) {
  Run out;
  engram::model::KvCache cache = model->new_cache();
  at::Tensor logits = model->forward(prompt, &cache);
  out.logits = logits;
  out.generated.resize(static_cast<size_t>(prompt.size(0)));
  for (int64_t step = 0; step < kNewTokens; ++step) {
    const at::Tensor next = logits.select(1, -1).argmax(-1);
    for (int64_t row = 0; row < prompt.size(0); ++row) out.generated[static_cast<size_t>(row)].push_back(next[row].item<int64_t>());
    logits = model->forward(next.unsqueeze(1), &cache);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: model_sharding_worker PRESET STORE_FILE RANK WORLD OUT.json\n";
    return 2;
  }
  try {
    at::NoGradGuard no_grad;
    const std::string preset = argv[1];
    const int rank = std::stoi(argv[3]), world = std::stoi(argv[4]);
    at::set_num_threads(1);
    CausalLM model = build_preset(preset);
    const auto count_parameters = [&model] {
      int64_t count = 0;
      for (const at::Tensor& p : model->parameters()) count += p.numel();
      return count;
    };
    const int64_t parameters_before = count_parameters();
    // Each rank brings different prompts, of different shapes, as data-parallel ranks would.
    at::Generator generator = at::detail::createCPUGenerator(100 + static_cast<uint64_t>(rank));
    const at::Tensor prompt = at::randint(model->config().vocab_size, {rank == 0 ? 2 : 1, rank == 0 ? 11 : 6}, generator, at::kLong);
    const Run single = run(model, prompt);

    auto store = c10::make_intrusive<c10d::FileStore>(argv[2], world);
    const c10::intrusive_ptr<c10d::Backend> group =
        engram::distributed::make_gloo_group(store, rank, world, std::chrono::seconds(120));
    auto exchange = std::make_shared<engram::RankExchange>(group);
    const engram::model::ShardedParts parts = engram::model::shard_model(model, exchange);
    const Run sharded = run(model, prompt);

    int64_t exchanges = 0;
    for (const auto& [label, timing] : exchange->timings()) exchanges += timing.calls;
    const nlohmann::json result = {
        {"rank", rank},
        {"max_abs_diff", (single.logits - sharded.logits).abs().max().item<double>()},
        {"logits_shape", single.logits.sizes().vec()},
        {"single_tokens", single.generated},
        {"sharded_tokens", sharded.generated},
        {"moe_layers", parts.moe_layers},
        {"experts_per_rank", parts.experts_per_rank},
        {"engram_layers", parts.engram_layers},
        {"parameters_before_sharding", parameters_before},
        {"parameters_after_sharding", count_parameters()},
        {"exchanges", exchanges},
    };
    std::ofstream(argv[5]) << result.dump() << "\n";
    group->barrier()->wait();  // no rank tears its connections down while a peer still uses them
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rank " << argv[3] << ": " << e.what() << "\n";
    return 1;
  }
}
