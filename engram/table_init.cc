#include "engram/table_init.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <string>

namespace engram {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t block_seed(uint64_t seed, int64_t layer_id, int64_t block) {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(layer_id)) ^ static_cast<uint64_t>(block));
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
