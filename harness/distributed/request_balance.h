#pragma once
// Which rank answers which request, balanced by cost (tokens): largest first, each to the rank with
// the least cost so far (ties: the lower rank), the order among equal costs fixed by the content key.
// The same inputs give the same assignment in every process and every run.

#include <cstdint>
#include <string>
#include <vector>

namespace engram::distributed {

// owner[i] in [0, ranks) for each request i; costs and keys have one entry per request.
std::vector<int> balance_by_cost(const std::vector<uint64_t>& costs, const std::vector<std::string>& keys, int ranks);

}  // namespace engram::distributed
