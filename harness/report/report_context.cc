#include "harness/report/report_context.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <fstream>
#include <sstream>

namespace engram::report {
namespace {

std::string trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string read_text(const char* path) {
  std::ifstream in(path);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string hostname() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

std::string operating_system() {
  struct utsname u{};
  if (::uname(&u) != 0) return "";
  return std::string(u.sysname) + " " + u.release + " " + u.version + " " + u.machine;
}

std::string machine() {
  struct utsname u{};
  if (::uname(&u) != 0) return "";
  return u.machine;
}

}  // namespace

int affinity_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

namespace {

int online_cores() {
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

// The first non-empty value of `key` ("key : value" lines), or "".
std::string cpuinfo_value(std::string_view cpuinfo, std::string_view key) {
  size_t line_start = 0;
  while (line_start < cpuinfo.size()) {
    size_t line_end = cpuinfo.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = cpuinfo.size();
    const std::string_view line = cpuinfo.substr(line_start, line_end - line_start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && trim(line.substr(0, colon)) == key) {
      std::string value = trim(line.substr(colon + 1));
      if (!value.empty()) return value;
    }
    line_start = line_end + 1;
  }
  return "";
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

std::string cpu_model_from_cpuinfo(std::string_view cpuinfo) {
  // In the order of preference; the first key found anywhere in the file wins.
  for (std::string_view key : {"model name", "Hardware", "Processor", "cpu model", "CPU part"}) {
    std::string value = cpuinfo_value(cpuinfo, key);
    if (!value.empty()) return value;
  }
  return "";
}

std::vector<std::string> bf16_features_from_cpuinfo(std::string_view cpuinfo) {
  // The first core's flags speak for all (x86 cores agree).
  std::istringstream flags(cpuinfo_value(cpuinfo, "flags"));
  std::vector<std::string> found;
  for (std::string flag; flags >> flag;) {
    if (flag == "avx512_bf16" || flag == "amx_bf16" || flag == "amx_tile") found.push_back(flag);
  }
  return found;
}

std::vector<std::string> command_line_from(int argc, const char* const* argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) out.emplace_back(argv[i] ? argv[i] : "");
  return out;
}

ReportContext collect_report_context(ContextInputs inputs) {
  ReportContext context;
  context.created = utc_timestamp(std::chrono::system_clock::now());
  context.host = hostname();
  context.os = operating_system();
  context.cpu_model = cpu_model_from_cpuinfo(read_text("/proc/cpuinfo"));
  if (context.cpu_model.empty()) context.cpu_model = machine();
  context.logical_cores = affinity_cores();
  context.cpu_bf16_features = bf16_features_from_cpuinfo(read_text("/proc/cpuinfo"));
  context.online_cores = online_cores();
  context.build = build_info();
  context.inputs = std::move(inputs);
  return context;
}

nlohmann::json ReportContext::to_json() const {
  nlohmann::json gpus = nlohmann::json::array();
  for (size_t i = 0; i < inputs.gpus.size(); ++i) {
    const GpuInfo& gpu = inputs.gpus[i];
    gpus.push_back({{"index", i},
                    {"name", gpu.name},
                    {"memory_bytes", optional_json(gpu.memory_bytes)},
                    {"driver", optional_json(gpu.driver)},
                    {"compute_capability", optional_json(gpu.compute_capability)}});
  }
  nlohmann::json seeds = nlohmann::json::object();
  for (const auto& [name, seed] : inputs.seeds) seeds[name] = seed;
  return {{"host", host},
          {"os", os},
          {"cpu",
           {{"model", cpu_model},
            {"logical_cores", logical_cores},
            {"online_cores", online_cores},
            {"bf16_features", cpu_bf16_features}}},
          {"gpus", gpus},
          {"libtorch", optional_json(inputs.libtorch_version)},
          {"cuda", optional_json(inputs.cuda_version)},
          {"engram_bench",
           {{"version", build.version},
            {"git_commit", optional_json(build.git_commit)},
            {"git_dirty", optional_json(build.git_dirty)},
            {"build_type", build.build_type}}},
          {"command_line", inputs.command_line},
          {"threads", inputs.threads},
          {"thread_policy",
           {{"threads_source", inputs.threads_source},
            {"omp_wait_policy", inputs.omp_wait_policy},
            {"omp_wait_source", inputs.omp_wait_source}}},
          {"seeds", seeds},
          {"distributed", inputs.distributed ? *inputs.distributed : nlohmann::json(nullptr)}};
}

}  // namespace engram::report
