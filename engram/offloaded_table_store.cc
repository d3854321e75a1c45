#include "engram/offloaded_table_store.h"

#include <ATen/ATen.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>

#include "engram/row_cache.h"
#include "engram/worker_pool.h"

#ifdef ENGRAM_HAVE_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace engram {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

at::Tensor long_tensor(const std::vector<int64_t>& values) {
  at::Tensor out = at::empty({static_cast<int64_t>(values.size())}, at::kLong);
  std::copy(values.begin(), values.end(), out.data_ptr<int64_t>());
  return out;
}

// Reads `count` bytes at `offset` of a table file, retrying short reads.
void read_file_bytes(const HostRows& rows, uint64_t offset, std::size_t count, uint8_t* out) {
  while (count > 0) {
    const ssize_t n = ::pread(rows.fd, out, count, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw std::runtime_error(rows.source + ": reading Engram layer " + std::to_string(rows.layout.layer_id) +
                               " rows at byte " + std::to_string(offset) + " failed: " +
                               (n < 0 ? std::strerror(errno) : "unexpected end of file"));
    }
    out += n;
    offset += static_cast<uint64_t>(n);
    count -= static_cast<std::size_t>(n);
  }
}

// Grow-only buffers a layer's fetches reuse, so a step allocates nothing on the host (pinned memory
// is slow to allocate and register). One fetch per layer runs at a time, and on CUDA its copy has
// finished before the job ends, so the next fetch may overwrite them.
struct Staging {
  at::Tensor rows;     // [capacity, dim]
  at::Tensor inverse;  // [capacity] int64
  at::Tensor take_rows(int64_t count, int64_t dim, c10::ScalarType dtype, bool pinned) {
    if (!rows.defined() || rows.size(0) < count) {
      const int64_t capacity = std::max<int64_t>(count, rows.defined() ? 2 * rows.size(0) : 0);
      rows = at::empty({capacity, dim}, at::TensorOptions().dtype(dtype).pinned_memory(pinned));
    }
    return rows.narrow(0, 0, count);
  }
  at::Tensor take_inverse(int64_t count, bool pinned) {
    if (!inverse.defined() || inverse.size(0) < count) {
      const int64_t capacity = std::max<int64_t>(count, inverse.defined() ? 2 * inverse.size(0) : 0);
      inverse = at::empty({capacity}, at::TensorOptions().dtype(at::kLong).pinned_memory(pinned));
    }
    return inverse.narrow(0, 0, count);
  }
};

// One prefetch: filled in by the coordinator job, read by gather once `done` is ready.
struct Fetch {
  at::Tensor requested;  // the tensor prefetch was given (gather with the same tensor matches at once)
  at::Tensor hash_ids;   // CPU int64 [..., heads], as prefetched
  Clock::time_point issued;
  std::future<void> done;

  int64_t unique_rows = 0;
  at::Tensor inverse;  // [lookups] int64 on the compute device: lookup -> distinct row
  std::vector<int64_t> hit_positions, hit_slots;  // distinct-row positions served by the cache
  std::vector<int64_t> miss_positions, miss_rows;  // distinct-row positions and table rows fetched
  at::Tensor fetched;  // [misses, dim] on the compute device
  double fetch_seconds = 0;
#ifdef ENGRAM_HAVE_CUDA
  std::optional<at::cuda::CUDAEvent> copied;  // recorded on the side stream after the copies
#endif
};

struct LayerTable {
  HostRows rows;
  std::size_t row_bytes = 0;
  std::unique_ptr<ClockRowCache> cache;
  at::Tensor cache_storage;  // [cache_rows, dim] on the compute device
  Staging staging;
  std::shared_ptr<Fetch> pending;
};

}  // namespace

struct OffloadedTableStore::State {
  std::string tier;
  c10::ScalarType dtype;
  std::shared_ptr<const void> owner;
  TableStoreOptions options;
  std::map<int64_t, LayerTable> layers;
  FetchStatsRecorder recorder;
  // The coordinator runs one fetch at a time in prefetch order (the first Engram layer's rows are
  // needed first); copy threads help with step 2. Separate pools, so no job waits on its own pool.
#ifdef ENGRAM_HAVE_CUDA
  std::optional<c10::cuda::CUDAStream> copy_stream;
#endif
  std::unique_ptr<WorkerPool> copy_pool;
  WorkerPool coordinator{1};  // declared last: destroyed first, draining jobs that use the rest

