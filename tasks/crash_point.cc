#include "tasks/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace engram::tasks {
namespace {

struct CrashSetting {
  std::string phase;
  size_t count = 0;
  bool armed = false;
};

CrashSetting read_setting() {
  CrashSetting setting;
  const char* value = std::getenv("ENGRAM_CRASH_AT");
  if (value == nullptr) return setting;
  const std::string text(value);
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return setting;
  try {
    setting.count = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
    return setting;
  }
  setting.phase = text.substr(0, colon);
  // In a data-parallel run every rank gets the same environment: ENGRAM_CRASH_RANK picks the one
  // that dies (torchrun's RANK).
  const char* crash_rank = std::getenv("ENGRAM_CRASH_RANK");
  const char* rank = std::getenv("RANK");
  if (crash_rank != nullptr && std::string(crash_rank) != (rank != nullptr ? rank : "0")) return setting;
  setting.armed = true;
  return setting;
}

}  // namespace

void crash_point(std::string_view phase, size_t count) {
  static const CrashSetting setting = read_setting();
  if (setting.armed && count >= setting.count && phase == setting.phase) std::raise(SIGKILL);
}

bool fault_planted(std::string_view fault) {
  static const std::string planted = [] {
    const char* value = std::getenv("ENGRAM_PLANT_FAULT");
    return std::string(value ? value : "");
  }();
  return !planted.empty() && planted == fault;
}

}  // namespace engram::tasks
