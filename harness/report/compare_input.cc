#include "harness/report/compare_input.h"

#include <filesystem>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace engram::report {
namespace {

using nlohmann::json;

// Reads fields below one JSON node and names "SOURCE: field a.b.c: ..." in every error.
class FieldReader {
 public:
  FieldReader(const json& node, std::string source, std::string path)
      : node_(node), source_(std::move(source)), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw ReportInputError(source_ + ": field " + join(field) + ": " + problem);
  }
  std::string join(const std::string& field) const { return path_.empty() ? field : path_ + "." + field; }

  bool has(const std::string& field) const { return node_.contains(field) && !node_.at(field).is_null(); }

  FieldReader child(const std::string& field, json::value_t kind) const {
    if (!node_.contains(field)) fail(field, "missing");
    const json& value = node_.at(field);
    if (value.type() != kind) fail(field, std::string("expected ") + (kind == json::value_t::object ? "an object" : "an array"));
    return FieldReader(value, source_, join(field));
  }

  std::string text(const std::string& field) const {
    if (!node_.contains(field)) fail(field, "missing");
    if (!node_.at(field).is_string()) fail(field, "expected a string");
    return node_.at(field).get<std::string>();
  }
  std::optional<std::string> optional_text(const std::string& field) const {
    if (!has(field)) return std::nullopt;
    return text(field);
  }
  std::optional<double> optional_number(const std::string& field) const {
    if (!has(field)) return std::nullopt;
    if (!node_.at(field).is_number()) fail(field, "expected a number or null");
    return node_.at(field).get<double>();
  }

  const json& node() const { return node_; }
  const std::string& source() const { return source_; }
  const std::string& path() const { return path_; }

 private:
  const json& node_;
  std::string source_;
  std::string path_;
};

