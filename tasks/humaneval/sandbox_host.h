#pragma once
// What the sandbox reads from the host when it is built: mounts, processes per uid, CPUs, python.

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tasks/humaneval/sandbox_child.h"

namespace engram::tasks::humaneval::sandbox_internal {

// The mounts in /proc/self/mountinfo, with the flags a read-only remount must keep.
std::vector<MountEntry> read_mounts();
// Real uids that own at least one process (zombies included).
std::set<uint32_t> uids_in_use();
// Tasks (threads count, as RLIMIT_NPROC counts them) whose real uid is `uid`.
uint64_t count_tasks_of_uid(uid_t uid);
// CPUs this process may run on.
int cpu_count();
// The configured python as an absolute path; empty: /usr/bin/python3, else the first python3 on
// PATH that is not a pyenv shim. Throws SandboxSetupError when there is none.
std::string resolve_python(const std::string& configured);

}  // namespace engram::tasks::humaneval::sandbox_internal
