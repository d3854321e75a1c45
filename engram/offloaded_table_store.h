#pragma once
// The fetch pipeline the host and disk tiers share. Each layer's rows sit in host memory (pinned
// when the compute device is a GPU) or in a table file read with pread, so the file's pages never
// count toward the process's resident memory. A prefetch becomes a job on a background coordinator
// thread that
//   1. turns hash ids into table rows, keeps the distinct ones, and looks them up in the hot-row cache;
//   2. copies the rows that missed into the layer's staging buffer (pinned on CUDA, reused step after
//      step; split over fetch_threads threads, so the disk tier reads in parallel);
//   3. on CUDA, copies the staging buffer to the device on one side stream and records an event; the
//      job waits on that event (never on the device), so "done" means the rows are on the device.
// gather() uses the pending fetch only when it was for the same hash ids (the same tensor, or equal
// ids on the CPU); otherwise it fetches now. It waits for the job (the stall), makes the compute
// stream wait on the copy's event, assembles cached and fetched rows and expands them back to every
// lookup with index_select, which moves bits, never rounds: outputs equal the device tier's.
// On a CPU-only machine steps 1-2 and the matching run exactly as on a GPU machine; only step 3 is
// skipped because host memory is the compute memory.

#include <memory>
#include <string>
#include <vector>

#include "engram/table_file.h"
#include "engram/table_store.h"

namespace engram {

// One Engram layer's rows, row-major, layout.dim elements per row: in memory at `data`, or (data
// null) in the open file `fd` from byte `file_offset`.
struct HostRows {
  TableLayout layout;
  const uint8_t* data = nullptr;
  int fd = -1;
  uint64_t file_offset = 0;
  std::string source;  // names the file in read errors
};

class OffloadedTableStore : public TableStore {
 public:
  // `owner` keeps the memory behind every HostRows alive for the store's lifetime.
  OffloadedTableStore(std::string tier, c10::ScalarType dtype, std::vector<HostRows> layers,
                      std::shared_ptr<const void> owner, TableStoreOptions options);
  ~OffloadedTableStore() override;  // waits for fetches still running

  void prefetch(int64_t layer_id, const at::Tensor& hash_ids) override;
  at::Tensor gather(int64_t layer_id, const at::Tensor& hash_ids) override;
  TableStoreStats stats() const override;
  void reset_stats() override;

  const TableStoreOptions& options() const;
  c10::ScalarType dtype() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace engram
