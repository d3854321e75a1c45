#include "baselines/nn/kv_cache.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace engram::model {
namespace {

at::Tensor repeat_first_dim(const at::Tensor& t, int64_t rows) {
  if (!t.defined()) return t;
  if (t.size(0) != 1) {
    throw std::invalid_argument("repeat_rows: the cache must hold one row, got " + std::to_string(t.size(0)));
  }
  std::vector<int64_t> sizes = t.sizes().vec();
  sizes[0] = rows;
  return t.expand(sizes);
}

at::Tensor append_dense(const at::Tensor& cached, const at::Tensor& fresh, int64_t time_dim) {
  return cached.defined() ? at::cat({cached, fresh}, time_dim) : fresh;
}

// Writes `fresh` (time along time_dim) into the pool at the step's write slots; the pool is created
// on first use, one row per slot. Returns a token's entry shape.
std::vector<int64_t> write_paged(at::Tensor& pool, const at::Tensor& fresh, int64_t time_dim, const PagedStep& step) {
  const int64_t batch = fresh.size(0), length = fresh.size(time_dim);
  const at::Tensor per_token = fresh.movedim(time_dim, 1).reshape({batch * length, -1});
  std::vector<int64_t> token_shape = fresh.movedim(time_dim, 1).sizes().slice(2).vec();
  if (!pool.defined()) {
    std::vector<int64_t> pool_shape{step.slots};
    pool_shape.insert(pool_shape.end(), token_shape.begin(), token_shape.end());
    pool = at::empty(pool_shape, fresh.options());
  }
  pool.view({step.slots, -1}).index_copy_(0, step.write_slots.reshape({-1}), per_token);
  return token_shape;
}

// write_paged, then each row's read slots read back in fresh's layout.
at::Tensor append_paged(at::Tensor& pool, const at::Tensor& fresh, int64_t time_dim, const PagedStep& step) {
  const int64_t batch = fresh.size(0);
  const std::vector<int64_t> token_shape = write_paged(pool, fresh, time_dim, step);
  const int64_t keys = step.read_slots.size(1);
  std::vector<int64_t> read_shape{batch, keys};
  read_shape.insert(read_shape.end(), token_shape.begin(), token_shape.end());
  return pool.index_select(0, step.read_slots.reshape({-1})).view(read_shape).movedim(1, time_dim);
}

at::Tensor read_shared(const at::Tensor& pool, const at::Tensor& slots, int64_t time_dim) {
  // [P, per-token dims...] -> one row with time at time_dim, as append_paged lays a row out.
  return pool.index_select(0, slots).unsqueeze(0).movedim(1, time_dim);
}

}  // namespace

std::vector<SharedEntries> AttentionCache::shared_prefixes(int64_t first_time_dim, int64_t second_time_dim) const {
  std::vector<SharedEntries> out;
  if (!step) return out;
  for (const PagedStep::SharedRows& range : step->shared) {
    SharedEntries entries{range.first_row, range.rows, {}, {}};
    if (range.slots.defined()) {
      entries.first = read_shared(first_pool, range.slots, first_time_dim);
      entries.second = read_shared(second_pool, range.slots, second_time_dim);
    }
    out.push_back(std::move(entries));
  }
  return out;
}

void AttentionCache::store_paged(const at::Tensor& first_new, int64_t first_time_dim, const at::Tensor& second_new,
                                 int64_t second_time_dim) {
  TORCH_CHECK(step, "AttentionCache::store_paged: the cache has no paged step");
  write_paged(first_pool, first_new, first_time_dim, *step);
  write_paged(second_pool, second_new, second_time_dim, *step);
}

std::pair<at::Tensor, at::Tensor> AttentionCache::append(const at::Tensor& first_new, int64_t first_time_dim,
                                                         const at::Tensor& second_new, int64_t second_time_dim) {
  if (step) {
    return {append_paged(first_pool, first_new, first_time_dim, *step),
            append_paged(second_pool, second_new, second_time_dim, *step)};
  }
  first = append_dense(first, first_new, first_time_dim);
  second = append_dense(second, second_new, second_time_dim);
  return {first, second};
}

KvCache repeat_rows(const KvCache& cache, int64_t rows) {
  KvCache out = cache;
  for (auto& layer : out.attention) {
    layer.first = repeat_first_dim(layer.first, rows);
    layer.second = repeat_first_dim(layer.second, rows);
  }
  for (auto& state : out.engram) {
    state.token_ids = repeat_first_dim(state.token_ids, rows);
    state.conv_input = repeat_first_dim(state.conv_input, rows);
  }
  return out;
}

}  // namespace engram::model
