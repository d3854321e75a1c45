#include "harness/speed/warmup.h"

#include <stdexcept>

#include "harness/speed/statistics.h"

namespace engram::harness::speed {

WarmupResult warm_up(const std::function<double()>& run_once, const WarmupPolicy& policy) {
  if (policy.min_runs < 0 || policy.window < 2 || policy.max_runs < 0 || policy.cv_threshold < 0) {
    throw std::invalid_argument("warm-up policy: need min_runs >= 0, window >= 2, max_runs >= 0, threshold >= 0");
  }
  WarmupResult result;
  while (result.runs < policy.max_runs) {
    result.seconds.push_back(run_once());
    ++result.runs;
    if (static_cast<int>(result.seconds.size()) >= policy.window) {
      const std::vector<double> last(result.seconds.end() - policy.window, result.seconds.end());
      result.last_cv = coefficient_of_variation(last);
      if (result.runs >= policy.min_runs && result.last_cv < policy.cv_threshold) {
        result.settled = true;
        break;
      }
    }
  }
  return result;
}

}  // namespace engram::harness::speed
