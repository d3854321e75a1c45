// Engram table tiers: the host and disk tiers (with and without the hot-row cache) give exactly the
// device tier's rows and logits; a corrupt, short or mismatched table file is an error naming the
// file and the field; the fetch statistics add up. The CUDA cases run where a GPU is present.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "engram/engram_tables.h"
#include "engram/fetch_stats.h"
#include "engram/hash_tensor.h"
#include "engram/row_cache.h"
#include "engram/table_file.h"
#include "harness/engram_speed.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("engram_tiers_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of what `open` throws, or "" when it does not throw.
std::string open_error(const std::string& path, bool verify_rows = true) {
  try {
    TableFile::open(path, verify_rows);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// A two-layer float32 file with small odd shapes: 37 + 20 rows of dim 6, chunks of 8 rows.
struct SmallTables {
  std::vector<TableLayout> layouts{{3, 57, 6, {0, 37}}, {9, 30, 6, {0, 11, 19}}};
  std::vector<at::Tensor> data;
  explicit SmallTables(at::ScalarType dtype = at::kFloat) {
    for (const TableLayout& l : layouts) data.push_back(at::randn({l.rows, l.dim}).to(dtype));
  }
  void write(const std::string& path, TableDtype dtype = TableDtype::kFloat32) const {
    std::vector<const void*> pointers;
    for (const at::Tensor& t : data) pointers.push_back(t.data_ptr());
    write_table_file(path, dtype, layouts, pointers, /*chunk_rows=*/8);
  }
};

TEST(EngramTableFile, RoundTripsRowsAndLayout) {
  TempDir dir;
  SmallTables tables;
  tables.write(dir.file("t.engram"));
  const auto file = TableFile::open(dir.file("t.engram"));
  ASSERT_EQ(file->layers().size(), 2u);
  EXPECT_EQ(file->dtype(), TableDtype::kFloat32);
  EXPECT_EQ(file->chunk_rows(), 8);
  for (std::size_t i = 0; i < 2; ++i) {
    const TableLayout& l = tables.layouts[i];
    EXPECT_EQ(file->layer(l.layer_id).rows, l.rows);
    EXPECT_EQ(file->layer(l.layer_id).head_offsets, l.head_offsets);
    EXPECT_EQ(0, std::memcmp(file->rows(l.layer_id), tables.data[i].data_ptr(), tables.data[i].nbytes()));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(file->rows(l.layer_id)) % 4096, 0u);
  }
  EXPECT_NO_THROW(file->expect(TableDtype::kFloat32, tables.layouts));
  EXPECT_NO_THROW(file->drop_cached_pages());
  EXPECT_EQ(0, std::memcmp(file->rows(3), tables.data[0].data_ptr(), tables.data[0].nbytes()));  // re-read after the drop
  EXPECT_FALSE(fs::exists(dir.file("t.engram") + ".tmp." + std::to_string(::getpid())));
}

TEST(EngramTableFile, ChecksumDoesNotDependOnHowDataIsSplit) {
  std::vector<uint8_t> bytes(1000);
  std::iota(bytes.begin(), bytes.end(), 0);
  Checksum64 pieces;
  pieces.update(bytes.data(), 3);
  pieces.update(bytes.data() + 3, 500);
  pieces.update(bytes.data() + 503, 497);
  EXPECT_EQ(pieces.digest(), checksum64(bytes.data(), bytes.size()));
  bytes[700] ^= 1;
  EXPECT_NE(pieces.digest(), checksum64(bytes.data(), bytes.size()));
  EXPECT_NE(checksum64(bytes.data(), 999), checksum64(bytes.data(), 1000));
}

struct Corruption {
  std::string name;
  std::function<void(std::string&)> apply;
  std::string field;  // must appear in the message, with the path
};

TEST(EngramTableFile, CorruptOrShortFilesNameTheFileAndField) {
  TempDir dir;
  const std::string good_path = dir.file("good.engram");
  SmallTables().write(good_path);
  const std::string good = read_bytes(good_path);
  const auto put_u32 = [](std::string& b, std::size_t at, uint32_t v) { std::memcpy(&b[at], &v, 4); };
  const auto put_u64 = [](std::string& b, std::size_t at, uint64_t v) { std::memcpy(&b[at], &v, 8); };
  const std::vector<Corruption> cases = {
      {"empty", [](std::string& b) { b.clear(); }, "'magic'"},
      {"magic", [](std::string& b) { b[0] = 'X'; }, "'magic'"},
      {"version", [&](std::string& b) { put_u32(b, 8, 7); }, "'version'"},
      {"dtype", [&](std::string& b) { put_u32(b, 12, 42); }, "'dtype'"},
      {"layer_count", [&](std::string& b) { put_u32(b, 16, 0); }, "'layer_count'"},
      {"rows", [&](std::string& b) { put_u64(b, 40, 0); }, "'layers[0].rows'"},
      // A still-plausible head offset: only the header checksum can tell.
      {"offset", [&](std::string& b) { put_u64(b, 72, 36); }, "'header_checksum'"},
      {"head_offsets", [&](std::string& b) { put_u64(b, 72, 99); }, "'layers[0].head_offsets[1]'"},
      {"cut_in_header", [](std::string& b) { b.resize(70); }, "truncated"},
      {"cut_in_rows", [](std::string& b) { b.resize(b.size() - 5); }, "'layers[1].data'"},
      {"row_bytes", [](std::string& b) { b[4096 + 10 * 6 * 4 + 1] ^= 0x40; }, "'layers[0].chunk_checksums[1]'"},
  };
  for (const Corruption& c : cases) {
    std::string bytes = good;
    c.apply(bytes);
    const std::string path = dir.file(c.name + ".engram");
    write_bytes(path, bytes);
    const std::string message = open_error(path);
    EXPECT_NE(message.find(path), std::string::npos) << c.name << ": " << message;
    EXPECT_NE(message.find(c.field), std::string::npos) << c.name << ": " << message;
  }
  // Row corruption is found only when asked to verify the rows (a cold-read benchmark must not).
  std::string bytes = good;
  bytes[4096 + 3] ^= 1;
  write_bytes(dir.file("rows.engram"), bytes);
  EXPECT_EQ(open_error(dir.file("rows.engram"), /*verify_rows=*/false), "");
  EXPECT_NE(open_error(dir.file("missing.engram")).find("cannot open"), std::string::npos);
}

TEST(EngramTableFile, MismatchWithTheModelNamesTheField) {
  TempDir dir;
  const std::string path = dir.file("t.engram");
  SmallTables tables;
  tables.write(path);
  const auto file = TableFile::open(path);
  const auto error_for = [&](TableDtype dtype, std::vector<TableLayout> expected) {
    try {
      file->expect(dtype, expected);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const auto expect_field = [&](const std::string& message, const std::string& field) {
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(field), std::string::npos) << message;
  };
  expect_field(error_for(TableDtype::kBFloat16, tables.layouts), "'dtype'");
  auto rows = tables.layouts;
  rows[1].rows += 1;
  expect_field(error_for(TableDtype::kFloat32, rows), "'layer 9.rows'");
  auto dim = tables.layouts;
  dim[0].dim = 8;
  expect_field(error_for(TableDtype::kFloat32, dim), "'layer 3.dim'");
  auto offsets = tables.layouts;
  offsets[1].head_offsets[2] = 18;
  expect_field(error_for(TableDtype::kFloat32, offsets), "'layer 9.head_offsets[2]'");
  auto layer = tables.layouts;
  layer[0].layer_id = 4;
  expect_field(error_for(TableDtype::kFloat32, layer), "'layer_id'");
  expect_field(error_for(TableDtype::kFloat32, {tables.layouts[0]}), "'layer_count'");
}

TEST(EngramRowCache, ClockKeepsRowsInUseThisStepAndEvictsUnreferencedOnes) {
  ClockRowCache cache(2);
  cache.begin_step();
  EXPECT_EQ(cache.admit({10, 20}), (std::vector<int64_t>{0, 1}));
  cache.begin_step();
  EXPECT_EQ(cache.find(10), 0);
  EXPECT_EQ(cache.admit({30}), (std::vector<int64_t>{1}));  // 20 was not referenced again
  EXPECT_EQ(cache.find(20), -1);
  EXPECT_EQ(cache.admit({40}), (std::vector<int64_t>{-1}));  // both slots serve this step
  cache.begin_step();
  EXPECT_EQ(cache.admit({40}).front() >= 0, true);
  EXPECT_EQ(cache.size(), 2);
  EXPECT_THROW(ClockRowCache(-1), std::invalid_argument);
}

TEST(EngramFetchStats, PercentilesAndOverlap) {
  std::vector<double> samples(100);
  std::iota(samples.begin(), samples.end(), 1.0);
  EXPECT_EQ(percentile(samples, 0.5), 50.0);
  EXPECT_EQ(percentile(samples, 0.99), 99.0);
  EXPECT_EQ(percentile({}, 0.5), 0.0);
  FetchStep step;
  step.fetch_seconds = 2.0;
  step.stall_seconds = 0.5;
  EXPECT_DOUBLE_EQ(step_overlap(step), 0.75);
  FetchStatsRecorder recorder;
  recorder.record(5, step);
  step.stall_seconds = 2.0;
  recorder.record(5, step);
  const LayerFetchStats layer = recorder.snapshot().at(0);
  EXPECT_EQ(layer.steps, 2);
  EXPECT_DOUBLE_EQ(layer.overlap_fraction(), 1.0 - 2.5 / 4.0);
}

// ---- the tiny-engram model ------------------------------------------------------------------------

// The preset the speed verb runs (its random init is most of a test's time, so CPU tests share one).
model::CausalLM tiny_engram(uint64_t seed) {
  const model::ModelConfig& config = model::find_preset("tiny-engram").config;
  auto hashing = std::make_shared<const NgramHashMapping>(config.engram->hash, harness::synthetic_lookup_table());
  model::CausalLM lm(config, hashing);
  lm->init_weights(seed);
  lm->eval();
  return lm;
}

model::CausalLM shared_tiny_engram() {
  static model::CausalLM lm = tiny_engram(11);
  return lm;
}

struct TierCase {
  std::string name;
  TableTier tier;
  int64_t cache_rows;
  int fetch_threads;
};

// gtest prints the parameter in test listings and failures; without this, as raw bytes.
void PrintTo(const TierCase& c, std::ostream* out) {
  *out << c.name << " (cache " << c.cache_rows << " rows, " << c.fetch_threads << " fetch threads)";
}

std::vector<TierCase> tier_cases() {
  return {{"host", TableTier::kHost, 0, 1},
          {"host_cache", TableTier::kHost, 512, 1},
          {"disk", TableTier::kDisk, 0, 3},
          {"disk_cache", TableTier::kDisk, 512, 2}};
}

std::shared_ptr<TableStore> make_store(const TierCase& c, const std::vector<Engram>& layers, const std::string& path,
                                       c10::Device device) {
  TableStoreOptions options;
  options.device = device;
  options.cache_rows = c.cache_rows;
  options.fetch_threads = c.fetch_threads;
  if (c.tier == TableTier::kHost) return make_host_table_store(layers, options);
  export_engram_tables(path, layers, /*chunk_rows=*/1000);
  return make_disk_table_store(TableFile::open(path), layers, options);
}

// Checks the totals every store must satisfy, whatever the timing.
void expect_stats_add_up(const TableStoreStats& stats, const std::vector<Engram>& layers, int64_t steps) {
  ASSERT_EQ(stats.layers.size(), layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerFetchStats& l = stats.layers[i];
    EXPECT_EQ(l.layer_id, layers[i]->layer_id());
    EXPECT_EQ(l.steps, steps);
    EXPECT_EQ(l.rows_fetched + l.cache_hits, l.unique_rows);
    EXPECT_LE(l.unique_rows, l.lookups);
    const int64_t row_bytes = layers[i]->multi_head_embedding->head_dim() * 4;
    EXPECT_EQ(l.bytes_fetched, l.rows_fetched * row_bytes);
    EXPECT_GE(l.hit_rate(), 0.0);
    EXPECT_LE(l.hit_rate(), 1.0);
    EXPECT_GE(l.overlap_fraction(), 0.0);
    EXPECT_LE(l.overlap_fraction(), 1.0);
    EXPECT_LE(l.stall_seconds, l.fetch_seconds);
    EXPECT_LE(l.fetch.p50, l.fetch.p99);
    if (stats.cache_rows == 0) {
      EXPECT_EQ(l.cache_hits, 0);
    }
  }
  const LayerFetchStats total = stats.total();
  EXPECT_EQ(total.steps, steps * static_cast<int64_t>(layers.size()));
}

class EngramTiers : public ::testing::TestWithParam<TierCase> {
 protected:
  void run_tables_alone(c10::Device device) {
    TempDir dir;
    model::CausalLM lm = device.is_cpu() ? shared_tiny_engram() : tiny_engram(5);
    lm->to(device);
    const std::vector<Engram> layers = lm->engram_layers();
    ASSERT_EQ(layers.size(), 2u);
    auto store = make_store(GetParam(), layers, dir.file("tables.engram"), device);
    torch::NoGradGuard no_grad;
    const int64_t steps = 4;
    for (int64_t step = 0; step < steps; ++step) {
      for (Engram layer : layers) {
        const at::Tensor table_rows = layer->multi_head_embedding->offsets.to(at::kCPU);
        const int64_t heads = table_rows.size(0);
        const std::vector<int64_t>& sizes = layer->hashing().layer(layer->layer_id()).table_sizes;
        const int64_t smallest = *std::min_element(sizes.begin(), sizes.end());
        // Steps 1.. repeat ids of step 0 half the time, so the cache has something to hit.
        at::Tensor ids = at::randint(0, smallest, {2, 9, heads}, at::kLong);
        if (step > 0) ids.narrow(1, 0, 4).fill_(step % 2);
        const at::Tensor want = layer->multi_head_embedding->embedding->forward(ids.to(device) + layer->multi_head_embedding->offsets);
        // As the Engram module does: gather with the CPU tensor it prefetched.
        store->prefetch(layer->layer_id(), ids);
        const at::Tensor got = store->gather(layer->layer_id(), ids);
        ASSERT_TRUE(at::equal(got, want)) << GetParam().name << " step " << step;
      }
    }
    const TableStoreStats stats = store->stats();
    expect_stats_add_up(stats, layers, steps);
    EXPECT_EQ(stats.total().unprefetched_steps, 0);
    if (GetParam().cache_rows > 0) {
      EXPECT_GT(stats.total().cache_hits, 0);
    }
    run_mismatched_prefetch(*store, layers.front(), device);
  }

  // A prefetch for other ids of the same shape is never used for a gather (the rows would be wrong);
  // the gather fetches its own. A gather with no prefetch too; equal ids in another tensor match.
  void run_mismatched_prefetch(TableStore& store, Engram layer, c10::Device device) {
    store.reset_stats();
    const at::Tensor ids = at::randint(0, 50, {1, 3, layer->multi_head_embedding->offsets.size(0)}, at::kLong);
    const at::Tensor want = layer->multi_head_embedding->embedding->forward(ids.to(device) + layer->multi_head_embedding->offsets);
    store.prefetch(layer->layer_id(), ids + 1);
    EXPECT_TRUE(at::equal(store.gather(layer->layer_id(), ids), want)) << "prefetch ids+1, gather ids";
    EXPECT_EQ(store.stats().layers.at(0).unprefetched_steps, 1);
    EXPECT_TRUE(at::equal(store.gather(layer->layer_id(), ids), want)) << "gather without a prefetch";
    EXPECT_EQ(store.stats().layers.at(0).unprefetched_steps, 2);
    store.prefetch(layer->layer_id(), ids);
    EXPECT_TRUE(at::equal(store.gather(layer->layer_id(), ids.clone()), want)) << "equal ids, another tensor";
    const LayerFetchStats layer_stats = store.stats().layers.at(0);
    EXPECT_EQ(layer_stats.steps, 3);
    EXPECT_EQ(layer_stats.unprefetched_steps, 2);
  }

};

TEST_P(EngramTiers, TablesAloneEqualTheDeviceTier) { run_tables_alone(c10::Device(c10::kCPU)); }


// scripts/gpu-check.sh sets ENGRAM_REQUIRE_CUDA=1: there the CUDA cases must run, never skip.
TEST(CudaPresence, VisibleWhereTheGpuCheckRequiresIt) {
  const char* required = std::getenv("ENGRAM_REQUIRE_CUDA");
  if (required && std::string(required) == "1") {
    ASSERT_TRUE(torch::cuda::is_available()) << "ENGRAM_REQUIRE_CUDA=1 but LibTorch sees no CUDA device";
    ASSERT_TRUE(cuda_hash_kernel_compiled()) << "this build has no CUDA hashing kernel";
  }
}

TEST_P(EngramTiers, CudaTablesAloneEqualTheDeviceTier) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  run_tables_alone(c10::Device(c10::kCUDA, 0));
}


INSTANTIATE_TEST_SUITE_P(Tiers, EngramTiers, ::testing::ValuesIn(tier_cases()),
                         [](const auto& info) { return info.param.name; });

// Prefill, three cached decode steps and an uncached forward with the tables in every tier give the
// device tier's final hidden states bit for bit (the logits are a fixed function of them).
void run_whole_model(model::CausalLM lm, c10::Device device) {
  TempDir dir;
  lm->to(device);
  torch::NoGradGuard no_grad;
  const int64_t vocab = lm->config().vocab_size;
  const at::Tensor prompt = at::randint(0, vocab, {2, 8}, at::kLong);
  const at::Tensor next = at::randint(0, vocab, {2, 3}, at::kLong);
  const auto run = [&] {
    std::vector<at::Tensor> hidden;
    model::KvCache cache = lm->new_cache();
    hidden.push_back(lm->forward_hidden(prompt, &cache));
    for (int64_t t = 0; t < next.size(1); ++t) hidden.push_back(lm->forward_hidden(next.narrow(1, t, 1), &cache));
    hidden.push_back(lm->forward_hidden(prompt));
    return hidden;
  };
  const std::vector<at::Tensor> on_device = run();
  for (const TierCase& tier : tier_cases()) {
    auto store = make_store(tier, lm->engram_layers(), dir.file(tier.name + ".engram"), device);
    lm->attach_engram_tables(store);
    const std::vector<at::Tensor> offloaded = run();
    lm->attach_engram_tables(nullptr);
    ASSERT_EQ(offloaded.size(), on_device.size());
    for (std::size_t i = 0; i < offloaded.size(); ++i) {
      EXPECT_TRUE(at::equal(offloaded[i], on_device[i])) << tier.name << " forward " << i;
    }
    expect_stats_add_up(store->stats(), lm->engram_layers(), static_cast<int64_t>(offloaded.size()));
    // Every forward's gather found the prefetch its forward issued (matched by the ids' identity).
    EXPECT_EQ(store->stats().total().unprefetched_steps, 0) << tier.name;
  }
  EXPECT_TRUE(at::equal(run().back(), on_device.back()));  // detached: the device tier again
}

TEST(EngramTiersModel, WholeModelWithDecodingEqualsTheDeviceTierInEveryTier) {
  run_whole_model(shared_tiny_engram(), c10::Device(c10::kCPU));
}

TEST(EngramTiersModel, CudaWholeModelEqualsTheDeviceTierInEveryTier) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  run_whole_model(tiny_engram(11), c10::Device(c10::kCUDA, 0));
}

TEST(EngramTiersErrors, OutOfRangeIdsDtypeAndMismatchedFileAreClearErrors) {
  TempDir dir;
  model::CausalLM lm = tiny_engram(2);
  const std::vector<Engram> layers = lm->engram_layers();
  auto store = make_host_table_store(layers, {});
  const int64_t heads = layers[0]->multi_head_embedding->offsets.size(0);
  at::Tensor ids = at::zeros({1, 2, heads}, at::kLong);
  ids[0][1][heads - 1] = 1 << 30;
  try {
    store->gather(layers[0]->layer_id(), ids);
    FAIL() << "an out-of-range hash id was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("head " + std::to_string(heads - 1)), std::string::npos) << e.what();
  }
  EXPECT_THROW(store->gather(99, ids), std::out_of_range);

  const std::string path = dir.file("float.engram");
  export_engram_tables(path, layers);
  lm->to(at::kBFloat16);
  try {
    make_disk_table_store(TableFile::open(path), lm->engram_layers(), {});
    FAIL() << "a float32 table file was accepted for a bfloat16 model";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'dtype'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_table_tier("ssd"), std::invalid_argument);
  EXPECT_EQ(parse_table_tier("disk"), TableTier::kDisk);
}

}  // namespace
}  // namespace engram
