#include "harness/speed/speed_model_tables.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace engram::harness::speed {
namespace {

namespace fs = std::filesystem;

std::string temporary_table_path() {
  return (fs::temp_directory_path() / ("engram_tables_" + std::to_string(::getpid()) + ".engram")).string();
}

// The disk tier's file: an existing one that fits the model, or a new one streamed from `source`.
void open_or_write_table_file(PlacedTables& placed, const std::vector<TableLayout>& layouts, c10::ScalarType dtype,
                              const TableRowSource& source) {
  if (!placed.temporary_file && fs::exists(placed.path)) {
    placed.file = TableFile::open(placed.path, /*verify_rows=*/false);  // verifying reads the whole table
    placed.file->expect(table_dtype_of(dtype), layouts);
    placed.reused_file = true;
    return;
  }
  stream_table_file(placed.path, layouts, dtype, source);
  placed.file = TableFile::open(placed.path, /*verify_rows=*/false);
  // Writing left the table in the page cache; the measurement should start from storage.
  placed.file->drop_cached_pages();
}

}  // namespace

PlacedTables::~PlacedTables() {
  store.reset();
  file.reset();
  if (temporary_file && !path.empty()) std::remove(path.c_str());
}

std::shared_ptr<PlacedTables> place_engram_tables(model::CausalLM& model, const EngramTablePlacement& placement,
                                                  const TableRowSource& source) {
  const TableTier tier = parse_table_tier(placement.tier);
  if (tier == TableTier::kDevice) throw std::invalid_argument("place_engram_tables: the device tier needs no store");
  const std::vector<Engram> layers = model->engram_layers();
  const c10::ScalarType dtype = engram_table_dtype(layers, "--engram-table " + placement.tier);
  for (const Engram& layer : layers) {
    if (layer->multi_head_embedding->holds_table()) {
      throw std::invalid_argument("--engram-table " + placement.tier + ": Engram layer " +
                                  std::to_string(layer->layer_id()) + " was built holding its table");
    }
  }
  TableStoreOptions options;
  options.device = model->model->embed_tokens->weight.device();
  options.cache_rows = placement.cache_rows;
  options.fetch_threads = placement.fetch_threads;

  auto placed = std::make_shared<PlacedTables>();
  placed->tier = placement.tier;
  placed->cache_rows = placement.cache_rows;
  placed->table_bytes = engram_table_bytes(layers);
  placed->table_parameters = placed->table_bytes / static_cast<int64_t>(c10::elementSize(dtype));
  const auto started = std::chrono::steady_clock::now();
  if (tier == TableTier::kHost) {
    placed->store = make_host_table_store(layers, options, source);
  } else {
    placed->temporary_file = placement.table_path.empty();
    placed->path = placed->temporary_file ? temporary_table_path() : placement.table_path;
    open_or_write_table_file(*placed, table_layouts(layers), dtype, source);
    placed->store = make_disk_table_store(placed->file, layers, options);
  }
  placed->build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  model->attach_engram_tables(placed->store);
  return placed;
}

TableRowSource checkpoint_rows(std::map<int64_t, at::Tensor> tables) {
  return [tables = std::move(tables)](const TableLayout& layout, int64_t first_row, at::Tensor& block) {
    const auto it = tables.find(layout.layer_id);
    if (it == tables.end()) {
      throw std::invalid_argument("the checkpoint has no table for Engram layer " + std::to_string(layout.layer_id));
    }
    if (it->second.dim() != 2 || it->second.size(0) != layout.rows || it->second.size(1) != layout.dim) {
      throw std::invalid_argument("the checkpoint's Engram layer " + std::to_string(layout.layer_id) + " table is " +
                                  c10::str(it->second.sizes()) + ", the model expects [" + std::to_string(layout.rows) +
                                  ", " + std::to_string(layout.dim) + "]");
    }
    block.copy_(it->second.narrow(0, first_row, block.size(0)));
  };
}

int64_t peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // reported in kB
  }
  return 0;
}

}  // namespace engram::harness::speed