  LayerTable& layer(int64_t layer_id) {
    const auto it = layers.find(layer_id);
    if (it == layers.end()) throw std::out_of_range(tier + " table store has no table for Engram layer " + std::to_string(layer_id));
    return it->second;
  }
  std::shared_ptr<Fetch> start(LayerTable& table, const at::Tensor& hash_ids);
  void run(LayerTable& table, Fetch& fetch);
  void plan(LayerTable& table, Fetch& fetch);
  void copy_rows(const LayerTable& table, const Fetch& fetch, at::Tensor& staging);
  void to_device(Fetch& fetch, const at::Tensor& staging);
  at::Tensor assemble(LayerTable& table, Fetch& fetch);
  void admit_to_cache(LayerTable& table, const Fetch& fetch);
};

std::shared_ptr<Fetch> OffloadedTableStore::State::start(LayerTable& table, const at::Tensor& hash_ids) {
  if (table.pending) {
    // Its job may still read the cache index and the staging buffers; let it finish first.
    table.pending->done.wait();
    table.pending.reset();
  }
  TORCH_CHECK(hash_ids.dim() >= 1 && hash_ids.size(-1) == static_cast<int64_t>(table.rows.layout.head_offsets.size()),
              tier, " table, Engram layer ", table.rows.layout.layer_id, ": hash ids must be [..., ",
              table.rows.layout.head_offsets.size(), "], got ", hash_ids.sizes());
  auto fetch = std::make_shared<Fetch>();
  fetch->requested = hash_ids;
  fetch->hash_ids = hash_ids.to(at::kCPU, at::kLong).contiguous();
  fetch->issued = Clock::now();
  // The job holds the fetch alive even if the caller abandons it.
  fetch->done = coordinator.submit([this, &table, fetch] { run(table, *fetch); });
  return fetch;
}

void OffloadedTableStore::State::plan(LayerTable& table, Fetch& fetch) {
  const TableLayout& layout = table.rows.layout;
  const int64_t heads = static_cast<int64_t>(layout.head_offsets.size());
  const int64_t lookups = fetch.hash_ids.numel();
  const int64_t* ids = fetch.hash_ids.data_ptr<int64_t>();
  std::vector<int64_t> rows(static_cast<std::size_t>(lookups));
  for (int64_t i = 0; i < lookups; ++i) {
    const int64_t head = i % heads;
    const int64_t head_rows = (head + 1 < heads ? layout.head_offsets[head + 1] : layout.rows) - layout.head_offsets[head];
    if (ids[i] < 0 || ids[i] >= head_rows) {
      throw std::out_of_range(tier + " table, Engram layer " + std::to_string(layout.layer_id) + ": hash id " +
                              std::to_string(ids[i]) + " of head " + std::to_string(head) + " is outside its " +
                              std::to_string(head_rows) + " rows");
    }
    rows[static_cast<std::size_t>(i)] = ids[i] + layout.head_offsets[head];
  }
  std::vector<int64_t> distinct = rows;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  fetch.unique_rows = static_cast<int64_t>(distinct.size());
  fetch.inverse = table.staging.take_inverse(lookups, options.device.is_cuda());
  int64_t* inverse_data = fetch.inverse.data_ptr<int64_t>();
  for (int64_t i = 0; i < lookups; ++i) {
    inverse_data[i] = std::lower_bound(distinct.begin(), distinct.end(), rows[static_cast<std::size_t>(i)]) - distinct.begin();
  }
  if (table.cache) table.cache->begin_step();
  for (std::size_t u = 0; u < distinct.size(); ++u) {
    const int64_t slot = table.cache ? table.cache->find(distinct[u]) : -1;
    if (slot >= 0) {
      fetch.hit_positions.push_back(static_cast<int64_t>(u));
      fetch.hit_slots.push_back(slot);
    } else {
      fetch.miss_positions.push_back(static_cast<int64_t>(u));
      fetch.miss_rows.push_back(distinct[u]);
    }
  }
}

