// Tables created where they live: a model whose Engram tables are in the host or disk tier holds no
// table tensor (its parameters and buffers are the backbone's alone), its tables are filled straight
// from the seeded initial values (into host memory, or streamed into a table file) or from a
// checkpoint's safetensors, and its logits equal those of the same preset and seed with the tables
// in the module (the device tier).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "engram/engram_tables.h"
#include "engram/table_init.h"
#include "harness/engram_speed.h"
#include "harness/io/hf_config.h"
#include "harness/io/safetensors.h"
#include "harness/model/checkpoint_model.h"
#include "harness/speed/speed_model.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

model::CausalLM tiny_engram(bool tables_in_module, uint64_t seed) {
  model::ModelConfig config = model::find_preset("tiny-engram").config;
  config.engram->table_in_module = tables_in_module;
  auto hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, harness::synthetic_lookup_table());
  model::CausalLM lm(config, hashing);
  lm->init_weights(seed);
  lm->eval();
  return lm;
}

struct WeightCensus {
  int64_t bytes = 0;
  std::vector<std::vector<int64_t>> shapes;
};

WeightCensus census(const torch::nn::Module& module) {
  WeightCensus out;
  std::vector<at::Tensor> tensors = module.parameters(true);
  for (const auto& buffer : module.buffers(true)) tensors.push_back(buffer);
  for (const auto& tensor : tensors) {
    out.bytes += tensor.numel() * static_cast<int64_t>(tensor.element_size());
    out.shapes.push_back(tensor.sizes().vec());
  }
  return out;
}

class TablePlacement : public ::testing::Test {
 protected:
  static constexpr uint64_t kSeed = 23;
  void SetUp() override {
    on_device_ = tiny_engram(true, kSeed);
    const int64_t vocab = on_device_->config().vocab_size;
    prompt_ = at::randint(0, std::min<int64_t>(vocab, 98989), {2, 12}, at::kLong);
    torch::NoGradGuard no_grad;
    want_ = on_device_->forward(prompt_);
  }
  std::string table_path() const {
    return (fs::temp_directory_path() / ("engram_placement_" + std::to_string(::getpid()) + ".engram")).string();
  }
  model::CausalLM on_device_{nullptr};
  at::Tensor prompt_, want_;
};

TEST_F(TablePlacement, ModuleWithoutTablesHoldsTheBackboneAlone) {
  model::CausalLM offloaded = tiny_engram(false, kSeed);
  const std::vector<Engram> layers = offloaded->engram_layers();
  ASSERT_EQ(layers.size(), 2u);
  const int64_t table_bytes = engram_table_bytes(on_device_->engram_layers());
  EXPECT_EQ(engram_table_bytes(layers), table_bytes);
  EXPECT_GT(table_bytes, 0);
  const WeightCensus with_tables = census(*on_device_), without = census(*offloaded);
  EXPECT_EQ(without.bytes, with_tables.bytes - table_bytes);
  for (const Engram& layer : layers) {
    EXPECT_FALSE(layer->multi_head_embedding->holds_table());
    const std::vector<int64_t> table_shape{layer->multi_head_embedding->table_rows(), layer->multi_head_embedding->head_dim()};
    EXPECT_EQ(std::count(without.shapes.begin(), without.shapes.end(), table_shape), 0)
        << "a tensor shaped like layer " << layer->layer_id() << "'s table is still in the module";
    EXPECT_EQ(std::count(with_tables.shapes.begin(), with_tables.shapes.end(), table_shape), 1);  // the check can fail
  }
  for (const auto& item : offloaded->named_parameters(true)) {
    EXPECT_EQ(item.key().find("multi_head_embedding.embedding"), std::string::npos) << item.key();
  }
  // Without a store the module says where its table went instead of failing somewhere deeper.
  torch::NoGradGuard no_grad;
  try {
    offloaded->forward(prompt_);
    FAIL() << "a model without its tables ran with no store attached";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("attach the store"), std::string::npos) << e.what();
  }
}

