#pragma once
// The evaluator's RequestSharing (tasks/request_sharing.h) over a DistributedContext: rank 0 splits
// each request type's unanswered instances across the ranks by content key, balanced by token count
// (request_balance.h), and broadcasts the split; the instances rank 0's journals already answer stay
// with rank 0. Each rank answers its share through its own journal; rank 0 gathers the answers
// (c10d gather, CBOR-encoded exactly as the journal stores them), scores and reports.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/distributed/distributed_context.h"
#include "tasks/request_sharing.h"

namespace engram::distributed {

class DataParallelSharing : public tasks::RequestSharing {
 public:
  using Encoder = std::function<std::vector<int64_t>(const std::string&)>;
  // `encode` (the model's tokenizer) prices the instances on rank 0.
  DataParallelSharing(DistributedContext& context, Encoder encode) : context_(context), encode_(std::move(encode)) {}

  std::vector<bool> assign(tasks::RequestType type, const std::vector<tasks::SharedInstance>& instances) override;
  std::vector<std::pair<std::string, tasks::InstanceResponse>> collect(
      tasks::RequestType type, const std::vector<std::pair<std::string, const tasks::InstanceResponse*>>& mine) override;
  bool scores() const override { return context_.is_root(); }

  // Rank 0's record of each split: {"<type>": {"instances", "from_journal", "tokens_per_rank": [...]}}.
  const nlohmann::json& splits() const { return splits_; }

 private:
  uint64_t token_cost(const tasks::Instance& instance) const;
  DistributedContext& context_;
  Encoder encode_;
  nlohmann::json splits_ = nlohmann::json::object();
};

}  // namespace engram::distributed
