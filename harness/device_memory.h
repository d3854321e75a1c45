#pragma once
// What the device can give and what a run took: the free-memory budget for batch size `auto`, and the
// peak memory of a measured stretch. Devices are named as LibTorch names them ("cpu", "cuda",
// "cuda:1"); no LibTorch types here.
//
// CUDA figures come from LibTorch's caching allocator (free device memory, max allocated bytes).
// CPU figures come from /proc: MemAvailable for the budget, and the process's peak resident set
// (VmHWM, reset through /proc/self/clear_refs) minus its resident set at the start for the peak.

#include <cstdint>
#include <optional>
#include <string>

namespace engram::harness {

struct MemoryBudget {
  int64_t bytes = 0;
  std::string source;  // e.g. "MemAvailable 21.3 GiB x 0.8", "--memory-budget"
};

// The budget for a memory plan: override_bytes when given, else the device's free memory times
// fraction (0 < fraction <= 1). Throws std::invalid_argument naming /proc/meminfo or the device.
MemoryBudget memory_budget(const std::string& device, double fraction, std::optional<int64_t> override_bytes);

// MemAvailable from /proc/meminfo, in bytes.
int64_t cpu_available_bytes();

// Waits for the device's queued work (a no-op on the CPU), so that a clock read after it is honest.
void synchronize_device(const std::string& device);

// Peak memory over a stretch of work: start() resets the counters, peak_bytes() reads them.
class PeakMemoryTracker {
 public:
  explicit PeakMemoryTracker(std::string device);
  void start();
  int64_t peak_bytes() const;
  // "cuda_max_allocated" (bytes the caching allocator handed out, at most), or "cpu_peak_rss_delta"
  // (peak resident set minus the resident set at start); "cpu_peak_rss_since_process_start_delta"
  // when the kernel refused to reset the peak.
  const std::string& kind() const { return kind_; }

 private:
  std::string device_;
  std::string kind_;
  int64_t baseline_bytes_ = 0;
};

}  // namespace engram::harness
