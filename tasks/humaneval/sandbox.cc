// The Sandbox's public face: construction (configuration, uids, directories, probe, self-check),
// worker slots, run_one/run, and the JSON records. The rest is in sandbox_*.cc (sandbox_impl.h).

#include "tasks/humaneval/sandbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "tasks/crash_point.h"
#include "tasks/humaneval/sandbox_host.h"
#include "tasks/humaneval/sandbox_impl.h"

namespace engram::tasks::humaneval {

namespace fs = std::filesystem;
using namespace sandbox_internal;

std::string_view to_string(ExecStatus status) {
  switch (status) {
    case ExecStatus::kPassed: return "passed";
    case ExecStatus::kFailed: return "failed";
    case ExecStatus::kTimeout: return "timeout";
    case ExecStatus::kCrashed: return "crashed";
    case ExecStatus::kOutputLimit: return "output_limit";
    case ExecStatus::kSandboxError: return "sandbox_error";
  }
  return "unknown";
}

bool Isolation::contains_hostile() const {
  // Without a uid drop the program runs as the harness's user and could signal it, unless a PID
  // namespace hides it and a read-only mount namespace protects its files.
  const bool harness_protected = uid_drop || (pid_ns && readonly_fs && user_ns);
  return harness_protected && net_ns && readonly_fs && no_new_privs;
}

nlohmann::json Isolation::to_json() const {
  return {{"root", root},           {"uid_drop", uid_drop},         {"user_ns", user_ns},
          {"net_ns", net_ns},       {"pid_ns", pid_ns},             {"ipc_ns", ipc_ns},
          {"mount_ns", mount_ns},   {"private_tmpfs", private_tmpfs}, {"readonly_fs", readonly_fs}, {"readonly_recursive", readonly_recursive},
          {"no_new_privs", no_new_privs}, {"contains_hostile", contains_hostile()}, {"notes", notes}};
}

nlohmann::json ExecResult::to_json() const {
  nlohmann::json j = {{"status", std::string(to_string(status))}, {"reason", reason}, {"ran_to_end", ran_to_end},
                      {"wall_s", wall_s}, {"cpu_s", cpu_s}, {"output_bytes", output_bytes}};
  if (exit_code >= 0) j["exit_code"] = exit_code;
  if (signal != 0) j["signal"] = signal;
  if (!stderr_tail.empty()) j["stderr_tail"] = stderr_tail;
  if (!stdout_tail.empty()) j["stdout_tail"] = stdout_tail;
  return j;
}

// ---- worker slots -------------------------------------------------------------------------------

int Sandbox::Impl::acquire_slot() const {
  std::unique_lock<std::mutex> lock(slot_mutex);
  for (;;) {
    for (size_t i = 0; i < slot_busy.size(); ++i) {
      if (!slot_busy[i]) {
        slot_busy[i] = true;
        return static_cast<int>(i);
      }
    }
    slot_free.wait(lock);
  }
}

void Sandbox::Impl::release_slot(int slot) const {
  {
    std::lock_guard<std::mutex> lock(slot_mutex);
    slot_busy[static_cast<size_t>(slot)] = false;
  }
  slot_free.notify_one();
}

// ---- construction -------------------------------------------------------------------------------

namespace {

SandboxConfig resolved(SandboxConfig config) {
  if (config.workers <= 0) config.workers = cpu_count();
  if (config.timeout_s <= 0) throw SandboxSetupError("SandboxConfig::timeout_s must be positive");
  if (config.cpu_limit_s <= 0) config.cpu_limit_s = std::ceil(config.timeout_s) + 1;
  config.python = resolve_python(config.python);
  if (config.tmp_root.empty()) {
    const char* t = std::getenv("TMPDIR");
    config.tmp_root = (t && *t) ? fs::path(t) : fs::path("/tmp");
  }
  return config;
}

int last_capability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int v = 0;
  return (in >> v && v > 0) ? v : 40;
}

// Root-owned, 0711: the tmpfs mount point (base/w) or the host temp dirs live here.
fs::path make_base_directory(const fs::path& tmp_root) {
  std::string tmpl = (tmp_root / "engram-humaneval-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw SandboxSetupError("mkdtemp " + tmpl + ": " + errno_text(errno));
  fs::path base = buf.data();
  chmod(base.c_str(), 0711);
  return base;
}

}  // namespace

Sandbox::Sandbox(SandboxConfig config) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.config = resolved(std::move(config));
  m.slot_busy.assign(static_cast<size_t>(m.config.workers), false);
  m.outer_uid = geteuid();
  m.outer_gid = getegid();
  // Identity maps: inside its user namespace the program keeps the harness's (non-zero) uid, so exec
  // leaves it no capabilities even before the explicit drop.
  m.uid_map = fmt::format("{0} {0} 1", m.outer_uid);
  m.gid_map = fmt::format("{0} {0} 1", m.outer_gid);
  m.cap_last = last_capability();
  m.devnull = Fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (m.devnull.fd < 0) throw SandboxSetupError("cannot open /dev/null: " + errno_text(errno));
  m.argv_storage = {m.config.python, "-I", "-B", "-c", runner_source()};
  if (geteuid() == 0) {
    if (!m.config.shared_uid) {
      m.claim_uids();
    } else if (*m.config.shared_uid == 0) {
      throw SandboxSetupError("sandbox uid must not be 0");
    } else {
      m.uids.assign(static_cast<size_t>(m.config.workers), *m.config.shared_uid);
    }
  }
  m.base = make_base_directory(m.config.tmp_root);
  m.workdir = m.base / "w";
  if (mkdir(m.workdir.c_str(), 0755) != 0) throw SandboxSetupError("mkdir " + m.workdir.string() + ": " + errno_text(errno));

