#pragma once
// The bridge between Engram modules and table tiers: what shape their tables have, where their rows
// come from (the modules' own weights, the seeded initial values, a checkpoint), and building the
// host tier or a table file for the disk tier from such a source, block by block, so that a table
// larger than memory streams into its file with bounded RAM.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engram/engram_module.h"
#include "engram/table_file.h"
#include "engram/table_store.h"

namespace engram {

// Throws std::invalid_argument for dtypes a table file cannot hold.
TableDtype table_dtype_of(c10::ScalarType dtype);
c10::ScalarType scalar_type_of(TableDtype dtype);

// Each layer's multi_head_embedding table: its layer id, rows, dim and per-head row offsets
// (whether the module holds the table or a store does).
std::vector<TableLayout> table_layouts(const std::vector<Engram>& layers);
// The dtype the layers compute their rows in; throws when they disagree or there are no layers.
c10::ScalarType engram_table_dtype(const std::vector<Engram>& layers, const std::string& context);
// Bytes of every layer's table in that dtype: what a host or disk tier keeps off the device.
int64_t engram_table_bytes(const std::vector<Engram>& layers);

// Fills `block` ([n, dim], CPU, the table dtype) with rows [first_row, first_row + n) of the table
// `layout` describes. Builders ask for blocks of kInitBlockRows rows (the last one shorter), possibly
// from several threads at once.
using TableRowSource = std::function<void(const TableLayout& layout, int64_t first_row, at::Tensor& block)>;
// The rows of modules that hold their tables.
TableRowSource module_rows(const std::vector<Engram>& layers);
// engram/table_init.h's seeded values: the rows CausalLM::init_weights(seed) gives a module's table.
TableRowSource initial_rows(uint64_t seed, double std);

// Streams every layer's rows from `source` into a table file at `path` (a temporary file renamed
// into place), one block in memory at a time.
void stream_table_file(const std::string& path, const std::vector<TableLayout>& layouts, c10::ScalarType dtype,
                       const TableRowSource& source, int64_t chunk_rows = kDefaultChunkRows);
// The modules' own tables, in their current dtype.
void export_engram_tables(const std::string& path, const std::vector<Engram>& layers,
                          int64_t chunk_rows = kDefaultChunkRows);

// Host tier: the layers' tables in host memory (pinned when options.device is CUDA), filled from
// `source`; without one, copied from the modules' own weights.
std::shared_ptr<TableStore> make_host_table_store(const std::vector<Engram>& layers, const TableStoreOptions& options,
                                                  const TableRowSource& source = {});

// Disk tier over an opened table file, read with pread; throws naming the file and field when its
// tables do not match the layers' (dtype, layer ids, rows, dim, head offsets).
std::shared_ptr<TableStore> make_disk_table_store(std::shared_ptr<const TableFile> file,
                                                  const std::vector<Engram>& layers, const TableStoreOptions& options);

// Points every layer's multi_head_embedding at `store`; null restores the modules' own weights.
void attach_table_store(const std::vector<Engram>& layers, const std::shared_ptr<TableStore>& store);

}  // namespace engram
