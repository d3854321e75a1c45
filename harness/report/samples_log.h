#pragma once
// The per-sample log: one JSON line per scored sample (results/schema/sample-v1.schema.json),
// written next to the report, so that every number in a report can be traced to the responses it
// came from without making the report itself large.

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace engram::report {

struct SamplesLogInfo {
  std::filesystem::path path;
  size_t records = 0;
  std::string sha256;  // of the file's bytes

  // The report's "samples_log" entry; the path is stored relative to the report's folder when the
  // log lies under it, so that the pair can be moved together.
  nlohmann::json to_report_json(const std::filesystem::path& report_path) const;
};

// One log line from one of the evaluator's sample records (tasks/evaluator.h) of task `task`:
// the record's fields plus "task", "target_hash" (SHA-256 of the target text) and, where the record
// has none, "doc_hash" and "request" as null.
nlohmann::json sample_log_line(const std::string& task, const nlohmann::json& record);

// The whole log for the evaluator's "samples" object ({"<task>": [record, ...]}), tasks in name
// order, records in evaluation order. Every line is checked against the sample schema; a line that
// fails is an error naming the task, the doc_id and the field.
std::string samples_log_text(const nlohmann::json& samples, size_t* records = nullptr);

// Writes samples_log_text(samples) to `path` atomically.
SamplesLogInfo write_samples_log(const std::filesystem::path& path, const nlohmann::json& samples);

}  // namespace engram::report
