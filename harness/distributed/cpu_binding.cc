#include "harness/distributed/cpu_binding.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <ATen/Parallel.h>

namespace engram::distributed {

std::vector<int> cpu_share(const std::vector<int>& allowed, int local_rank, int local_world_size) {
  if (allowed.empty()) throw std::invalid_argument("cpu_share: no CPUs allowed");
  if (local_world_size < 1 || local_rank < 0 || local_rank >= local_world_size) {
    throw std::invalid_argument("cpu_share: local rank " + std::to_string(local_rank) + " of " +
                                std::to_string(local_world_size));
  }
  const size_t n = allowed.size();
  const size_t ranks = static_cast<size_t>(local_world_size);
  const size_t rank = static_cast<size_t>(local_rank);
  if (ranks >= n) return {allowed[rank % n]};
  // The first n % ranks blocks get one CPU more.
  const size_t base = n / ranks;
  const size_t extra = n % ranks;
  const size_t begin = rank * base + std::min(rank, extra);
  const size_t size = base + (rank < extra ? 1 : 0);
  return std::vector<int>(allowed.begin() + static_cast<std::ptrdiff_t>(begin),
                          allowed.begin() + static_cast<std::ptrdiff_t>(begin + size));
}

CpuBinding bind_to_cpu_share(int local_rank, int local_world_size) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof(mask), &mask) != 0) {
    throw std::runtime_error(std::string("cannot read the CPU affinity: ") + std::strerror(errno));
  }
  std::vector<int> allowed;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &mask)) allowed.push_back(cpu);
  }
  CpuBinding binding;
  binding.cpus = cpu_share(allowed, local_rank, local_world_size);
  CPU_ZERO(&mask);
  for (int cpu : binding.cpus) CPU_SET(cpu, &mask);
  if (::sched_setaffinity(0, sizeof(mask), &mask) != 0) {
    throw std::runtime_error("cannot bind local rank " + std::to_string(local_rank) + " to CPUs " +
                             cpu_list_text(binding.cpus) + ": " + std::strerror(errno));
  }
  binding.threads = static_cast<int>(binding.cpus.size());
  // OMP_NUM_THREADS, when set, caps the threads (torchrun sets it to 1 unless the user set it).
  const char* cap = std::getenv("OMP_NUM_THREADS");
  if (cap != nullptr && std::atoi(cap) > 0) binding.threads = std::min(binding.threads, std::atoi(cap));
  at::set_num_threads(binding.threads);
  return binding;
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string text;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text.push_back(',');
    text.append(std::to_string(cpus[i]));
    if (j > i) {
      text.push_back('-');
      text.append(std::to_string(cpus[j]));
    }
    i = j + 1;
  }
  return text;
}

}  // namespace engram::distributed
