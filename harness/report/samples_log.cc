#include "harness/report/samples_log.h"

#include <stdexcept>

#include "engram/atomic_file.h"
#include "harness/report/report_schemas.h"
#include "tasks/sha256.h"

namespace engram::report {

nlohmann::json sample_log_line(const std::string& task, const nlohmann::json& record) {
  if (!record.is_object()) {
    throw std::invalid_argument("samples of task " + task + ": a sample record must be an object, got " +
                                std::string(record.type_name()));
  }
  nlohmann::json line = record;
  line["task"] = task;
  if (!line.contains("doc_hash")) line["doc_hash"] = nullptr;
  if (!line.contains("request")) line["request"] = nullptr;
  if (!line.contains("target_hash")) {
    const auto target = record.find("target");
    line["target_hash"] = target != record.end() && target->is_string()
                              ? nlohmann::json(tasks::sha256_hex(target->get_ref<const std::string&>()))
                              : nlohmann::json(nullptr);
  }
  return line;
}

std::string samples_log_text(const nlohmann::json& samples, size_t* records) {
  if (!samples.is_object()) {
    throw std::invalid_argument("samples: expected an object of task name -> records, got " +
                                std::string(samples.type_name()));
  }
  const SchemaValidator& validator = sample_schema_validator();
  std::string text;
  size_t count = 0;
  for (const auto& [task, task_records] : samples.items()) {
    if (!task_records.is_array()) {
      throw std::invalid_argument("samples/" + task + ": expected an array of sample records, got " +
                                  std::string(task_records.type_name()));
    }
    for (size_t i = 0; i < task_records.size(); ++i) {
      const nlohmann::json line = sample_log_line(task, task_records[i]);
      const std::vector<SchemaViolation> violations = validator.validate(line);
      if (!violations.empty()) {
        const std::string doc = line.value("doc_id", nlohmann::json(nullptr)).dump();
        throw std::invalid_argument("samples/" + task + "/" + std::to_string(i) + " (doc_id " + doc +
                                    "): " + violations.front().to_string() + " (" + validator.name() + ")");
      }
      text += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      text += '\n';
      ++count;
    }
  }
  if (records) *records = count;
  return text;
}

SamplesLogInfo write_samples_log(const std::filesystem::path& path, const nlohmann::json& samples) {
  SamplesLogInfo info;
  const std::string text = samples_log_text(samples, &info.records);
  write_file_atomically(path.string(), text);
  info.path = path;
  info.sha256 = tasks::sha256_hex(text);
  return info;
}

nlohmann::json SamplesLogInfo::to_report_json(const std::filesystem::path& report_path) const {
  const std::filesystem::path report_dir = std::filesystem::absolute(report_path).parent_path();
  const std::filesystem::path relative = std::filesystem::absolute(path).lexically_relative(report_dir);
  const bool under_report_dir = !relative.empty() && *relative.begin() != "..";
  return {{"path", (under_report_dir ? relative : std::filesystem::absolute(path)).generic_string()},
          {"records", records},
          {"sha256", sha256}};
}

}  // namespace engram::report
