// The pieces of data parallelism that need no peers: torchrun's environment read with errors that
// name the variable, the node's CPUs split among its ranks, and requests balanced by token cost.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "harness/distributed/cpu_binding.h"
#include "harness/distributed/launch_environment.h"
#include "harness/distributed/request_balance.h"

namespace engram::distributed {
namespace {

std::function<std::optional<std::string>(const std::string&)> variables(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string launch_error(std::map<std::string, std::string> values) {
  try {
    read_launch_environment(variables(std::move(values)));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnvironment, ReadsWhatTorchrunSets) {
  EXPECT_FALSE(read_launch_environment(variables({})).has_value()) << "no WORLD_SIZE: not launched by torchrun";
  const auto env = read_launch_environment(variables({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"},
                                                      {"LOCAL_WORLD_SIZE", "2"}, {"MASTER_ADDR", "node0"},
                                                      {"MASTER_PORT", "29400"},
                                                      {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                                      {"TORCHELASTIC_RESTART_COUNT", "2"}}));
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->local_world_size, 2);
  EXPECT_EQ(env->master_addr, "node0");
  EXPECT_EQ(env->master_port, 29400);
  EXPECT_TRUE(env->agent_serves_store);
  EXPECT_EQ(env->restart_count, 2);
}

TEST(LaunchEnvironment, ABadValueIsAnErrorNamingTheVariable) {
  EXPECT_NE(launch_error({{"WORLD_SIZE", "2"}}).find("RANK is not set"), std::string::npos);
  EXPECT_NE(launch_error({{"WORLD_SIZE", "2"}, {"RANK", "2"}}).find("RANK=2"), std::string::npos);
  EXPECT_NE(launch_error({{"WORLD_SIZE", "two"}, {"RANK", "0"}}).find("WORLD_SIZE=two"), std::string::npos);
  EXPECT_NE(launch_error({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "70000"}}).find("MASTER_PORT=70000"),
            std::string::npos);
  EXPECT_NE(launch_error({{"WORLD_SIZE", "2"}, {"RANK", "1"}, {"LOCAL_RANK", "1x"}}).find("LOCAL_RANK=1x"),
            std::string::npos);
}

TEST(CpuShare, TheRanksOfANodeSplitItsCpusIntoDisjointBlocks) {
  const std::vector<int> allowed = {0, 1, 2, 3, 4, 5, 6, 8, 9, 10};
  std::vector<int> all;
  for (int rank = 0; rank < 3; ++rank) {
    const std::vector<int> share = cpu_share(allowed, rank, 3);
    EXPECT_GE(share.size(), 3u);
    EXPECT_LE(share.size(), 4u);
    all.insert(all.end(), share.begin(), share.end());
  }
  EXPECT_EQ(all, allowed) << "every allowed CPU once, in order";
  EXPECT_EQ(cpu_share({0, 1}, 3, 4), std::vector<int>{1}) << "more ranks than CPUs: shared, one each";
  EXPECT_EQ(cpu_list_text({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_THROW(cpu_share(allowed, 3, 3), std::invalid_argument);
}

TEST(RequestBalance, LargestFirstToTheLeastLoadedRank) {
  // Worked by hand, loads (r0, r1): 9 -> r0 (9, 0); 7 -> r1 (9, 7); 6 -> r1 (9, 13); 5 -> r0 (14, 13);
  // 4 -> r1 (14, 17); 3 -> r0 (17, 17); 2 -> r0, the lower rank of a tie (19, 17).
  const std::vector<uint64_t> costs = {3, 9, 2, 7, 5, 6, 4};
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f", "g"};
  EXPECT_EQ(balance_by_cost(costs, keys, 2), (std::vector<int>{0, 0, 0, 1, 0, 1, 1}));
}

TEST(RequestBalance, DependsOnContentNotOnOrderAndStaysBalanced) {
  std::vector<uint64_t> costs;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    costs.push_back(static_cast<uint64_t>(50 + (i * 7919) % 400));
    keys.push_back("key" + std::to_string(i));
  }
  const std::vector<int> owner = balance_by_cost(costs, keys, 3);
  std::map<std::string, int> by_key;
  for (size_t i = 0; i < keys.size(); ++i) by_key[keys[i]] = owner[i];
  // The same requests listed backwards: each key keeps its rank.
  std::vector<uint64_t> reversed_costs(costs.rbegin(), costs.rend());
  std::vector<std::string> reversed_keys(keys.rbegin(), keys.rend());
  const std::vector<int> reversed = balance_by_cost(reversed_costs, reversed_keys, 3);
  for (size_t i = 0; i < reversed_keys.size(); ++i) EXPECT_EQ(reversed[i], by_key[reversed_keys[i]]);
  std::vector<uint64_t> load(3, 0);
  for (size_t i = 0; i < costs.size(); ++i) load[static_cast<size_t>(owner[i])] += costs[i];
  const uint64_t largest = *std::max_element(costs.begin(), costs.end());
  EXPECT_LE(*std::max_element(load.begin(), load.end()) - *std::min_element(load.begin(), load.end()), largest);
}

}  // namespace
}  // namespace engram::distributed
