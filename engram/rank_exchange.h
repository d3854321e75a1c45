#pragma once
// The all-to-all exchanges that spread one model over several processes (expert parallelism and the
// sharded Engram table), on a c10d backend from LibTorch (Gloo on CPU, NCCL on GPU): counts first,
// so every rank knows how many rows it will receive, then the rows. Every rank must make the same
// exchanges in the same order, which is what running the same layers in lockstep gives.
// Each exchange is timed under a label (the layer and what moved), for `speed`'s per-layer report.

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/util/intrusive_ptr.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace c10d {
class Backend;
class Work;
}

namespace engram {

struct ExchangeTiming {
  int64_t calls = 0;
  double seconds = 0;     // wall time from issuing the all-to-all to its completion, counts exchange included
  int64_t bytes_sent = 0;  // rows this rank sent to other ranks (its own share is not counted)
};

class RankExchange {
 public:
  // Waits for an issued all-to-all; the launcher's may turn a dead peer into an error naming it.
  using Wait = std::function<void(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what)>;
  // `device`: where the backend's tensors must live (CPU for Gloo, the rank's GPU for NCCL); rows
  // are exchanged where they are given. Without `wait`, the backend's own Work::wait.
  explicit RankExchange(c10::intrusive_ptr<c10d::Backend> backend, c10::Device device = c10::Device(c10::kCPU),
                        Wait wait = {});
  ~RankExchange();
  RankExchange(const RankExchange&) = delete;
  RankExchange& operator=(const RankExchange&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  const c10::Device& device() const { return device_; }

  // send_counts[r * per_rank + j]: how many of something this rank sends to rank r for slot j;
  // returns recv[s * per_rank + j]: how many rank s sends here for slot j.
  std::vector<int64_t> exchange_counts(const std::vector<int64_t>& send_counts, int64_t per_rank,
                                       const std::string& label);
  // rows [sum(send_counts), ...] grouped by destination rank (send_counts[r] rows for rank r) ->
  // the rows every rank sent here, grouped by source rank (recv_counts[s] rows from rank s).
  at::Tensor exchange_rows(const at::Tensor& rows, const std::vector<int64_t>& send_counts,
                           const std::vector<int64_t>& recv_counts, const std::string& label);

  // Per label, in label order.
  std::map<std::string, ExchangeTiming> timings() const;
  void reset_timings();

 private:
  void record(const std::string& label, double seconds, int64_t bytes_sent);

  c10::intrusive_ptr<c10d::Backend> backend_;
  c10::Device device_;
  Wait wait_;
  int rank_ = 0;
  int world_size_ = 1;
  mutable std::mutex mutex_;
  std::map<std::string, ExchangeTiming> timings_;
};

// Rows per rank when `rows` are split into world_size contiguous ranges (the last one shorter).
int64_t rows_per_rank(int64_t rows, int world_size);

}  // namespace engram
