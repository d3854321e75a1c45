#include "harness/speed/sweep_plan.h"

#include <sstream>
#include <stdexcept>

namespace engram::harness::speed {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) parts.push_back(part);
  if (!text.empty() && text.back() == ',') parts.push_back("");
  return parts;
}

void require_positive(const std::vector<int64_t>& values, const std::string& option) {
  if (values.empty()) throw std::invalid_argument(option + ": at least one value is needed");
  for (int64_t v : values) {
    if (v < 1) throw std::invalid_argument(option + ": values must be positive, got " + std::to_string(v));
  }
}

void require_positive(const std::vector<BatchSize>& batches, const std::string& option) {
  if (batches.empty()) throw std::invalid_argument(option + ": at least one value is needed");
  for (const BatchSize& b : batches) {
    if (!b.is_auto() && b.value < 1) {
      throw std::invalid_argument(option + ": values must be positive, got " + std::to_string(b.value));
    }
  }
}

}  // namespace

std::vector<int64_t> parse_count_list(const std::string& text, const std::string& option) {
  std::vector<int64_t> values;
  for (const std::string& part : split_commas(text)) {
    const std::optional<int64_t> value = parse_positive_integer(part);
    if (!value) throw std::invalid_argument(option + ": '" + part + "' is not a positive integer (in '" + text + "')");
    values.push_back(*value);
  }
  if (values.empty()) throw std::invalid_argument(option + ": at least one value is needed");
  return values;
}

std::vector<BatchSize> parse_batch_list(const std::string& text, const std::string& option) {
  std::vector<BatchSize> batches;
  for (const std::string& part : split_commas(text)) {
    try {
      batches.push_back(parse_batch_size(part, option));
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument(option + ": '" + part + "' is not a positive integer or auto (in '" + text + "')");
    }
  }
  if (batches.empty()) throw std::invalid_argument(option + ": at least one value is needed");
  return batches;
}

std::vector<std::string> parse_name_list(const std::string& text, const std::string& option) {
  std::vector<std::string> names = split_commas(text);
  if (names.empty()) throw std::invalid_argument(option + ": at least one value is needed");
  for (const std::string& name : names) {
    if (name.empty()) throw std::invalid_argument(option + ": empty entry in '" + text + "'");
  }
  return names;
}

void validate(const SweepOptions& o) {
  if (o.parallel.shard) {
    // A sharded forward is a collective: every rank must run the same number of them.
    for (const BatchSize& b : o.batches) {
      if (b.is_auto()) throw std::invalid_argument("--batch auto: not with --shard (each rank's memory plan could differ)");
    }
    if (o.parallel.world_size < 2) throw std::invalid_argument("--shard: needs a torchrun launch of 2 or more ranks");
    if (o.engram_table != "device") throw std::invalid_argument("--shard: Engram tables are sharded, not in the " + o.engram_table + " tier");
  }
  if (o.models.empty()) throw std::invalid_argument("--model: at least one model is needed");
  require_positive(o.batches, "--batch");
  require_positive(o.prompt_tokens, "--prompt-tokens");
  require_positive(o.gen_tokens, "--gen-tokens");
  if (o.threads < 0) throw std::invalid_argument("--threads must not be negative");
  if (o.dtype != "float32" && o.dtype != "bfloat16" && o.dtype != "float16" && o.dtype != "auto") {
    throw std::invalid_argument("--dtype: expected float32, bfloat16, float16 or auto, got '" + o.dtype + "'");
  }
  if (o.repetitions < 1) throw std::invalid_argument("--repetitions must be at least 1");
  if (o.workload != "sweep" && o.workload != "nano-vllm") {
    throw std::invalid_argument("--workload: expected sweep or nano-vllm, got '" + o.workload + "'");
  }
  const NanoVllmWorkload& w = o.nano_vllm;
  if (w.num_seqs < 1) throw std::invalid_argument("--num-seqs must be positive");
  if (w.min_tokens < 1 || w.max_input < w.min_tokens || w.max_output < w.min_tokens) {
    throw std::invalid_argument("nano-vllm lengths: need 1 <= --min-tokens <= --max-input and <= --max-output");
  }
  if (o.engram_table != "device" && o.engram_table != "host" && o.engram_table != "disk") {
    throw std::invalid_argument("--engram-table: expected device, host or disk, got '" + o.engram_table + "'");
  }
  if (o.engram_table == "device" && o.engram_cache_rows != 0) {
    throw std::invalid_argument("--engram-cache-rows applies to the host and disk tiers; with --engram-table device "
                                "it must be 0");
  }
  if (o.engram_cache_rows < 0) throw std::invalid_argument("--engram-cache-rows must not be negative");
  if (!o.engram_table_file.empty() && o.engram_table != "disk") {
    throw std::invalid_argument("--engram-table-file applies to --engram-table disk");
  }
  if (!(o.memory_fraction > 0 && o.memory_fraction <= 1)) throw std::invalid_argument("--memory-fraction must be in (0, 1]");
}

std::vector<SweepPoint> expand_sweep(const SweepOptions& o) {
  std::vector<SweepPoint> points;
  for (const std::string& model : o.models) {
    for (const BatchSize& batch : o.batches) {
      if (o.workload == "nano-vllm") {
        points.push_back({model, batch, 0, 0});
        continue;
      }
      for (int64_t prompt : o.prompt_tokens) {
        for (int64_t gen : o.gen_tokens) points.push_back({model, batch, prompt, gen});
      }
    }
  }
  return points;
}

}  // namespace engram::harness::speed
