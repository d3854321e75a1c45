#pragma once
// The rules a report must follow that JSON Schema cannot state, because they relate one field to
// another: a task's primary_metric names one of its metrics; items.ids are unique; every
// items.metrics array is as long as items.ids; a ci95 interval contains its value.

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/schema_validator.h"

namespace engram::report {

// Problems in a report that already passes the schema (keyword "consistency").
std::vector<SchemaViolation> report_consistency_problems(const nlohmann::json& report);

// Schema violations and then consistency problems; empty when the report is valid.
std::vector<SchemaViolation> validate_report(const nlohmann::json& report);

}  // namespace engram::report
