#pragma once
// The main job's speed and offload measurements for one model: a small llama-bench-style sweep,
// and for Engram models the table tiers (device, host, disk) measured interleaved.

#include <cstdint>
#include <string>

#include "harness/report/report.h"

namespace engram::cli {

// Fills extras.speed (and extras.offload for models with Engram layers).
void measure_for_main_job(const std::string& model, const std::string& suite, uint64_t seed,
                          report::ReportExtras& extras, bool quiet);

}  // namespace engram::cli