  m.limits = m.limits_for();
  m.probe();
  m.limits = m.limits_for();

  // A real program must run to its end: python found, it starts under these limits, and the
  // end-of-program channel works.
  ExecResult check = m.launch("import sys\nprint(sys.version.split()[0])\n", 0, false).result;
  if (!check.passed()) {
    throw SandboxSetupError(fmt::format("sandbox self-check with {} failed: {} ({}) stderr: {}", m.config.python,
                                        check.reason, to_string(check.status), check.stderr_tail));
  }
  std::string version = check.stdout_tail;
  while (!version.empty() && std::isspace(static_cast<unsigned char>(version.back()))) version.pop_back();
  m.python_version = version;
}

Sandbox::~Sandbox() {
  if (!impl_) return;
  std::error_code ec;
  fs::remove_all(impl_->base, ec);
}

const SandboxConfig& Sandbox::config() const { return impl_->config; }
const Isolation& Sandbox::isolation() const { return impl_->isolation; }
const std::vector<uint32_t>& Sandbox::uids() const { return impl_->uids; }

// ---- running ------------------------------------------------------------------------------------

ExecResult Sandbox::run_one(const std::string& program) const {
  Impl::SlotGuard slot(*impl_);
  return impl_->launch(program, slot.slot, false).result;
}

std::vector<ExecResult> Sandbox::run(const std::vector<std::string>& programs,
                                     const std::function<void(size_t, size_t)>& progress) const {
  std::vector<ExecResult> results(programs.size());
  if (programs.empty()) return results;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mutex;
  auto work = [&]() {
    Impl::SlotGuard slot(*impl_);
    const int worker = slot.slot;
    for (size_t i = next.fetch_add(1); i < programs.size(); i = next.fetch_add(1)) {
      try {
        results[i] = impl_->launch(programs[i], worker, false).result;
      } catch (const std::exception& e) {
        results[i].status = ExecStatus::kSandboxError;
        results[i].reason = std::string("sandbox: ") + e.what();
      }
      size_t d = done.fetch_add(1) + 1;
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(d, programs.size());
      }
      crash_point("execute", d);
    }
  };
  const int n = std::min<int>(impl_->config.workers, static_cast<int>(programs.size()));
  if (n <= 1) {
    work();
    return results;
  }
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int w = 0; w < n; ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return results;
}

nlohmann::json Sandbox::describe() const {
  const SandboxConfig& c = impl_->config;
  nlohmann::json j;
  j["python"] = c.python;
  j["python_version"] = impl_->python_version;
  j["workers"] = c.workers;
  j["timeout_s"] = c.timeout_s;
  j["cpu_limit_s"] = impl_->limits.cpu_soft;
  j["memory_bytes"] = c.memory_bytes;
  j["max_processes"] = c.max_processes;
  j["max_open_files"] = c.max_open_files;
  j["max_file_bytes"] = c.max_file_bytes;
  j["max_output_bytes"] = c.max_output_bytes;
  j["tmpfs_bytes"] = c.tmpfs_bytes;
  j["pass_requires"] = "the end-of-program token: the program's last statement returned";
  if (impl_->plan.drop_uid) j["uids"] = impl_->uids;
  j["isolation"] = impl_->isolation.to_json();
  return j;
}

}  // namespace engram::tasks::humaneval
