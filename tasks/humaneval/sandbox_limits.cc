// The rlimits each program runs under, from the configuration and the uid it runs as.

#include <unistd.h>

#include <cmath>

#include "tasks/humaneval/sandbox_host.h"
#include "tasks/humaneval/sandbox_impl.h"

namespace engram::tasks::humaneval {

Sandbox::Impl::Limits Sandbox::Impl::limits_for() const {
  Limits l{};
  l.cpu_soft = static_cast<rlim_t>(std::ceil(config.cpu_limit_s));
  l.cpu_hard = l.cpu_soft + 1;  // SIGXCPU at the soft limit, SIGKILL one second later
  l.as = config.memory_bytes;
  l.nproc = config.max_processes;
  if (plan.drop_uid && config.shared_uid) l.nproc = config.max_processes * static_cast<uint64_t>(config.workers);
  if (!plan.drop_uid) {
    // The count is per real uid, so the harness's own tasks count too.
    l.nproc = sandbox_internal::count_tasks_of_uid(geteuid()) +
              config.max_processes * static_cast<uint64_t>(config.workers) + 64;
  }
  l.nofile = config.max_open_files;
  l.fsize = config.max_file_bytes;
  return l;
}

}  // namespace engram::tasks::humaneval
