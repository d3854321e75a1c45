#pragma once
// How many intra-op threads a run uses and how its OpenMP threads wait, chosen so that a run on a
// shared machine (CI runners, a laptop, a container with a CPU quota) neither oversubscribes the cores
// it may use nor burns a core another process needs:
//   threads:  the user's OMP_NUM_THREADS, else min(CPUs in the affinity mask, ceil(cgroup CPU quota))
//   waiting:  the user's OMP_WAIT_POLICY, else PASSIVE. libgomp reads it once, when it is loaded
//             (before main), so engram-bench re-executes itself once with it set.
// No LibTorch here: the caller applies the count (at::set_num_threads).

#include <optional>
#include <string>
#include <string_view>

namespace engram::harness {

struct ThreadPolicy {
  int threads = 1;
  std::string threads_source;      // "OMP_NUM_THREADS", "affinity", "cgroup v2 cpu.max", "cgroup v1 cfs quota"
  std::string omp_wait_policy;     // "PASSIVE", "ACTIVE", ... as libgomp saw it
  std::string omp_wait_source;     // "environment" (the user's) or "engram-bench"
};

// CPUs a cgroup v2 `cpu.max` text ("150000 100000") grants; nullopt for "max" or unreadable text.
std::optional<double> cgroup_v2_cpus(std::string_view cpu_max);
// CPUs a cgroup v1 quota and period grant (cpu.cfs_quota_us, cpu.cfs_period_us); nullopt for -1.
std::optional<double> cgroup_v1_cpus(std::string_view quota_us, std::string_view period_us);

struct CpuQuota {
  double cpus = 0;
  std::string source;
};
// The tightest CPU quota on this process's cgroup and its ancestors (v2), else the v1 cpu controller's.
std::optional<CpuQuota> cgroup_cpu_quota();

// The thread count from what the process may use: a set OMP_NUM_THREADS (a positive integer) wins,
// else min(affinity_cpus, ceil(quota)).
ThreadPolicy choose_threads(int affinity_cpus, const std::optional<CpuQuota>& quota, const char* omp_num_threads);

// Call first in main(). When OMP_WAIT_POLICY is unset, sets it to PASSIVE and re-executes this program
// (/proc/self/exe, same argv) so that libgomp starts with it; a marker variable keeps it to one
// re-execution. Returns only when no re-execution happened (or it failed: the wait source says so).
void reexec_with_passive_omp_wait(char** argv);

// The policy of this process: the thread count from affinity, quota and environment, and the wait
// policy as reexec_with_passive_omp_wait left it.
ThreadPolicy process_thread_policy();

}  // namespace engram::harness
