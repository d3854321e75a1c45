#pragma once
// The seeded random values of an Engram table, identical wherever the table is created: in the
// module's weight (device tier), in host memory or streamed into a table file. Rows are drawn in
// fixed blocks of kInitBlockRows, each block from its own generator seeded by (seed, layer id,
// block), so the values do not depend on how a writer splits the table or on any other parameter.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace engram {

inline constexpr int64_t kInitBlockRows = 4096;

// Fills `rows` ([n, dim], any dtype and device) with rows [first_row, first_row + n) of Engram layer
// layer_id's initial table: float32 N(0, std^2) draws, cast to the tensor's dtype. first_row must be
// a multiple of kInitBlockRows, and n a multiple too unless the range ends at the table's end (a
// block's draws depend on how many are drawn at once).
void fill_initial_rows(at::Tensor& rows, uint64_t seed, int64_t layer_id, int64_t first_row, double std);

}  // namespace engram
