// What this machine allows, found once when the Sandbox is built: which namespaces clone() accepts,
// then the whole child setup tried without exec, giving up each feature that fails (with a note
// saying why) until the setup works.

#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "tasks/humaneval/sandbox_host.h"
#include "tasks/humaneval/sandbox_impl.h"

namespace engram::tasks::humaneval {

using namespace sandbox_internal;

namespace {

// 0 when a child cloned with `flags` started (and exited 0), else the errno.
int try_clone(long flags) {
  long raw = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (raw == 0) _exit(0);
  if (raw < 0) return errno;
  int status = 0;
  while (waitpid(static_cast<pid_t>(raw), &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

bool is_uid_drop_stage(int32_t stage) {
  return stage == kStageSetgroups || stage == kStageSetgid || stage == kStageSetuid || stage == kStageVerifyDrop;
}

}  // namespace

void Sandbox::Impl::probe() {
  isolation = Isolation{};
  isolation.notes = isolation_notes_pending;
  isolation.root = geteuid() == 0;
  plan = Plan{};
  plan.drop_uid = isolation.root;
  if (config.use_namespaces) {
    probe_namespaces();
  } else {
    isolation.notes.push_back("namespaces disabled by configuration");
  }
  plan.recursive_readonly = plan.readonly && config.recursive_readonly;
  if (plan.readonly) list_mounts_for_readonly();
  settle_plan_by_trial();
  record_isolation();
}

void Sandbox::Impl::probe_namespaces() {
  long user = 0;
  if (!isolation.root) {
    if (int err = try_clone(CLONE_NEWUSER); err == 0) {
      plan.user_ns = true;
      user = CLONE_NEWUSER;
    } else {
      isolation.notes.push_back("user namespace unavailable (" + errno_text(err) +
                                "): not root, so no other namespace either");
    }
  }
  if (isolation.root || plan.user_ns) {
    const struct {
      long flag;
      bool* on;
      const char* name;
    } kinds[] = {{CLONE_NEWNET, &plan.net_ns, "network"},
                 {CLONE_NEWPID, &plan.pid_ns, "PID"},
                 {CLONE_NEWIPC, &plan.ipc_ns, "IPC"},
                 {CLONE_NEWNS, &plan.mount_ns, "mount"}};
    for (const auto& k : kinds) {
      const int err = try_clone(user | k.flag);
      *k.on = err == 0;
      if (err != 0) isolation.notes.push_back(fmt::format("{} namespace unavailable: {}", k.name, errno_text(err)));
    }
  }
  plan.tmpfs = plan.mount_ns;
  plan.readonly = plan.mount_ns;
}

void Sandbox::Impl::list_mounts_for_readonly() {
  plan.mounts = read_mounts();
  if (plan.mounts.empty()) {
    plan.readonly = false;
    isolation.notes.push_back("no mounts listed in /proc/self/mountinfo: the file system stays writable");
  }
}

void Sandbox::Impl::settle_plan_by_trial() {
  for (int attempt = 0; attempt < 64; ++attempt) {
    Launch l = launch("", 0, /*probe_only=*/true);
    if (!l.reported && l.result.exit_code == 0) return;
    if (!l.reported) throw SandboxSetupError("sandbox probe: " + l.result.reason);
    give_up_failed_step(l.report, l.result.reason);
  }
  // Still failing: the constructor's self-check says how.
}

// Turns off what the failed step needs, or throws when that step cannot be done without.
void Sandbox::Impl::give_up_failed_step(const ChildReport& report, const std::string& reason) {
  const int32_t stage = report.stage;
  const std::string why = errno_text(report.err);
  auto note = [&](const std::string& text) { isolation.notes.push_back(text); };
  if (stage == -1) {  // clone itself failed with all the namespaces together
    note("clone with every namespace failed (" + why + "): namespaces off");
    plan.namespaces_off();
  } else if (stage == kStageUserNsMaps) {
    note("user-namespace id maps refused (" + why + "): namespaces off");
    plan.namespaces_off();
  } else if (stage == kStageMountPrivate) {
    note("mount namespace unusable (" + why + ")");
    plan.mount_ns = plan.tmpfs = plan.readonly = false;
  } else if (stage == kStageTmpfs) {
    note("private tmpfs refused (" + why + "): host temp directories instead");
    plan.tmpfs = false;
  } else if (stage == kStageBindWorkdir) {
    note("bind mount refused (" + why + "): file system stays writable");
    plan.readonly = false;
  } else if (stage == kStageReadonly && report.index < 0 && plan.recursive_readonly) {
    note("mount_setattr refused (" + why + "): remounting the mounts present now one by one");
    plan.recursive_readonly = false;
  } else if (stage == kStageReadonly && report.index >= 0 && static_cast<size_t>(report.index) < plan.mounts.size()) {
    const std::string path = plan.mounts[static_cast<size_t>(report.index)].path;
    if (path == "/") {
      note("cannot remount / read-only (" + why + "): file system stays writable");
      plan.readonly = false;
    } else {
      note("cannot remount " + path + " read-only (" + why + "): left as it is");
      plan.mounts.erase(plan.mounts.begin() + report.index);
    }
  } else if (is_uid_drop_stage(stage)) {
    note(fmt::format("privilege drop failed at {} ({}): programs run as root", stage_name(stage), why));
    plan.drop_uid = false;
    limits = limits_for();
  } else if (stage == kStageCapabilities && plan.user_ns) {
    note("cannot drop capabilities in the user namespace (" + why + "): namespaces off");
    plan.namespaces_off();
  } else if (stage == kStageNoNewPrivs) {
    note("PR_SET_NO_NEW_PRIVS refused (" + why + ")");
    plan.no_new_privs = false;
  } else {
    throw SandboxSetupError("sandbox probe: " + reason);
  }
}

void Sandbox::Impl::record_isolation() {
  if (!plan.pid_ns) isolation.notes.push_back("no PID namespace: escaped descendants are found by uid (root) or not at all");
  if (!plan.net_ns) isolation.notes.push_back("no network namespace: programs can reach the network");
  if (!plan.drop_uid && !isolation.root) isolation.notes.push_back("not root: programs run as the harness's own user");
  isolation.uid_drop = plan.drop_uid;
  isolation.user_ns = plan.user_ns;
  isolation.net_ns = plan.net_ns;
  isolation.pid_ns = plan.pid_ns;
  isolation.ipc_ns = plan.ipc_ns;
  isolation.mount_ns = plan.mount_ns;
  isolation.private_tmpfs = plan.tmpfs;
  isolation.readonly_fs = plan.readonly;
  isolation.readonly_recursive = plan.readonly && plan.recursive_readonly;
  isolation.no_new_privs = plan.no_new_privs;
  sweep_uids = plan.drop_uid && !plan.pid_ns && !config.shared_uid;
}

}  // namespace engram::tasks::humaneval
