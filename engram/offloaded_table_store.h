#pragma once
// The fetch pipeline the host and disk tiers share. Each layer's rows sit in host-addressable memory
// (pinned host memory, or a file mapping whose pages fault in from storage). A prefetch becomes a
// job on a background coordinator thread that
//   1. turns hash ids into table rows, keeps the distinct ones, and looks them up in the hot-row cache;
//   2. copies the rows that missed into a staging buffer (split over fetch_threads threads, so the
//      disk tier faults pages in parallel);
//   3. on CUDA, copies the staging buffer to the device on a side stream and waits for the copy,
//      so that "done" means the rows are on the device.
// gather() waits for the job (the stall), assembles cached and fetched rows and expands them back
// to every lookup with index_select, which moves bits, never rounds: outputs equal the device tier's.
// On a CPU-only machine steps 1-2 run exactly as on a GPU machine (a worker thread and a staging
// copy); only step 3 is skipped because host memory is the compute memory.

#include <memory>
#include <string>
#include <vector>

#include "engram/table_file.h"
#include "engram/table_store.h"

namespace engram {

// One Engram layer's rows in host-addressable memory, row-major, layout.dim elements per row.
struct HostRows {
  TableLayout layout;
  const uint8_t* data = nullptr;
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
