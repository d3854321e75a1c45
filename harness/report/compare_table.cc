#include "harness/report/compare_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace engram::report {
namespace {

bool id_in_scope(const std::string& id, const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return true;
  for (const std::string& p : prefixes) {
    if (id.size() > p.size() && id.compare(0, p.size(), p) == 0 && id[p.size()] == '/') return true;
  }
  return false;
}

const ScoreScope* find_scope(const std::vector<ScoreScope>& scopes, const std::string& name) {
  for (const ScoreScope& s : scopes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Where one row lives inside a task: the task itself, one subtask or one group.
struct RowSpec {
  std::string scope;
  std::string scope_name;  // subtask or group name; empty for the task
};

const MetricMap* row_metrics(const TaskScores& task, const RowSpec& spec) {
  if (spec.scope == "task") return &task.metrics;
  const ScoreScope* s = find_scope(spec.scope == "subtask" ? task.subtasks : task.groups, spec.scope_name);
  return s ? &s->metrics : nullptr;
}

std::optional<std::string> row_fingerprint(const TaskScores& task, const RowSpec& spec) {
  if (spec.scope == "subtask") {
    if (const ScoreScope* s = find_scope(task.subtasks, spec.scope_name); s && s->fingerprint) return s->fingerprint;
  }
  return task.fingerprint;
}

std::vector<std::string> row_id_prefixes(const TaskScores& task, const RowSpec& spec) {
  if (spec.scope == "subtask") return {spec.scope_name};
  if (spec.scope == "group") {
    if (const ScoreScope* g = find_scope(task.groups, spec.scope_name)) return g->members;
  }
  return {};
}

void fill_against_first(AccuracyCell& cell, const AccuracyCell& first, const TaskScores& task_a, const TaskScores& task_b,
                        const RowSpec& spec, const std::string& metric, const LoadedReport& a, const LoadedReport& b,
                        const CompareOptions& options) {
  const auto fp_a = row_fingerprint(task_a, spec), fp_b = row_fingerprint(task_b, spec);
  if (fp_a && fp_b) cell.fingerprint_differs = *fp_a != *fp_b;
  else cell.protocol_unchecked = true;
  if (cell.metric.value && first.metric.value) cell.delta = *cell.metric.value - *first.metric.value;

  if (a.reference || b.reference) {
    cell.no_test_reason = "published reference: no per-item data";
  } else if (!task_a.items || !task_b.items) {
    cell.no_test_reason = "no per-item data in " + (task_a.items ? b.source : a.source);
  } else if (!task_a.items->metrics.count(metric) || !task_b.items->metrics.count(metric)) {
    cell.no_test_reason = "no per-item values of " + metric;
  } else {
    const PairedItems paired = pair_items(*task_a.items, *task_b.items, metric, row_id_prefixes(task_a, spec));
    if (paired.a.empty()) {
      cell.no_test_reason = "no items in common";
    } else {
      cell.test = paired_test(paired.a, paired.b, options.bootstrap);
      cell.delta_ci = std::make_pair(cell.test->ci_low, cell.test->ci_high);
      cell.delta_ci_method = "paired-bootstrap";
    }
  }
  if (!cell.delta_ci && cell.delta && cell.metric.standard_error && first.metric.standard_error) {
    const double se = std::hypot(*cell.metric.standard_error, *first.metric.standard_error);
    cell.delta_ci = std::make_pair(*cell.delta - 1.96 * se, *cell.delta + 1.96 * se);
    cell.delta_ci_method = "unpaired-stderr";
  }
}

AccuracyRow build_row(const std::vector<LoadedReport>& reports, const std::string& task_name, const RowSpec& spec,
                      const std::string& metric, const CompareOptions& options) {
  AccuracyRow row;
  row.task = task_name;
  row.scope = spec.scope;
  row.name = spec.scope == "task" ? task_name : task_name + "/" + spec.scope_name;
  row.metric = metric;
  row.cells.resize(reports.size());
  const TaskScores* first_task = reports[0].find_task(task_name);
  for (size_t i = 0; i < reports.size(); ++i) {
    AccuracyCell& cell = row.cells[i];
    const TaskScores* task = reports[i].find_task(task_name);
    const MetricMap* metrics = task ? row_metrics(*task, spec) : nullptr;
    if (!metrics || !metrics->count(metric)) {
      cell.no_test_reason = task ? "metric " + metric + " not reported" : "task not in this report";
      continue;
    }
    cell.present = true;
    cell.metric = metrics->at(metric);
    row.higher_is_better = cell.metric.higher_is_better;
    if (i == 0 || !first_task || !row.cells[0].present) {
      if (i > 0) cell.no_test_reason = "not in the first report";
      continue;
    }
    fill_against_first(cell, row.cells[0], *first_task, *task, spec, metric, reports[0], reports[i], options);
  }
  return row;
}

void add_task_rows(const std::vector<LoadedReport>& reports, const std::string& task_name, const CompareOptions& options,
                   std::vector<AccuracyRow>& rows) {
  std::string metric;
  for (const LoadedReport& r : reports) {
    const TaskScores* t = r.find_task(task_name);
    if (t && !t->primary_metric.empty()) {
      metric = t->primary_metric;
      break;
    }
  }
  if (metric.empty()) {
    // A reference can carry a task only through its groups (RULER categories): no task-level row.
  } else {
    rows.push_back(build_row(reports, task_name, {"task", ""}, metric, options));
  }
  if (options.detail != CompareDetail::subtasks) return;
  for (const char* scope : {"subtask", "group"}) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const LoadedReport& r : reports) {
      const TaskScores* t = r.find_task(task_name);
      if (!t) continue;
      for (const ScoreScope& s : std::string(scope) == "subtask" ? t->subtasks : t->groups) {
        if (seen.insert(s.name).second) names.push_back(s.name);
      }
    }
    for (const std::string& name : names) {
      std::string scope_metric = metric;
      if (scope_metric.empty()) {
        // Without a task-level metric, use the scope's own (a reference's single metric).
        for (const LoadedReport& r : reports) {
          const TaskScores* t = r.find_task(task_name);
          const MetricMap* m = t ? row_metrics(*t, {scope, name}) : nullptr;
          if (m && !m->empty()) {
            scope_metric = m->begin()->first;
            break;
          }
        }
      }
      if (!scope_metric.empty()) rows.push_back(build_row(reports, task_name, {scope, name}, scope_metric, options));
    }
  }
}

void mark_significance(Comparison& comparison, size_t columns) {
  for (size_t c = 1; c < columns; ++c) {
    std::vector<AccuracyCell*> tested;
    std::vector<double> p;
    for (AccuracyRow& row : comparison.accuracy) {
      AccuracyCell& cell = row.cells[c];
      if (cell.test) {
        tested.push_back(&cell);
        p.push_back(cell.test->p_value);
      }
    }
    const std::vector<double> adjusted = holm_adjust(p);
    for (size_t i = 0; i < tested.size(); ++i) {
      tested[i]->adjusted_p = adjusted[i];
      tested[i]->significant = adjusted[i] < comparison.alpha;
    }
  }
}

std::vector<SpeedColumn> speed_columns(const std::vector<LoadedReport>& reports) {
  std::vector<SpeedColumn> out;
  std::vector<size_t> models_in_report(reports.size(), 0);
  for (size_t i = 0; i < reports.size(); ++i) {
    for (const SpeedRow& row : reports[i].speed) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const SpeedColumn& c) { return c.report == i && c.model == row.model; });
      if (seen) continue;
      out.push_back({i, row.model, row.model});
      ++models_in_report[i];
    }
  }
  for (SpeedColumn& column : out) {
    const auto shared = std::count_if(out.begin(), out.end(), [&](const SpeedColumn& c) { return c.model == column.model; });
    if (shared < 2) continue;
    const std::string& report = reports[column.report].label;
    column.label = models_in_report[column.report] == 1 ? report : report + ": " + column.model;
  }
  return out;
}

