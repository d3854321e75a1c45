#include "harness/report/report_schemas.h"

#include <nlohmann/json.hpp>

namespace engram::report {

const SchemaValidator& report_schema_validator() {
  static const SchemaValidator validator(nlohmann::json::parse(report_schema_text()), "report-v1.schema.json");
  return validator;
}

const SchemaValidator& sample_schema_validator() {
  static const SchemaValidator validator(nlohmann::json::parse(sample_schema_text()), "sample-v1.schema.json");
  return validator;
}

}  // namespace engram::report
