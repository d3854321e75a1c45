#include "engram/table_init.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <string>

#include "engram/table_file.h"

namespace engram {
namespace {

// The table file's checksum mixes well enough to decorrelate neighbouring blocks' seeds.
uint64_t block_seed(uint64_t seed, int64_t layer_id, int64_t block) {
  const uint64_t key[3] = {seed, static_cast<uint64_t>(layer_id), static_cast<uint64_t>(block)};
  return checksum64(key, sizeof key);
}

}  // namespace

void fill_initial_rows(at::Tensor& rows, uint64_t seed, int64_t layer_id, int64_t first_row, double std) {
  if (rows.dim() != 2) throw std::invalid_argument("fill_initial_rows: rows must be [n, dim]");
  if (first_row % kInitBlockRows != 0) {
    throw std::invalid_argument("fill_initial_rows: first row " + std::to_string(first_row) + " is not a multiple of " +
                                std::to_string(kInitBlockRows));
  }
  const int64_t count = rows.size(0);
  for (int64_t begin = 0; begin < count; begin += kInitBlockRows) {
    const int64_t take = std::min(kInitBlockRows, count - begin);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(block_seed(seed, layer_id, (first_row + begin) / kInitBlockRows));
    at::Tensor values = at::empty({take, rows.size(1)}, at::kFloat);
    values.normal_(0.0, std, generator);
    rows.narrow(0, begin, take).copy_(values);
  }
}

}  // namespace engram