std::string scalar_text(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

MetricMap read_metrics(const FieldReader& owner) {
  MetricMap out;
  if (!owner.has("metrics")) return out;
  const FieldReader metrics = owner.child("metrics", json::value_t::object);
  for (const auto& [name, entry] : metrics.node().items()) {
    if (!entry.is_object()) metrics.fail(name, "expected an object");
    const FieldReader m(entry, metrics.source(), metrics.join(name));
    MetricSummary s;
    s.value = m.optional_number("value");
    s.standard_error = m.optional_number("stderr");
    if (m.has("n")) {
      if (!entry.at("n").is_number_integer()) m.fail("n", "expected an integer");
      s.n = entry.at("n").get<int64_t>();
    }
    if (m.has("higher_is_better")) {
      if (!entry.at("higher_is_better").is_boolean()) m.fail("higher_is_better", "expected true or false");
      s.higher_is_better = entry.at("higher_is_better").get<bool>();
    }
    if (m.has("ci95")) {
      const json& ci = entry.at("ci95");
      if (!ci.is_array() || ci.size() != 2 || !ci[0].is_number() || !ci[1].is_number()) {
        m.fail("ci95", "expected [low, high]");
      }
      s.ci95 = std::make_pair(ci[0].get<double>(), ci[1].get<double>());
    } else if (s.value && s.standard_error) {
      s.ci95 = std::make_pair(*s.value - 1.96 * *s.standard_error, *s.value + 1.96 * *s.standard_error);
    }
    out[name] = s;
  }
  return out;
}

std::vector<ScoreScope> read_scopes(const FieldReader& task, const std::string& field) {
  std::vector<ScoreScope> out;
  if (!task.has(field)) return out;
  const FieldReader scopes = task.child(field, json::value_t::object);
  for (const auto& [name, entry] : scopes.node().items()) {
    if (!entry.is_object()) scopes.fail(name, "expected an object");
    const FieldReader s(entry, scopes.source(), scopes.join(name));
    ScoreScope scope;
    scope.name = name;
    scope.fingerprint = s.optional_text("fingerprint");
    scope.metrics = read_metrics(s);
    if (s.has("subtasks")) {
      const FieldReader members = s.child("subtasks", json::value_t::array);
      for (const json& m : members.node()) {
        if (!m.is_string()) s.fail("subtasks", "expected an array of strings");
        scope.members.push_back(m.get<std::string>());
      }
    }
    out.push_back(std::move(scope));
  }
  return out;
}

ItemScores read_items(const FieldReader& task) {
  const FieldReader items = task.child("items", json::value_t::object);
  ItemScores out;
  const FieldReader ids = items.child("ids", json::value_t::array);
  std::set<std::string> seen;
  for (const json& id : ids.node()) {
    if (!id.is_string()) items.fail("ids", "expected an array of strings");
    if (!seen.insert(id.get<std::string>()).second) items.fail("ids", "duplicate id \"" + id.get<std::string>() + "\"");
    out.ids.push_back(id.get<std::string>());
  }
  if (!items.has("metrics")) return out;
  const FieldReader metrics = items.child("metrics", json::value_t::object);
  for (const auto& [name, values] : metrics.node().items()) {
    if (!values.is_array()) metrics.fail(name, "expected an array");
    if (values.size() != out.ids.size()) {
      metrics.fail(name, "has " + std::to_string(values.size()) + " values for " + std::to_string(out.ids.size()) + " ids");
    }
    std::vector<std::optional<double>> column;
    column.reserve(values.size());
    for (const json& v : values) {
      if (v.is_null()) column.push_back(std::nullopt);
      else if (v.is_number()) column.push_back(v.get<double>());
      else if (v.is_boolean()) column.push_back(v.get<bool>() ? 1.0 : 0.0);
      else metrics.fail(name, "expected numbers or null");
    }
    out.metrics[name] = std::move(column);
  }
  return out;
}

TaskScores read_task(const FieldReader& tasks, const std::string& name) {
  const FieldReader t = tasks.child(name, json::value_t::object);
  TaskScores out;
  out.name = name;
  out.fingerprint = t.optional_text("fingerprint");
  out.metrics = read_metrics(t);
  out.primary_metric = t.optional_text("primary_metric").value_or("");
  if (out.primary_metric.empty() && out.metrics.size() == 1) out.primary_metric = out.metrics.begin()->first;
  if (!out.primary_metric.empty() && !out.metrics.empty() && !out.metrics.count(out.primary_metric)) {
    t.fail("primary_metric", "\"" + out.primary_metric + "\" is not among the task's metrics");
  }
  out.subtasks = read_scopes(t, "subtask_results");
  out.groups = read_scopes(t, "groups");
  if (t.has("items")) out.items = read_items(t);
  return out;
}

// The seconds in `field` of a row's "samples", checked; empty when absent.
std::vector<double> sample_seconds(const FieldReader& owner, const std::string& field) {
  if (!owner.has("samples")) return {};
  const FieldReader samples = owner.child("samples", json::value_t::object);
  if (!samples.has(field)) return {};
  const FieldReader values = samples.child(field, json::value_t::array);
  std::vector<double> out;
  for (const json& v : values.node()) {
    if (!v.is_number()) samples.fail(field, "expected an array of seconds");
    out.push_back(v.get<double>());
  }
  return out;
}

double count_field(const FieldReader& r, const std::string& field) {
  const auto v = r.optional_number(field);
  if (!v || *v < 0) r.fail(field, "expected a count");
  return *v;
}

// Intervals from the raw repetitions of a sweep row: prefill over prompt tokens, decode over the
// tokens after the first, output over all generated tokens and the whole repetition.
void add_rate_intervals(const FieldReader& r, SpeedRow& row) {
  const auto repetitions = r.optional_number("repetitions");
  if (!repetitions || *repetitions < 2) return;  // nano-vllm rows time batches of one run, not repetitions
  const std::vector<double> prefill = sample_seconds(r, "prefill_s"), decode = sample_seconds(r, "decode_s");
  if (prefill.size() != static_cast<size_t>(*repetitions) || decode.size() != prefill.size()) return;
  const double batch = count_field(r, "batch"), prompt = count_field(r, "prompt_tokens"), gen = count_field(r, "gen_tokens");
  std::vector<double> totals;
  for (size_t i = 0; i < prefill.size(); ++i) totals.push_back(prefill[i] + decode[i]);
  const std::pair<const char*, std::vector<double>> measures[] = {
      {"prefill_tok_s", repetition_rates(batch * prompt, prefill)},
      {"decode_tok_s", gen > 1 ? repetition_rates(batch * (gen - 1), decode) : std::vector<double>{}},
      {"output_tok_s", repetition_rates(batch * gen, totals)}};
  for (const auto& [measure, rates] : measures) {
    if (!row.throughput.count(measure) || rates.size() != prefill.size()) continue;
    // Samples that do not reproduce the row's own rate (a writer that defines it otherwise) would
    // put the interval beside the number: no interval then.
    const double mean = std::accumulate(rates.begin(), rates.end(), 0.0) / static_cast<double>(rates.size());
    const double reported = row.throughput.at(measure);
    if (std::abs(mean - reported) > 0.01 * std::abs(reported)) continue;
    if (const auto interval = mean_interval(rates)) row.throughput_interval[measure] = *interval;
  }
}

std::vector<SpeedRow> read_speed(const FieldReader& report) {
  std::vector<SpeedRow> out;
  if (!report.has("speed")) return out;
  const FieldReader speed = report.child("speed", json::value_t::object);
  const FieldReader rows = speed.child("rows", json::value_t::array);
  for (size_t i = 0; i < rows.node().size(); ++i) {
    const json& row = rows.node()[i];
    const std::string index = std::to_string(i);
    if (!row.is_object()) rows.fail(index, "expected an object");
    const FieldReader r(row, rows.source(), rows.join(index));
    SpeedRow s;
    s.model = row.contains("model") ? scalar_text(row.at("model")) : "null";
    for (const std::string& field : speed_shape_fields()) {
      std::string value = row.contains(field) ? scalar_text(row.at(field)) : "null";
      // A model without Engram (null tier) keeps all its weights on the device, as an Engram model
      // with device-resident tables does: the two are the same workload, so an Engram model and its
      // MoE/dense baseline meet in one row.
      if (field == "engram_table" && value == "null") value = "device";
      s.key.emplace_back(field, std::move(value));
    }
    for (const std::string& field : throughput_fields()) {
      if (const auto v = r.optional_number(field)) s.throughput[field] = *v;
      if (const auto sd = r.optional_number(field + "_stddev")) s.throughput_stddev[field] = *sd;
    }
    add_rate_intervals(r, s);
    out.push_back(std::move(s));
  }
  return out;
}

// Device and offloaded passes alternate, so repetition i of each forms a pair.
void add_offload_intervals(const FieldReader& r, OffloadRun& run) {
  const std::vector<double> device = sample_seconds(r, "device_s"), offloaded = sample_seconds(r, "offloaded_s");
  if (device.size() < 2 || device.size() != offloaded.size()) return;
  const double tokens = count_field(r, "batch") * (count_field(r, "prompt_tokens") + count_field(r, "gen_tokens") - 1);
  std::vector<double> overhead_pct;
  for (size_t i = 0; i < device.size(); ++i) {
    if (device[i] > 0 && offloaded[i] > 0) overhead_pct.push_back(100.0 * (1.0 - device[i] / offloaded[i]));
  }
  if (overhead_pct.size() != device.size()) return;
  run.tok_s_interval = mean_interval(repetition_rates(tokens, offloaded));
  run.overhead_pct_interval = mean_interval(overhead_pct);
}

std::vector<OffloadRun> read_offload(const FieldReader& report) {
  std::vector<OffloadRun> out;
  if (!report.has("offload")) return out;
  const FieldReader offload = report.child("offload", json::value_t::object);
  const FieldReader runs = offload.child("runs", json::value_t::array);
  for (size_t i = 0; i < runs.node().size(); ++i) {
    const std::string index = std::to_string(i);
    if (!runs.node()[i].is_object()) runs.fail(index, "expected an object");
    const FieldReader r(runs.node()[i], runs.source(), runs.join(index));
    OffloadRun run;
    run.tier = r.text("tier");
    run.table_parameters = r.optional_number("table_parameters");
    run.table_bytes = r.optional_number("table_bytes");
    run.tok_s = r.optional_number("tok_s");
    run.overhead_pct = r.optional_number("overhead_pct");
    add_offload_intervals(r, run);
    out.push_back(run);
  }
  return out;
}

// Random weights, skipped tasks and protocol overrides, in words for the page and the notes.
std::vector<std::string> read_caveats(const FieldReader& root) {
  std::vector<std::string> out;
  if (root.has("model")) {
    const FieldReader model = root.child("model", json::value_t::object);
    const std::string family = model.optional_text("family").value_or("");
    const bool trainable = family == "engram" || family == "moe" || family == "dense";
    const std::string consequence = ": accuracy is at chance level; the numbers exercise the harness, not a trained model";
    if (model.optional_number("weights_seed")) {
      out.push_back("random weights (seed " + scalar_text(model.node().at("weights_seed")) + ")" + consequence);
    } else if (trainable && model.node().contains("checkpoint_sha256") && model.node().at("checkpoint_sha256").is_null()) {
      out.push_back("random weights (no checkpoint)" + consequence);
    }
  }
  if (root.has("skipped")) {
    const FieldReader skipped = root.child("skipped", json::value_t::array);
    for (size_t i = 0; i < skipped.node().size(); ++i) {
      const std::string index = std::to_string(i);
      if (!skipped.node()[i].is_object()) skipped.fail(index, "expected an object");
      const FieldReader entry(skipped.node()[i], skipped.source(), skipped.join(index));
      out.push_back("skipped " + entry.text("task") + ": " + entry.text("reason"));
    }
  }
  const FieldReader tasks = root.child("tasks", json::value_t::object);
  for (const auto& [name, task] : tasks.node().items()) {
    if (!task.is_object() || !task.contains("protocol_overrides") || !task.at("protocol_overrides").is_object()) continue;
    const json& overrides = task.at("protocol_overrides");
    if (overrides.empty()) continue;
    std::string list;
    for (const auto& [field, value] : overrides.items()) list += (list.empty() ? "" : ", ") + field + " = " + scalar_text(value);
    out.push_back(name + ": protocol overridden (" + list + "), so it does not pair with a standard run");
  }
  return out;
}

}  // namespace

