#pragma once
// The report's "context" section: when, where and with what a run was made, so that two reports can
// be told apart and a number traced to its machine and build. Collected here without LibTorch; the
// caller passes what only LibTorch knows (GPUs, LibTorch and CUDA versions).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/build_info.h"

namespace engram::report {

struct GpuInfo {
  std::string name;                          // "NVIDIA H200"
  std::optional<uint64_t> memory_bytes;      // total device memory
  std::optional<std::string> driver;         // driver version
  std::optional<std::string> compute_capability;  // "9.0"
};

// What the caller knows and this library cannot find out by itself.
struct ContextInputs {
  std::vector<GpuInfo> gpus;                  // empty without a GPU
  std::optional<std::string> libtorch_version;  // unset when the run used no LibTorch
  std::optional<std::string> cuda_version;      // unset without CUDA
  std::vector<std::string> command_line;        // argv as given
  int threads = 1;                              // intra-op threads the run used
  std::string threads_source = "unknown";       // what chose them (harness/thread_policy.h)
  std::string omp_wait_policy = "unknown";      // how idle OpenMP threads waited
  std::string omp_wait_source = "unknown";      // "environment" (the user's) or "engram-bench"
  std::map<std::string, uint64_t> seeds;        // {"weights": 0, "sampling": 0}
  // A data-parallel run's {"world_size", "backend", "ranks": [{"rank", "local_rank", "host", "device",
  // "cpus", "threads"}]} (harness/distributed/distributed_context.h); unset in one process.
  std::optional<nlohmann::json> distributed;
};

struct ReportContext {
  std::string created;  // UTC, "2026-11-30T09:30:00Z"
  std::string host;
  std::string os;       // uname: "Linux 6.8.0 #1 SMP ... x86_64"
  std::string cpu_model;
  int logical_cores = 1;  // CPUs this process may run on (its affinity mask)
  int online_cores = 1;   // CPUs online in the machine
  std::vector<std::string> cpu_bf16_features;  // of avx512_bf16, amx_bf16, amx_tile: those the CPU has
  BuildInfo build;
  ContextInputs inputs;

  nlohmann::json to_json() const;  // the report's "context" object (without "created", which is top-level)
};

// Collects the machine and build facts now and combines them with `inputs`.
ReportContext collect_report_context(ContextInputs inputs);

// "2026-11-30T09:30:00Z" (whole seconds, UTC).
std::string utc_timestamp(std::chrono::system_clock::time_point time);

// The CPU model from the text of /proc/cpuinfo ("model name" on x86, else "Hardware", "Processor" or
// "CPU part" on Arm); empty when none is there.
std::string cpu_model_from_cpuinfo(std::string_view cpuinfo);

// The bfloat16 matrix features among the first "flags" line of /proc/cpuinfo: avx512_bf16, amx_bf16, amx_tile.
std::vector<std::string> bf16_features_from_cpuinfo(std::string_view cpuinfo);

// CPUs this process may run on (its affinity mask), else the CPUs online.
int affinity_cores();

std::vector<std::string> command_line_from(int argc, const char* const* argv);

}  // namespace engram::report
