#pragma once
// Where a speed model's Engram tables live. In the host and disk tiers the model is built without
// them (no table is ever allocated on the device or as a module parameter) and a table store is
// filled straight from the tables' source: the seeded initial values for a preset, the checkpoint's
// rows for hf:DIR. The disk tier streams them into a table file block by block (bounded memory), so
// a table larger than the machine's memory works; the store then reads rows from the file with pread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "baselines/nn/causal_lm.h"
#include "engram/engram_tables.h"

namespace engram::harness::speed {

struct EngramTablePlacement {
  std::string tier = "device";  // device | host | disk
  int64_t cache_rows = 0;       // hot-row cache per Engram layer, on the compute device
  int fetch_threads = 4;
  // Disk tier: the table file. Empty: a temporary file, removed with the model. An existing file
  // whose dtype and layout match the model's is reused as it is (its rows are not drawn again).
  std::string table_path;
};

// A model's tables in the host or disk tier; removes a temporary table file when destroyed.
struct PlacedTables {
  std::string tier;
  int64_t cache_rows = 0;
  std::shared_ptr<TableStore> store;
  std::shared_ptr<const TableFile> file;  // disk tier
  std::string path;                       // disk tier: the table file
  bool temporary_file = false;
  bool reused_file = false;
  int64_t table_parameters = 0;
  int64_t table_bytes = 0;  // what the device does not hold
  double build_seconds = 0;  // filling host memory or writing the file
  PlacedTables() = default;
  PlacedTables(const PlacedTables&) = delete;
  PlacedTables& operator=(const PlacedTables&) = delete;
  ~PlacedTables();
};

// Builds the store for `model`'s Engram layers (built with tables_in_module false) from `source`
// and attaches it; the model's device and dtype decide where gathered rows go and how rows are stored.
std::shared_ptr<PlacedTables> place_engram_tables(model::CausalLM& model, const EngramTablePlacement& placement,
                                                  const TableRowSource& source);

// Rows of tables a checkpoint holds (harness/model/model_loader.h's LoadedModel::engram_tables).
TableRowSource checkpoint_rows(std::map<int64_t, at::Tensor> tables);

// Peak resident memory of this process so far (VmHWM), in bytes; 0 where /proc is missing.
int64_t peak_resident_bytes();

}  // namespace engram::harness::speed
