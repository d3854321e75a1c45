// The build without NCCL (no CUDA toolkit or no nccl.h at configure time): asking for it is an error.
#include <stdexcept>

#include "harness/distributed/process_groups.h"

namespace engram::distributed {

bool nccl_built() { return false; }

std::string bind_to_gpu(int) {
  throw std::invalid_argument("backend nccl: this engram-bench was built without NCCL");
}

c10::intrusive_ptr<c10d::Backend> make_nccl_group(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                  std::chrono::milliseconds) {
  throw std::invalid_argument("backend nccl: this engram-bench was built without NCCL (reconfigure on a machine "
                              "with the CUDA toolkit and the torch wheel's nvidia-nccl); use gloo");
}

}  // namespace engram::distributed
