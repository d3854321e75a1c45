#include "harness/speed/parallel_speed.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

#include "harness/distributed/distributed_context.h"

namespace engram::harness::speed {
namespace {

// The throughput fields each rank reports for a point; the aggregate sums the rates.
const char* const kRateFields[] = {"prefill_tok_s", "decode_tok_s", "output_tok_s"};

nlohmann::json rank_row(int rank, size_t point, const nlohmann::json& row) {
  nlohmann::json out = {{"rank", rank},
                        {"point", point},
                        {"model", row["model"]},
                        {"device", row["device"]},
                        {"batch", row["batch"]},
                        {"prompt_tokens", row["prompt_tokens"]},
                        {"gen_tokens", row["gen_tokens"]}};
  for (const char* field : kRateFields) out[field] = row[field];
  return out;
}

std::string number_or_dash(const nlohmann::json& value, const char* format) {
  return value.is_null() ? std::string("-") : fmt::format(fmt::runtime(format), value.get<double>());
}

}  // namespace

std::shared_ptr<RankExchange> make_speed_exchange(const ParallelSpeed& parallel) {
  distributed::DistributedContext* context = parallel.context;
  if (!context) throw std::invalid_argument("--shard: needs a torchrun launch of 2 or more ranks");
  return std::make_shared<RankExchange>(
      context->process_group_ptr(), context->device(),
      [context](const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) { context->wait(work, what); });
}

nlohmann::json all_to_all_entries(const SpeedModel& model, const nlohmann::json& row, std::optional<int64_t> forwards) {
  nlohmann::json out = nlohmann::json::array();
  if (!model.exchange) return out;
  for (const auto& [label, timing] : model.exchange->timings()) {
    out.push_back({{"model", row["model"]},
                   {"batch", row["batch"]},
                   {"prompt_tokens", row["prompt_tokens"]},
                   {"gen_tokens", row["gen_tokens"]},
                   {"rank", model.exchange->rank()},
                   {"layer", label},
                   {"exchanges", timing.calls},
                   {"seconds", timing.seconds},
                   {"bytes_sent", timing.bytes_sent},
                   {"forwards", forwards ? nlohmann::json(*forwards) : nlohmann::json()},
                   {"ms_per_forward", forwards && *forwards > 0 ? nlohmann::json(timing.seconds * 1e3 / static_cast<double>(*forwards))
                                                                 : nlohmann::json()}});
  }
  return out;
}

nlohmann::json parallel_section(const ParallelSpeed& parallel, const nlohmann::json& rows,
                                const nlohmann::json& all_to_all) {
  distributed::DistributedContext& context = *parallel.context;
  nlohmann::json mine = {{"rows", nlohmann::json::array()}, {"all_to_all", all_to_all}};
  for (size_t point = 0; point < rows.size(); ++point) mine["rows"].push_back(rank_row(parallel.rank, point, rows[point]));
  nlohmann::json section = {{"world_size", context.world_size()},
                            {"backend", context.backend_name()},
                            {"sharded", parallel.shard},
                            {"ranks", nlohmann::json::array()},
                            {"aggregate", nlohmann::json::array()},
                            {"all_to_all", nlohmann::json::array()}};
  std::map<size_t, nlohmann::json> aggregate;
  for (const std::string& bytes : context.all_gather_bytes(mine.dump(), "speed: gathering every rank's rows")) {
    const nlohmann::json theirs = nlohmann::json::parse(bytes);
    for (const auto& row : theirs["rows"]) {
      section["ranks"].push_back(row);
      const size_t point = row["point"].get<size_t>();
      auto [it, first] = aggregate.try_emplace(point, row);
      nlohmann::json& sum = it->second;
      if (first) {
        sum.erase("rank");
        sum.erase("device");
        sum["ranks"] = 1;
        continue;
      }
      sum["ranks"] = sum["ranks"].get<int>() + 1;
      sum["batch"] = sum["batch"].get<int64_t>() + row["batch"].get<int64_t>();
      for (const char* field : kRateFields) {
        // Every rank ran its own batch at the same time, so the rates add up.
        if (!sum[field].is_null() && !row[field].is_null()) sum[field] = sum[field].get<double>() + row[field].get<double>();
      }
    }
    for (const auto& entry : theirs["all_to_all"]) section["all_to_all"].push_back(entry);
  }
  for (auto& [point, sum] : aggregate) section["aggregate"].push_back(std::move(sum));
  return section;
}

std::string format_parallel_section(const nlohmann::json& section) {
  std::ostringstream out;
  out << fmt::format("{} ranks ({}), {}\n\n", section["world_size"].get<int>(), section["backend"].get<std::string>(),
                     section["sharded"].get<bool>() ? "experts and Engram tables sharded" : "model replicated on every rank");
  const auto rates = [](const nlohmann::json& row) {
    return fmt::format("{} | {} | {}", number_or_dash(row["prefill_tok_s"], "{:.1f}"),
                       number_or_dash(row["decode_tok_s"], "{:.1f}"), number_or_dash(row["output_tok_s"], "{:.1f}"));
  };
  out << "| rank | model | batch | prompt | gen | prefill tok/s | decode tok/s | output tok/s |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : section["ranks"]) {
    out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", row["rank"].get<int>(), row["model"].get<std::string>(),
                       row["batch"].dump(), row["prompt_tokens"].dump(), row["gen_tokens"].dump(), rates(row));
  }
  out << "\n| all ranks | model | batch | prompt | gen | prefill tok/s | decode tok/s | output tok/s |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : section["aggregate"]) {
    out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", row["ranks"].get<int>(), row["model"].get<std::string>(),
                       row["batch"].dump(), row["prompt_tokens"].dump(), row["gen_tokens"].dump(), rates(row));
  }
  if (!section["all_to_all"].empty()) {
    out << "\n| rank | model | batch | prompt | gen | layer | all-to-alls | ms per forward | MB sent |\n"
           "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& entry : section["all_to_all"]) {
      out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:.3f} |\n", entry["rank"].get<int>(),
                         entry["model"].get<std::string>(), entry["batch"].dump(), entry["prompt_tokens"].dump(),
                         entry["gen_tokens"].dump(), entry["layer"].get<std::string>(), entry["exchanges"].get<int64_t>(),
                         number_or_dash(entry["ms_per_forward"], "{:.3f}"), entry["bytes_sent"].get<double>() / 1e6);
    }
  }
  return out.str();
}

}  // namespace engram::harness::speed