TEST_F(TablePlacement, HostAndDiskTablesFromTheSeedGiveTheDeviceTiersLogits) {
  model::CausalLM offloaded = tiny_engram(false, kSeed);
  const std::vector<Engram> layers = offloaded->engram_layers();
  const TableRowSource seeded = initial_rows(kSeed, offloaded->config().initializer_range);
  torch::NoGradGuard no_grad;

  offloaded->attach_engram_tables(make_host_table_store(layers, {}, seeded));
  EXPECT_TRUE(at::equal(offloaded->forward(prompt_), want_)) << "host tier";

  const std::string path = table_path();
  stream_table_file(path, table_layouts(layers), at::kFloat, seeded, /*chunk_rows=*/1000);
  const auto file = TableFile::open(path, /*verify_rows=*/true);  // every chunk checksum holds
  TableStoreOptions options;
  options.cache_rows = 128;
  options.fetch_threads = 2;
  offloaded->attach_engram_tables(make_disk_table_store(file, layers, options));
  EXPECT_TRUE(at::equal(offloaded->forward(prompt_), want_)) << "disk tier";
  // The file holds exactly the rows the device tier's weights hold.
  for (const Engram& layer : on_device_->engram_layers()) {
    const at::Tensor weight = layer->multi_head_embedding->embedding->weight.contiguous();
    EXPECT_EQ(0, std::memcmp(file->rows(layer->layer_id()), weight.data_ptr(), weight.nbytes())) << layer->layer_id();
  }
  offloaded->attach_engram_tables(nullptr);
  fs::remove(path);
}

TEST_F(TablePlacement, InitialRowsDoNotDependOnHowATableIsSplit) {
  at::Tensor whole = at::empty({3 * kInitBlockRows + 17, 5});
  fill_initial_rows(whole, 9, 2, 0, 0.02);
  at::Tensor tail = at::empty({kInitBlockRows + 17, 5});
  fill_initial_rows(tail, 9, 2, 2 * kInitBlockRows, 0.02);
  EXPECT_TRUE(at::equal(whole.narrow(0, 2 * kInitBlockRows, kInitBlockRows + 17), tail));
  at::Tensor other_layer = at::empty({kInitBlockRows + 17, 5});
  fill_initial_rows(other_layer, 9, 3, 2 * kInitBlockRows, 0.02);
  EXPECT_FALSE(at::equal(other_layer, tail));
  EXPECT_NEAR(whole.std().item<double>(), 0.02, 0.001);
  EXPECT_THROW(fill_initial_rows(tail, 9, 2, 5, 0.02), std::invalid_argument);
}

// A checkpoint's tables stream from its safetensors into the store; the module never holds them.
TEST_F(TablePlacement, CheckpointTablesStreamIntoTheStore) {
  const fs::path dir = fs::temp_directory_path() / ("engram_placement_ckpt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << io::to_hf_json(on_device_->config()).dump();
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : on_device_->named_parameters(true)) tensors.emplace_back(item.key(), item.value().detach());
  for (const auto& item : on_device_->named_buffers(true)) tensors.emplace_back(item.key(), item.value());
  io::write_safetensors((dir / "model.safetensors").string(), tensors);

  harness::CheckpointModel loaded = harness::load_causal_lm(dir.string(), harness::synthetic_lookup_table(), false);
  EXPECT_EQ(loaded.engram_tables.size(), 2u);
  EXPECT_EQ(census(*loaded.model).bytes, census(*on_device_).bytes - engram_table_bytes(on_device_->engram_layers()));
  harness::speed::EngramTablePlacement placement;
  placement.tier = "host";
  const auto placed = harness::speed::place_engram_tables(loaded.model, placement,
                                                          harness::speed::checkpoint_rows(loaded.engram_tables));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(at::equal(loaded.model->forward(prompt_), want_));
  fs::remove_all(dir);
}

TEST(SpeedModelTables, HostAndDiskTierSpeedModelsKeepTablesOutOfTheModule) {
  for (const std::string tier : {"host", "disk"}) {
    harness::speed::EngramTablePlacement placement;
    placement.tier = tier;
    const harness::speed::SpeedModel built =
        harness::speed::build_speed_model("tiny-dense+engram=2M", "float32", "cpu", 4, std::nullopt, placement);
    ASSERT_TRUE(built.tables) << tier;
    EXPECT_EQ(built.tables->tier, tier);
    EXPECT_GE(built.tables->table_parameters, 2000000) << tier;
    EXPECT_EQ(census(*built.model).bytes + built.tables->table_bytes,
              census(*harness::speed::build_speed_model("tiny-dense+engram=2M", "float32", "cpu", 4, std::nullopt).model).bytes)
        << tier;
    if (tier == "disk") {
      EXPECT_TRUE(built.tables->temporary_file);
      EXPECT_TRUE(fs::exists(built.tables->path));
    }
  }
}

}  // namespace
}  // namespace engram