SpeedCell speed_cell(const SpeedRow& row, const std::string& measure) {
  SpeedCell cell;
  cell.present = true;
  cell.value = row.throughput.at(measure);
  if (row.throughput_stddev.count(measure)) cell.stddev = row.throughput_stddev.at(measure);
  if (row.throughput_interval.count(measure)) cell.interval = row.throughput_interval.at(measure);
  return cell;
}

// Rows pair on the workload shape; each model of each report is a column, deltas against the first.
void add_speed_rows(const std::vector<LoadedReport>& reports, Comparison& comparison) {
  comparison.speed_columns = speed_columns(reports);
  const std::vector<SpeedColumn>& columns = comparison.speed_columns;
  std::vector<std::pair<const SpeedRow*, std::string>> order;  // (first row of a shape, measure) in first-seen order
  std::set<std::pair<std::string, std::string>> seen;
  for (const LoadedReport& r : reports) {
    for (const SpeedRow& row : r.speed) {
      for (const std::string& measure : throughput_fields()) {
        if (row.throughput.count(measure) && seen.insert({row.key_text(), measure}).second) order.emplace_back(&row, measure);
      }
    }
  }
  for (const auto& [first_row, measure] : order) {
    const std::string key = first_row->key_text();
    SpeedComparisonRow out{key, first_row->key, measure, std::vector<SpeedCell>(columns.size())};
    for (size_t c = 0; c < columns.size(); ++c) {
      for (const SpeedRow& row : reports[columns[c].report].speed) {
        if (row.model != columns[c].model || row.key_text() != key || !row.throughput.count(measure)) continue;
        out.cells[c] = speed_cell(row, measure);
        break;
      }
      const SpeedCell& first = out.cells[0];
      if (c > 0 && out.cells[c].present && first.present && first.value != 0) {
        out.cells[c].relative_change = (out.cells[c].value - first.value) / first.value;
      }
    }
    comparison.speed.push_back(std::move(out));
  }
}

