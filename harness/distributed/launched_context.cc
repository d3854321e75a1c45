#include "harness/distributed/launched_context.h"

#include <memory>
#include <mutex>

namespace engram::distributed {
namespace {

std::mutex& context_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::unique_ptr<DistributedContext>& context_slot() {
  static std::unique_ptr<DistributedContext> context;
  return context;
}

bool& context_made() {
  static bool made = false;
  return made;
}

}  // namespace

DistributedContext* launched_context() {
  std::lock_guard<std::mutex> lock(context_mutex());
  if (!context_made()) {
    context_slot() = DistributedContext::from_environment();
    context_made() = true;
  }
  return context_slot().get();
}

void post_failure_if_launched(const std::string& message) noexcept {
  std::lock_guard<std::mutex> lock(context_mutex());
  if (context_slot()) context_slot()->post_failure(message);
}

}  // namespace engram::distributed
