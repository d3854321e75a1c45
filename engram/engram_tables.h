#pragma once
// The bridge between Engram modules and table tiers: what shape their tables have, exporting them
// to a table file, and building the host or disk tier for them.

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

// Each layer's multi_head_embedding table: its layer id, rows, dim and per-head row offsets.
std::vector<TableLayout> table_layouts(const std::vector<Engram>& layers);

// Writes every layer's multi_head_embedding.embedding.weight, in its current dtype, to `path`
// (a temporary file renamed into place).
void export_engram_tables(const std::string& path, const std::vector<Engram>& layers,
                          int64_t chunk_rows = kDefaultChunkRows);

// Host tier: copies the layers' tables into host memory (pinned when options.device is CUDA).
std::shared_ptr<TableStore> make_host_table_store(const std::vector<Engram>& layers, const TableStoreOptions& options);

// Disk tier over an opened table file; throws naming the file and field when its tables do not
// match the layers' (dtype, layer ids, rows, dim, head offsets).
std::shared_ptr<TableStore> make_disk_table_store(std::shared_ptr<const TableFile> file,
                                                  const std::vector<Engram>& layers, const TableStoreOptions& options);

// Points every layer's multi_head_embedding at `store`; null restores the modules' own weights.
void attach_table_store(const std::vector<Engram>& layers, const std::shared_ptr<TableStore>& store);

}  // namespace engram
