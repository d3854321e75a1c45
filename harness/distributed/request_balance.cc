#include "harness/distributed/request_balance.h"

#include <algorithm>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <utility>

namespace engram::distributed {

std::vector<int> balance_by_cost(const std::vector<uint64_t>& costs, const std::vector<std::string>& keys, int ranks) {
  if (ranks < 1) throw std::invalid_argument("balance_by_cost: no ranks");
  if (costs.size() != keys.size()) throw std::invalid_argument("balance_by_cost: one key per cost");
  std::vector<size_t> order(costs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (costs[a] != costs[b]) return costs[a] > costs[b];
    return keys[a] < keys[b];
  });
  // (load, rank), least first.
  using Load = std::pair<uint64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<Load>> loads;
  for (int r = 0; r < ranks; ++r) loads.push({0, r});
  std::vector<int> owner(costs.size(), 0);
  for (size_t i : order) {
    Load least = loads.top();
    loads.pop();
    owner[i] = least.second;
    least.first += costs[i];
    loads.push(least);
  }
  return owner;
}

}  // namespace engram::distributed
