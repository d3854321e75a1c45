#pragma once
// `speed` under torchrun (sweep_plan.h's ParallelSpeed): sharding each built model over the ranks,
// this rank's all-to-all time per layer at each point, and the report section rank 0 prints, with
// every rank's throughput, their sum and the all-to-all times gathered from all ranks:
//   "parallel": {"world_size", "backend", "sharded", "ranks": [...], "aggregate": [...], "all_to_all": [...]}

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/speed/speed_model.h"
#include "harness/speed/sweep_plan.h"

namespace engram::harness::speed {

// The exchange models are sharded over (build_speed_model's shard_over): parallel.context's process
// group, its waits naming a dead peer.
std::shared_ptr<RankExchange> make_speed_exchange(const ParallelSpeed& parallel);

// This rank's exchanges since the model's last reset_timings(), one entry per layer label, for the
// point `row` measured; `forwards`: the model forwards those runs made (none known: no per-forward time).
nlohmann::json all_to_all_entries(const SpeedModel& model, const nlohmann::json& row, std::optional<int64_t> forwards);

// A collective: every rank's rows and all-to-all entries, gathered on every rank.
nlohmann::json parallel_section(const ParallelSpeed& parallel, const nlohmann::json& rows,
                                const nlohmann::json& all_to_all);

// The section as markdown tables (per rank, aggregate, all-to-all per layer).
std::string format_parallel_section(const nlohmann::json& section);

}  // namespace engram::harness::speed
