// The uids programs run as (root only): claimed per worker against other Sandboxes, and swept
// with SIGKILL after each program when no PID namespace ends its descendants.

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <set>

#include <fmt/format.h>

#include "tasks/humaneval/sandbox_host.h"
#include "tasks/humaneval/sandbox_impl.h"

namespace engram::tasks::humaneval {

namespace fs = std::filesystem;
using namespace sandbox_internal;

namespace {

bool belongs_to_an_account(uint32_t uid) {
  struct passwd pw {};
  struct passwd* pw_found = nullptr;
  struct group gr {};
  struct group* gr_found = nullptr;
  std::vector<char> buf(1 << 16);
  getpwuid_r(uid, &pw, buf.data(), buf.size(), &pw_found);
  if (!pw_found) getgrgid_r(uid, &gr, buf.data(), buf.size(), &gr_found);
  return pw_found || gr_found;
}

// Claims are files locked with flock(): the lock goes when the process does, however it ends.
// The directory must be root's and closed to others.
fs::path claims_directory() {
  fs::path dir = fs::is_directory("/run/lock") ? fs::path("/run/lock/engram-humaneval")
                                               : fs::path("/tmp/engram-humaneval-uids");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw SandboxSetupError("mkdir " + dir.string() + ": " + errno_text(errno));
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0)
    throw SandboxSetupError(dir.string() + " must be a directory owned by root with mode 0700");
  return dir;
}

}  // namespace

uid_t Sandbox::Impl::uid_for(int worker) const {
  if (config.shared_uid) return *config.shared_uid;
  return uids.empty() ? geteuid() : uids[static_cast<size_t>(worker)];
}

void Sandbox::Impl::claim_uids() {
  const fs::path dir = claims_directory();
  int skipped_accounts = 0, skipped_busy = 0;
  // A uid that already runs something (a program left over by a crashed harness without a PID
  // namespace, or a zombie nobody reaps) is not ours to use, nor to kill.
  const std::set<uint32_t> busy = uids_in_use();
  for (uint32_t off = 0; off < config.uid_range && uids.size() < static_cast<size_t>(config.workers); ++off) {
    const uint32_t uid = config.uid_base + off;
    if (uid == 0 || uid == static_cast<uint32_t>(-1)) continue;
    if (belongs_to_an_account(uid)) {
      ++skipped_accounts;
      continue;
    }
    if (busy.count(uid) != 0) {
      ++skipped_busy;
      continue;
    }
    const fs::path lock = dir / std::to_string(uid);
    Fd fd(open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.fd < 0) throw SandboxSetupError("open " + lock.string() + ": " + errno_text(errno));
    if (flock(fd.fd, LOCK_EX | LOCK_NB) != 0) continue;  // another Sandbox holds it
    uids.push_back(uid);
    uid_claims.push_back(std::move(fd));
  }
  if (uids.size() < static_cast<size_t>(config.workers))
    throw SandboxSetupError(fmt::format("only {} of {} free sandbox uids in [{}, {}) ({} belong to accounts)",
                                        uids.size(), config.workers, config.uid_base,
                                        static_cast<uint64_t>(config.uid_base) + config.uid_range, skipped_accounts));
  if (skipped_accounts > 0)
    isolation_notes_pending.push_back(fmt::format("{} uids in the sandbox range belong to accounts and were skipped",
                                                  skipped_accounts));
  if (skipped_busy > 0)
    isolation_notes_pending.push_back(fmt::format("{} uids in the sandbox range own processes and were skipped",
                                                  skipped_busy));
}

void Sandbox::Impl::kill_all(pid_t pid, int worker) const {
  kill(pid, SIGKILL);  // with a PID namespace, its init: the kernel kills the rest
  killpg(pid, SIGKILL);
  if (!sweep_uids) return;
  // No PID namespace: a descendant may have left the process group. Kill everything running under
  // this worker's uid (which belongs to no account and to no other worker).
  const uid_t uid = uid_for(worker);
  pid_t helper = fork();
  if (helper == 0) {
    if (syscall(SYS_setresgid, uid, uid, uid) == 0 && syscall(SYS_setresuid, uid, uid, uid) == 0) kill(-1, SIGKILL);
    _exit(0);
  }
  if (helper > 0) {
    while (waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace engram::tasks::humaneval
