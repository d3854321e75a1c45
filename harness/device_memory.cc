#include "harness/device_memory.h"

#include <ATen/DeviceAccelerator.h>
#include <c10/core/Device.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace engram::harness {
namespace {

// A "kB" field of a /proc file (e.g. MemAvailable in /proc/meminfo, VmHWM in /proc/self/status), in bytes.
int64_t read_proc_kb(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream values(line.substr(field.size() + 1));
    int64_t kb = -1;
    std::string unit;
    values >> kb >> unit;
    if (kb < 0 || unit != "kB") throw std::runtime_error(path + ": cannot parse the " + field + " line: " + line);
    return kb * 1024;
  }
  throw std::runtime_error(path + ": no " + field + " field");
}

c10::Device parse_device(const std::string& device) {
  try {
    return c10::Device(device);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown device '" + device + "' (expected cpu, cuda or cuda:N)");
  }
}

c10::DeviceIndex index_of(const c10::Device& device) { return device.has_index() ? device.index() : 0; }

}  // namespace

int64_t cpu_available_bytes() { return read_proc_kb("/proc/meminfo", "MemAvailable"); }

MemoryBudget memory_budget(const std::string& device, double fraction, std::optional<int64_t> override_bytes) {
  if (override_bytes) {
    if (*override_bytes <= 0) throw std::invalid_argument("--memory-budget must be a positive number of bytes");
    return {*override_bytes, "--memory-budget"};
  }
  if (!(fraction > 0.0 && fraction <= 1.0)) throw std::invalid_argument("memory fraction must be in (0, 1]");
  const c10::Device d = parse_device(device);
  int64_t free = 0;
  std::string what;
  if (d.is_cpu()) {
    free = cpu_available_bytes();
    what = "MemAvailable (/proc/meminfo)";
  } else if (d.is_cuda()) {
    free = static_cast<int64_t>(at::accelerator::getMemoryInfo(index_of(d)).first);
    what = "free CUDA memory on " + d.str();
  } else {
    throw std::invalid_argument("no memory budget for device " + device + " (pass --memory-budget)");
  }
  return {static_cast<int64_t>(static_cast<double>(free) * fraction),
          fmt::format("{} {:.2f} GiB x {}", what, static_cast<double>(free) / (1 << 30), fraction)};
}

void synchronize_device(const std::string& device) {
  const c10::Device d = parse_device(device);
  if (d.is_cuda()) at::accelerator::synchronizeDevice(index_of(d));
}

PeakMemoryTracker::PeakMemoryTracker(std::string device) : device_(std::move(device)) {
  kind_ = parse_device(device_).is_cuda() ? "cuda_max_allocated" : "cpu_peak_rss_delta";
}

void PeakMemoryTracker::start() {
  const c10::Device d = parse_device(device_);
  if (d.is_cuda()) {
    synchronize_device(device_);
    at::accelerator::resetPeakStats(index_of(d));
    return;
  }
  // Writing 5 resets the peak resident set to the current one (Linux 4.0+).
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  if (!clear) kind_ = "cpu_peak_rss_since_process_start_delta";
  baseline_bytes_ = read_proc_kb("/proc/self/status", "VmRSS");
}

int64_t PeakMemoryTracker::peak_bytes() const {
  const c10::Device d = parse_device(device_);
  if (d.is_cuda()) {
    synchronize_device(device_);
    const auto stats = at::accelerator::getDeviceStats(index_of(d));
    return stats.allocated_bytes[static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
  }
  return std::max<int64_t>(0, read_proc_kb("/proc/self/status", "VmHWM") - baseline_bytes_);
}

}  // namespace engram::harness
