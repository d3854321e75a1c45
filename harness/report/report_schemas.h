#pragma once
// The report and per-sample JSON Schemas (results/schema/), embedded in the binary at build time
// so that validation can never be skipped for want of a file, and their validators, built once.

#include <string_view>

#include "harness/report/schema_validator.h"

namespace engram::report {

// The schema texts as they were in results/schema/ when this binary was built.
std::string_view report_schema_text();  // report-v1.schema.json
std::string_view sample_schema_text();  // sample-v1.schema.json

const SchemaValidator& report_schema_validator();
const SchemaValidator& sample_schema_validator();

}  // namespace engram::report
