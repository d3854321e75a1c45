#include "harness/distributed/data_parallel_sharing.h"

#include <stdexcept>

#include "harness/distributed/request_balance.h"
#include "tasks/journal.h"
#include "tasks/sha256.h"

namespace engram::distributed {
namespace {

using nlohmann::json;

// The identity of the instance list: ranks that built different tasks (another data folder, another
// limit) must not split it.
std::string list_digest(const std::vector<tasks::SharedInstance>& instances) {
  std::string keys;
  for (const auto& instance : instances) keys += *instance.key + "\n";
  return tasks::sha256_hex(keys);
}

std::string to_bytes(const json& value) {
  const std::vector<uint8_t> cbor = json::to_cbor(value);
  return std::string(cbor.begin(), cbor.end());
}

json from_bytes(const std::string& bytes) { return json::from_cbor(bytes.begin(), bytes.end()); }

}  // namespace

// What the model does with an instance, in tokens: the prompt and every scored continuation, or the
// prompt and the generation budget (an upper bound; most generations stop earlier).
uint64_t DataParallelSharing::token_cost(const tasks::Instance& instance) const {
  uint64_t cost = encode_(instance.context).size();
  if (instance.type == tasks::RequestType::loglikelihood) {
    for (const std::string& continuation : instance.continuations) cost += encode_(continuation).size();
  } else {
    cost += static_cast<uint64_t>(std::max<int64_t>(0, instance.generation.max_new_tokens));
  }
  return std::max<uint64_t>(cost, 1);
}

std::vector<bool> DataParallelSharing::assign(tasks::RequestType type,
                                              const std::vector<tasks::SharedInstance>& instances) {
  const std::string what = std::string("splitting the ") + tasks::to_string(type) + " requests";
  std::string plan;
  if (context_.is_root()) {
    std::vector<uint64_t> costs;
    std::vector<std::string> keys;
    std::vector<size_t> pending;
    for (size_t i = 0; i < instances.size(); ++i) {
      if (instances[i].answered) continue;
      pending.push_back(i);
      costs.push_back(token_cost(*instances[i].instance));
      keys.push_back(*instances[i].key);
    }
    const std::vector<int> owners = balance_by_cost(costs, keys, context_.world_size());
    std::vector<int> owner(instances.size(), 0);  // what rank 0's journals answer stays with rank 0
    std::vector<uint64_t> tokens(static_cast<size_t>(context_.world_size()), 0);
    for (size_t p = 0; p < pending.size(); ++p) {
      owner[pending[p]] = owners[p];
      tokens[static_cast<size_t>(owners[p])] += costs[p];
    }
    splits_[tasks::to_string(type)] = {{"instances", instances.size()},
                                       {"from_journal", instances.size() - pending.size()},
                                       {"tokens_per_rank", tokens}};
    plan = to_bytes({{"digest", list_digest(instances)}, {"owner", owner}});
  }
  const json received = from_bytes(context_.broadcast_bytes(plan, 0, what));
  if (received["digest"] != list_digest(instances)) {
    throw std::runtime_error("rank " + std::to_string(context_.rank()) + " built other " + tasks::to_string(type) +
                             " instances than rank 0 (" + std::to_string(instances.size()) +
                             " here): every rank must see the same tasks, data and limits");
  }
  const std::vector<int> owner = received["owner"].get<std::vector<int>>();
  std::vector<bool> mine(owner.size());
  for (size_t i = 0; i < owner.size(); ++i) mine[i] = owner[i] == context_.rank();
  return mine;
}

std::vector<std::pair<std::string, tasks::InstanceResponse>> DataParallelSharing::collect(
    tasks::RequestType type, const std::vector<std::pair<std::string, const tasks::InstanceResponse*>>& mine) {
  json answers = json::array();
  for (const auto& [key, response] : mine) answers.push_back({key, tasks::response_to_json(*response)});
  const std::vector<std::string> gathered = context_.gather_bytes(
      to_bytes(answers), 0, std::string("gathering the ") + tasks::to_string(type) + " answers on rank 0");
  std::vector<std::pair<std::string, tasks::InstanceResponse>> others;
  for (size_t r = 1; r < gathered.size(); ++r) {
    for (const json& entry : from_bytes(gathered[r])) {
      others.emplace_back(entry.at(0).get<std::string>(), tasks::response_from_json(entry.at(1)));
    }
  }
  return others;
}

}  // namespace engram::distributed