void add_ruler_points(const std::vector<LoadedReport>& reports, Comparison& comparison) {
  for (size_t i = 0; i < reports.size(); ++i) {
    const TaskScores* ruler = reports[i].find_task("ruler");
    if (!ruler) continue;
    // Subtasks when the report has them by length; a reference has only its category groups.
    const std::vector<ScoreScope>* scopes = &ruler->subtasks;
    const auto has_lengths = [](const std::vector<ScoreScope>& s) {
      return std::any_of(s.begin(), s.end(), [](const ScoreScope& x) { return split_length_suffix(x.name).has_value(); });
    };
    if (!has_lengths(*scopes)) scopes = &ruler->groups;
    std::map<int64_t, std::pair<double, double>> sums;  // length -> (weighted sum, weight)
    std::map<int64_t, size_t> parts;
    for (const ScoreScope& s : *scopes) {
      const auto split = split_length_suffix(s.name);
      if (!split) continue;
      const MetricSummary* m = nullptr;
      if (s.metrics.count(ruler->primary_metric)) m = &s.metrics.at(ruler->primary_metric);
      else if (!s.metrics.empty()) m = &s.metrics.begin()->second;
      if (!m || !m->value) continue;
      const double weight = m->n && *m->n > 0 ? static_cast<double>(*m->n) : 1.0;
      sums[split->second].first += weight * *m->value;
      sums[split->second].second += weight;
      ++parts[split->second];
    }
    for (const auto& [length, sum] : sums) {
      comparison.ruler.push_back({i, length, sum.first / sum.second, parts[length]});
    }
  }
}

}  // namespace

PairedItems pair_items(const ItemScores& a, const ItemScores& b, const std::string& metric,
                       const std::vector<std::string>& id_prefixes) {
  PairedItems out;
  const auto& values_a = a.metrics.at(metric);
  const auto& values_b = b.metrics.at(metric);
  std::unordered_map<std::string, size_t> index_b;
  for (size_t j = 0; j < b.ids.size(); ++j) {
    if (id_in_scope(b.ids[j], id_prefixes)) index_b.emplace(b.ids[j], j);
  }
  size_t matched_b = 0;
  for (size_t i = 0; i < a.ids.size(); ++i) {
    if (!id_in_scope(a.ids[i], id_prefixes)) continue;
    const auto found = index_b.find(a.ids[i]);
    if (found == index_b.end()) {
      ++out.only_in_a;
      continue;
    }
    ++matched_b;
    if (!values_a[i] || !values_b[found->second]) {
      if (values_a[i]) ++out.only_in_a;
      if (values_b[found->second]) ++out.only_in_b;
      continue;
    }
    out.a.push_back(*values_a[i]);
    out.b.push_back(*values_b[found->second]);
  }
  out.only_in_b += index_b.size() - matched_b;
  return out;
}

std::optional<std::pair<std::string, int64_t>> split_length_suffix(const std::string& name) {
  const size_t at = name.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == name.size()) return std::nullopt;
  const std::string digits = name.substr(at + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || digits.size() > 12) {
    return std::nullopt;
  }
  return std::make_pair(name.substr(0, at), static_cast<int64_t>(std::stoll(digits)));
}

Comparison compare_reports(const std::vector<LoadedReport>& reports, const CompareOptions& options) {
  if (reports.empty()) throw std::invalid_argument("compare_reports: no reports");
  Comparison out;
  out.alpha = options.alpha;
  for (const LoadedReport& r : reports) {
    out.labels.push_back(r.label);
    out.sources.push_back(r.source);
    out.reference.push_back(r.reference);
    for (const std::string& note : r.notes) out.notes.push_back(r.label + ": " + note);
    out.caveats.push_back(r.caveats);
  }
  std::vector<std::string> task_names;
  std::set<std::string> seen;
  for (const LoadedReport& r : reports) {
    for (const TaskScores& t : r.tasks) {
      if (seen.insert(t.name).second) task_names.push_back(t.name);
    }
  }
  for (const std::string& name : task_names) add_task_rows(reports, name, options, out.accuracy);
  mark_significance(out, reports.size());
  add_speed_rows(reports, out);
  for (size_t i = 0; i < reports.size(); ++i) {
    for (const OffloadRun& run : reports[i].offload) out.offload.push_back({i, run});
  }
  add_ruler_points(reports, out);
  return out;
}

}  // namespace engram::report