const std::vector<std::string>& speed_shape_fields() {
  static const std::vector<std::string> fields = {"batch", "prompt_tokens", "gen_tokens", "dtype",
                                                  "device", "threads", "engram_table", "workload"};
  return fields;
}

const std::vector<std::string>& throughput_fields() {
  static const std::vector<std::string> fields = {"prefill_tok_s", "decode_tok_s", "output_tok_s"};
  return fields;
}

std::string SpeedRow::key_text() const {
  std::string out;
  for (const auto& [field, value] : key) {
    if (value == "null") continue;
    if (!out.empty()) out += ' ';
    out += field + "=" + value;
  }
  return out;
}

const TaskScores* LoadedReport::find_task(const std::string& name) const {
  for (const TaskScores& t : tasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

LoadedReport parse_report(const json& report, const std::string& source) {
  if (!report.is_object()) throw ReportInputError(source + ": not a JSON object");
  const FieldReader root(report, source, "");
  const std::string version = root.text("schema_version");
  if (version.substr(0, version.find('.')) != "1") {
    root.fail("schema_version", "\"" + version + "\" is not readable by this build (major version 1)");
  }
  if (root.has("kind") && root.text("kind") != "engram-bench-report") {
    root.fail("kind", "expected \"engram-bench-report\", found \"" + root.text("kind") + "\"");
  }
  LoadedReport out;
  out.source = source;
  if (root.has("model")) {
    const FieldReader model = root.child("model", json::value_t::object);
    out.model_name = model.optional_text("name").value_or(model.optional_text("spec").value_or(""));
  }
  const FieldReader tasks = root.child("tasks", json::value_t::object);
  for (const auto& item : tasks.node().items()) out.tasks.push_back(read_task(tasks, item.key()));
  out.speed = read_speed(root);
  out.offload = read_offload(root);
  out.caveats = read_caveats(root);
  out.label = out.model_name.empty() ? std::filesystem::path(source).stem().string() : out.model_name;
  return out;
}

LoadedReport load_report_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ReportInputError(path + ": cannot open");
  json report;
  try {
    report = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ReportInputError(path + ": not valid JSON: " + e.what());
  }
  return parse_report(report, path);
}

void make_labels_unique(std::vector<LoadedReport>& reports) {
  auto count = [&](const std::string& label) {
    size_t n = 0;
    for (const LoadedReport& r : reports) n += r.label == label;
    return n;
  };
  std::vector<bool> clashes(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) clashes[i] = count(reports[i].label) > 1 && !reports[i].reference;
  for (size_t i = 0; i < reports.size(); ++i) {
    if (clashes[i]) reports[i].label = std::filesystem::path(reports[i].source).stem().string();
  }
  std::vector<bool> duplicated(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) duplicated[i] = count(reports[i].label) > 1;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < reports.size(); ++i) {
    if (duplicated[i]) reports[i].label += " #" + std::to_string(++seen[reports[i].label]);
  }
}

}  // namespace engram::report
