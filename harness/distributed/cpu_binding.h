#pragma once
// Each rank's share of the CPUs this process may use: the ranks of one node split the allowed CPUs
// into contiguous blocks (local rank i gets block i), so that N ranks on one machine do not all spin
// N intra-op thread pools on the same cores.

#include <string>
#include <vector>

namespace engram::distributed {

// The block of `allowed` (sorted CPU ids) that local rank `local_rank` of `local_world_size` gets:
// blocks differ in size by at most one; a rank gets at least one CPU, shared when there are more
// ranks than CPUs.
std::vector<int> cpu_share(const std::vector<int>& allowed, int local_rank, int local_world_size);

struct CpuBinding {
  std::vector<int> cpus;  // the CPUs the process is now bound to
  int threads = 1;        // LibTorch intra-op threads set to match
};

// Binds the calling process to its share (sched_setaffinity) and sets LibTorch's intra-op threads to
// the share's size, or to OMP_NUM_THREADS when that is set and smaller (torchrun sets it to 1 unless
// the user set it). Throws std::runtime_error when the affinity cannot be read or set.
CpuBinding bind_to_cpu_share(int local_rank, int local_world_size);

// "0-3,8" for {0,1,2,3,8}.
std::string cpu_list_text(const std::vector<int>& cpus);

}  // namespace engram::distributed