void OffloadedTableStore::State::copy_rows(const LayerTable& table, const Fetch& fetch, at::Tensor& staging) {
  const int64_t misses = static_cast<int64_t>(fetch.miss_rows.size());
  auto* out = static_cast<uint8_t*>(staging.data_ptr());
  const auto copy_range = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      uint8_t* to = out + static_cast<std::size_t>(i) * table.row_bytes;
      const auto row = static_cast<std::size_t>(fetch.miss_rows[static_cast<std::size_t>(i)]);
      if (table.rows.data) {
        std::memcpy(to, table.rows.data + row * table.row_bytes, table.row_bytes);
      } else {
        read_file_bytes(table.rows, table.rows.file_offset + row * table.row_bytes, table.row_bytes, to);
      }
    }
  };
  const int64_t parts = copy_pool ? std::min<int64_t>(copy_pool->threads() + 1, misses) : 1;
  if (parts <= 1) {
    copy_range(0, misses);
    return;
  }
  std::vector<std::future<void>> helpers;
  const int64_t per_part = (misses + parts - 1) / parts;
  for (int64_t p = 1; p < parts; ++p) {
    const int64_t begin = std::min(misses, p * per_part), end = std::min(misses, (p + 1) * per_part);
    helpers.push_back(copy_pool->submit([&copy_range, begin, end] { copy_range(begin, end); }));
  }
  copy_range(0, std::min(misses, per_part));
  for (auto& helper : helpers) helper.get();
}

void OffloadedTableStore::State::to_device(Fetch& fetch, const at::Tensor& staging) {
#ifdef ENGRAM_HAVE_CUDA
  // The copies run on the side stream, so they overlap the compute stream's preceding layers. The
  // job waits on the event (this thread only): "done" then means the rows are on the device, and
  // the staging buffers are free for the layer's next fetch.
  c10::cuda::CUDAStreamGuard guard(*copy_stream);
  fetch.fetched = staging.to(options.device, /*non_blocking=*/true);
  fetch.inverse = fetch.inverse.to(options.device, /*non_blocking=*/true);
  fetch.copied.emplace();
  fetch.copied->record(*copy_stream);
  fetch.copied->synchronize();
#else
  (void)fetch, (void)staging;
  throw std::runtime_error(tier + " table store: this build has no CUDA support for device " + options.device.str());
#endif
}

void OffloadedTableStore::State::run(LayerTable& table, Fetch& fetch) {
  plan(table, fetch);
  const int64_t misses = static_cast<int64_t>(fetch.miss_rows.size());
  const bool to_gpu = options.device.is_cuda();
  at::Tensor staging = table.staging.take_rows(misses, table.rows.layout.dim, dtype, to_gpu);
  copy_rows(table, fetch, staging);
  if (to_gpu) {
    to_device(fetch, staging);
  } else {
    fetch.fetched = staging;  // host memory is the compute memory
  }
  fetch.fetch_seconds = seconds_between(fetch.issued, Clock::now());
}

OffloadedTableStore::OffloadedTableStore(std::string tier, c10::ScalarType dtype, std::vector<HostRows> layers,
                                         std::shared_ptr<const void> owner, TableStoreOptions options)
    : state_(std::make_unique<State>()) {
  state_->tier = std::move(tier);
  state_->dtype = dtype;
  state_->owner = std::move(owner);
  state_->options = options;
  if (options.cache_rows < 0) throw std::invalid_argument("cache_rows must be >= 0");
  if (options.fetch_threads < 1) throw std::invalid_argument("fetch_threads must be >= 1");
  if (options.fetch_threads > 1) state_->copy_pool = std::make_unique<WorkerPool>(options.fetch_threads - 1);
#ifdef ENGRAM_HAVE_CUDA
  if (options.device.is_cuda()) state_->copy_stream = c10::cuda::getStreamFromPool(false, options.device.index());
#endif
  for (HostRows& rows : layers) {
    LayerTable table;
    table.row_bytes = static_cast<std::size_t>(rows.layout.dim) * c10::elementSize(dtype);
    if (options.cache_rows > 0) {
      table.cache = std::make_unique<ClockRowCache>(options.cache_rows);
      table.cache_storage = at::empty({options.cache_rows, rows.layout.dim}, at::TensorOptions().dtype(dtype).device(options.device));
    }
    const int64_t layer_id = rows.layout.layer_id;
    table.rows = std::move(rows);
    state_->layers.emplace(layer_id, std::move(table));
  }
}

OffloadedTableStore::~OffloadedTableStore() {
  for (auto& [layer_id, table] : state_->layers) {
    if (table.pending) table.pending->done.wait();
  }
}

void OffloadedTableStore::prefetch(int64_t layer_id, const at::Tensor& hash_ids) {
  LayerTable& table = state_->layer(layer_id);
  table.pending = state_->start(table, hash_ids);
}

namespace {

// Whether `fetch` was for `hash_ids`: the same tensor, or equal ids compared on the CPU. One code path
// for every compute device; the Engram module passes the CPU tensor it prefetched, so on CUDA this
// neither copies nor synchronises.
bool fetched_for(const Fetch& fetch, const at::Tensor& hash_ids) {
  if (fetch.requested.is_same(hash_ids)) return true;
  const at::Tensor ids = hash_ids.to(at::kCPU, at::kLong);
  return ids.sizes() == fetch.hash_ids.sizes() && at::equal(ids, fetch.hash_ids);
}

}  // namespace

