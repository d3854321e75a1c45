#pragma once
// The Engram tables split across the ranks of a process group, so that together they can be as large
// as the cluster's memory: rank r holds rows [r * R / W, (r + 1) * R / W) of every layer's table
// (R rows, W ranks, the last range shorter). A lookup sends each distinct hashed row id to the rank
// that owns it and gets the row back, through two all-to-alls on RankExchange (ids out, rows back,
// each after a count exchange). Rows are copied, never recomputed, so the model's outputs equal a
// single process's.
//
// Every call that moves rows is a collective: all ranks must run the same Engram layers the same
// number of times (CausalLM's forwards in lockstep). prefetch() exchanges at once, for every layer
// before the first layer runs, and gather() then only returns the rows; a gather without a matching
// prefetch exchanges itself.

#include <memory>
#include <vector>

#include "engram/engram_tables.h"
#include "engram/rank_exchange.h"

namespace engram {

// This rank's share of every layer's table, filled from `source` (module_rows, initial_rows or a
// checkpoint's rows) and kept on `device`, where the exchanges run (CPU for Gloo, CUDA for NCCL).
// Gathered rows are moved to the layers' compute device.
std::shared_ptr<TableStore> make_sharded_table_store(const std::vector<Engram>& layers,
                                                     std::shared_ptr<RankExchange> exchange,
                                                     const TableRowSource& source, c10::Device device);

}  // namespace engram
