#pragma once
// Runs a speed sweep (or the nano-vllm workload) and returns the report's `speed` section:
// {"fields": [...], "rows": [...], "memory_plans": [...]} (memory_plans: one per model and length
// whose batch was `auto`), plus "offload": {"runs": [...]} (the report's offload section) when
// options.engram_table is host or disk: Engram models are then built and measured with their tables
// in that tier (harness/speed/speed_model_tables.h), one offload run per point. The main job calls this with a small sweep; `engram-bench speed` with the
// user's. No LibTorch in this header.

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "harness/speed/sweep_plan.h"

namespace engram::harness::speed {

// progress: one line per measured point (nullptr: silent).
nlohmann::json run_sweep(const SweepOptions& options, std::ostream* progress = nullptr);

}  // namespace engram::harness::speed
