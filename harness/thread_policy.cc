#include "harness/thread_policy.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/report/report_context.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

// Set (to "1") in the re-executed process, so that it neither re-executes again nor mistakes our
// PASSIVE for the user's; "failed: ..." when the re-execution could not happen.
constexpr const char* kReexecMarker = "ENGRAM_OMP_WAIT_SET";

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> positive_number(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || errno != 0 || !(value > 0)) return std::nullopt;
  return value;
}

// "0::/a/b" of /proc/self/cgroup: this process's cgroup v2 path.
std::optional<fs::path> cgroup_v2_path() {
  const auto text = read_text("/proc/self/cgroup");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) return fs::path(line.substr(3));
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> cgroup_v2_cpus(std::string_view cpu_max) {
  std::istringstream fields{std::string(cpu_max)};
  std::string quota, period;
  if (!(fields >> quota >> period) || quota == "max") return std::nullopt;
  const auto q = positive_number(quota), p = positive_number(period);
  if (!q || !p) return std::nullopt;
  return *q / *p;
}

std::optional<double> cgroup_v1_cpus(std::string_view quota_us, std::string_view period_us) {
  const auto q = positive_number(quota_us), p = positive_number(period_us);
  if (!q || !p) return std::nullopt;  // -1: no quota
  return *q / *p;
}

std::optional<CpuQuota> cgroup_cpu_quota() {
  std::optional<CpuQuota> tightest;
  const fs::path root = "/sys/fs/cgroup";
  if (const auto path = cgroup_v2_path()) {
    // A quota anywhere up the hierarchy limits this process; inside a container the namespace's
    // root (/sys/fs/cgroup itself) is where the container's quota shows.
    for (fs::path dir = root / path->relative_path();; dir = dir.parent_path()) {
      if (const auto text = read_text(dir / "cpu.max")) {
        const auto cpus = cgroup_v2_cpus(*text);
        if (cpus && (!tightest || *cpus < tightest->cpus)) tightest = CpuQuota{*cpus, "cgroup v2 cpu.max"};
      }
      if (dir == root || dir.string().size() <= root.string().size()) break;
    }
  }
  if (tightest) return tightest;
  for (const char* controller : {"cpu", "cpu,cpuacct", "cpuacct,cpu"}) {
    const auto quota = read_text(root / controller / "cpu.cfs_quota_us");
    const auto period = read_text(root / controller / "cpu.cfs_period_us");
    if (!quota || !period) continue;
    if (const auto cpus = cgroup_v1_cpus(*quota, *period)) return CpuQuota{*cpus, "cgroup v1 cfs quota"};
    return std::nullopt;
  }
  return std::nullopt;
}

ThreadPolicy choose_threads(int affinity, const std::optional<CpuQuota>& quota, const char* omp_num_threads) {
  ThreadPolicy policy;
  if (omp_num_threads != nullptr) {
    const auto requested = positive_number(omp_num_threads);
    if (requested && *requested == std::floor(*requested)) {
      policy.threads = static_cast<int>(*requested);
      policy.threads_source = "OMP_NUM_THREADS";
      return policy;
    }
  }
  policy.threads = std::max(1, affinity);
  policy.threads_source = "affinity";
  if (quota) {
    const int granted = std::max(1, static_cast<int>(std::ceil(quota->cpus - 1e-9)));
    if (granted < policy.threads) {
      policy.threads = granted;
      policy.threads_source = quota->source;
    }
  }
  return policy;
}

void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv(kReexecMarker) != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  setenv(kReexecMarker, "1", 1);
  execv("/proc/self/exe", argv);
  // Still here: libgomp keeps the default it started with. Say so in the report rather than fail.
  const std::string reason = std::string("failed: ") + std::strerror(errno);
  unsetenv("OMP_WAIT_POLICY");
  setenv(kReexecMarker, reason.c_str(), 1);
}

ThreadPolicy process_thread_policy() {
  ThreadPolicy policy = choose_threads(report::affinity_cores(), cgroup_cpu_quota(), std::getenv("OMP_NUM_THREADS"));
  const char* marker = std::getenv(kReexecMarker);
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  if (marker != nullptr && std::string(marker) != "1") {
    policy.omp_wait_policy = "libgomp default (spin, then sleep)";
    policy.omp_wait_source = std::string("engram-bench re-exec ") + marker;
  } else {
    policy.omp_wait_policy = wait != nullptr ? wait : "libgomp default (spin, then sleep)";
    policy.omp_wait_source = wait == nullptr ? "libgomp default" : marker != nullptr ? "engram-bench" : "environment";
  }
  return policy;
}

}  // namespace engram::harness
