#include "tasks/humaneval/sandbox_host.h"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tasks/humaneval/sandbox.h"

namespace engram::tasks::humaneval::sandbox_internal {

namespace fs = std::filesystem;

namespace {

std::string decode_mountinfo_path(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

unsigned long remount_flags(const std::string& options) {
  unsigned long flags = 0;
  std::istringstream os(options);
  std::string opt;
  while (std::getline(os, opt, ',')) {
    if (opt == "nosuid") flags |= MS_NOSUID;
    else if (opt == "nodev") flags |= MS_NODEV;
    else if (opt == "noexec") flags |= MS_NOEXEC;
    else if (opt == "noatime") flags |= MS_NOATIME;
    else if (opt == "nodiratime") flags |= MS_NODIRATIME;
    else if (opt == "relatime") flags |= MS_RELATIME;
    else if (opt == "strictatime") flags |= MS_STRICTATIME;
  }
  return flags;
}

struct ProcessStatus {
  long real_uid = -1;
  uint64_t threads = 1;
};

// Every process in /proc (zombies included: they still count for RLIMIT_NPROC), from its status file.
std::vector<ProcessStatus> process_statuses() {
  std::vector<ProcessStatus> processes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in(entry.path() / "status");
    std::string line;
    ProcessStatus status;
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        std::istringstream ls(line.substr(4));
        ls >> status.real_uid;
      } else if (line.rfind("Threads:", 0) == 0) {
        status.threads = std::strtoull(line.c_str() + 8, nullptr, 10);
      }
    }
    if (status.real_uid >= 0) processes.push_back(status);
  }
  return processes;
}

}  // namespace

std::vector<MountEntry> read_mounts() {
  std::vector<MountEntry> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, devno, root, point, options;
    if (!(ls >> id >> parent >> devno >> root >> point >> options)) continue;
    mounts.push_back({decode_mountinfo_path(point), remount_flags(options)});
  }
  return mounts;
}

std::set<uint32_t> uids_in_use() {
  std::set<uint32_t> used;
  for (const ProcessStatus& p : process_statuses()) used.insert(static_cast<uint32_t>(p.real_uid));
  return used;
}

uint64_t count_tasks_of_uid(uid_t uid) {
  uint64_t total = 0;
  for (const ProcessStatus& p : process_statuses()) {
    if (p.real_uid == static_cast<long>(uid)) total += p.threads;
  }
  return total;
}

int cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string resolve_python(const std::string& configured) {
  auto executable = [](const fs::path& p) { return access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); };
  std::error_code ec;
  if (!configured.empty()) {
    fs::path p = configured;
    if (p.is_absolute()) {
      if (!executable(p)) throw SandboxSetupError("python not executable: " + configured);
      return fs::canonical(p, ec).string();
    }
  }
  const std::string name = configured.empty() ? "python3" : configured;
  if (configured.empty() && executable("/usr/bin/python3")) return fs::canonical("/usr/bin/python3", ec).string();
  const char* path_env = std::getenv("PATH");
  std::istringstream ps(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(ps, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / name;
    // pyenv shims are shell scripts that need the user's environment: skip them.
    if (dir.find("/shims") != std::string::npos) continue;
    if (executable(p)) return fs::canonical(p, ec).string();
  }
  throw SandboxSetupError("no " + name + " found (/usr/bin/python3 or on PATH); set SandboxConfig::python");
}

}  // namespace engram::tasks::humaneval::sandbox_internal