// The distinct rows of `fetch`, in order, on the compute device: cached ones and fetched ones.
at::Tensor OffloadedTableStore::State::assemble(LayerTable& table, Fetch& fetch) {
  if (fetch.hit_positions.empty()) return fetch.fetched;  // misses are every distinct row, in order
  const auto device_options = at::TensorOptions().dtype(at::kLong).device(options.device);
  at::Tensor distinct_rows =
      at::empty({fetch.unique_rows, table.rows.layout.dim}, at::TensorOptions().dtype(dtype).device(options.device));
  distinct_rows.index_copy_(0, long_tensor(fetch.hit_positions).to(device_options),
                            table.cache_storage.index_select(0, long_tensor(fetch.hit_slots).to(device_options)));
  if (!fetch.miss_positions.empty()) {
    distinct_rows.index_copy_(0, long_tensor(fetch.miss_positions).to(device_options), fetch.fetched);
  }
  return distinct_rows;
}

void OffloadedTableStore::State::admit_to_cache(LayerTable& table, const Fetch& fetch) {
  if (!table.cache || fetch.miss_rows.empty()) return;
  const std::vector<int64_t> slots = table.cache->admit(fetch.miss_rows);
  std::vector<int64_t> admitted, admitted_slots;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] < 0) continue;
    admitted.push_back(static_cast<int64_t>(i));
    admitted_slots.push_back(slots[i]);
  }
  if (admitted.empty()) return;
  const auto device_options = at::TensorOptions().dtype(at::kLong).device(options.device);
  table.cache_storage.index_copy_(0, long_tensor(admitted_slots).to(device_options),
                                  fetch.fetched.index_select(0, long_tensor(admitted).to(device_options)));
}

at::Tensor OffloadedTableStore::gather(int64_t layer_id, const at::Tensor& hash_ids) {
  LayerTable& table = state_->layer(layer_id);
  std::shared_ptr<Fetch> fetch = std::move(table.pending);
  const bool prefetched = fetch && fetched_for(*fetch, hash_ids);
  if (!prefetched) {
    if (fetch) fetch->done.wait();
    fetch = state_->start(table, hash_ids);
  }
  const Clock::time_point wait_start = Clock::now();
  fetch->done.get();  // rethrows what the job threw
  // A fetch started only now is stall from its start.
  const double stall = seconds_between(prefetched ? wait_start : fetch->issued, Clock::now());
#ifdef ENGRAM_HAVE_CUDA
  if (state_->options.device.is_cuda()) {
    // Made on the side stream, read on the compute stream: order the streams by the copy's event
    // (no host wait) and keep the allocator from reusing the tensors before the compute stream is done.
    const c10::cuda::CUDAStream compute = c10::cuda::getCurrentCUDAStream(state_->options.device.index());
    fetch->copied->block(compute);
    fetch->fetched.record_stream(compute);
    fetch->inverse.record_stream(compute);
  }
#endif
  const at::Tensor distinct_rows = state_->assemble(table, *fetch);
  state_->admit_to_cache(table, *fetch);
  std::vector<int64_t> shape = hash_ids.sizes().vec();
  shape.push_back(table.rows.layout.dim);
  at::Tensor out = distinct_rows.index_select(0, fetch->inverse).view(shape);

  FetchStep step;
  step.lookups = fetch->hash_ids.numel();
  step.unique_rows = fetch->unique_rows;
  step.cache_hits = static_cast<int64_t>(fetch->hit_positions.size());
  step.rows_fetched = static_cast<int64_t>(fetch->miss_rows.size());
  step.bytes_fetched = step.rows_fetched * static_cast<int64_t>(table.row_bytes);
  step.fetch_seconds = fetch->fetch_seconds;
  step.stall_seconds = std::min(stall, fetch->fetch_seconds);
  step.prefetched = prefetched;
  state_->recorder.record(layer_id, step);
  return out;
}

TableStoreStats OffloadedTableStore::stats() const {
  TableStoreStats out;
  out.tier = state_->tier;
  out.cache_rows = state_->options.cache_rows;
  out.layers = state_->recorder.snapshot();
  return out;
}

void OffloadedTableStore::reset_stats() { state_->recorder.clear(); }

const TableStoreOptions& OffloadedTableStore::options() const { return state_->options; }

c10::ScalarType OffloadedTableStore::dtype() const { return state_->dtype; }

}  // namespace engram
