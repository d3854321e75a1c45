#include "baselines/derive.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "baselines/presets.h"
#include "engram/primes.h"

namespace engram::model {
namespace {

double relative(double before, double after) { return before == 0 ? 0.0 : (after - before) / before; }

std::string share_text(double share) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", share);
  return buffer;
}

EngramConfig engram_config_for(const ModelConfig& c, const EngramLayout& layout, int64_t base) {
  EngramConfig e;
  e.hash.engram_vocab_size.assign(static_cast<std::size_t>(std::max(layout.max_ngram_size - 1, 0)), base);
  e.hash.max_ngram_size = layout.max_ngram_size;
  e.hash.n_head_per_ngram = layout.n_head_per_ngram;
  e.hash.layer_ids = layout.layer_ids;
  e.hash.pad_id = layout.pad_id;
  e.hash.seed = layout.seed;
  e.n_embed_per_ngram = layout.n_embed_per_ngram;
  e.kernel_size = layout.kernel_size;
  e.hidden_size = static_cast<int>(c.hidden_size);
  e.hc_mult = static_cast<int>(c.hc_mult);
  return e;
}

int64_t table_rows(const EngramConfig& e) {
  int64_t rows = 0;
  for (const auto& layer :
       engram::engram_table_primes(e.hash.engram_vocab_size, e.hash.n_head_per_ngram, e.hash.layer_ids.size())) {
    for (const auto& order : layer) rows = std::accumulate(order.begin(), order.end(), rows);
  }
  return rows;
}

void require_moe(const ModelConfig& c, const char* what) {
  if (!c.moe) {
    throw std::invalid_argument(std::string(what) + ": the model has no routed experts (field 'n_routed_experts')");
  }
}

Derivation finish(Derivation d, int64_t context) {
  d.derived.validate("derived config");
  d.derived_accounting = account_parameters(d.derived);
  d.parameter_delta = d.derived_accounting.total_params - d.source_accounting.total_params;
  d.experts_after = d.derived.moe->n_routed_experts;
  d.iso = compare_iso(d.source, d.derived, context);
  return d;
}

}  // namespace

EngramLayout default_engram_layout(const ModelConfig& c) {
  EngramLayout layout;
  const int64_t second = c.num_hidden_layers / 2;
  const int64_t first = std::min<int64_t>(2, second - 1);
  if (first >= 1) {
    layout.layer_ids = {first, second};
  } else {
    layout.layer_ids = {std::min<int64_t>(1, c.num_hidden_layers - 1)};
  }
  const int64_t per_order = c.hidden_size / 4;
  layout.n_embed_per_ngram =
      static_cast<int>(std::max<int64_t>(layout.n_head_per_ngram, per_order / layout.n_head_per_ngram * layout.n_head_per_ngram));
  return layout;
}

IsoCheck compare_iso(const ModelConfig& before, const ModelConfig& after, int64_t context, double tolerance) {
  IsoCheck iso;
  iso.context = context;
  iso.tolerance = tolerance;
  iso.activated_before = account_parameters(before).activated_params_without_embedding;
  iso.activated_after = account_parameters(after).activated_params_without_embedding;
  iso.activated_relative_delta =
      relative(static_cast<double>(iso.activated_before), static_cast<double>(iso.activated_after));
  iso.flops_before = forward_flops_per_token(before, context, AttentionSpan::kCausalMean).total();
  iso.flops_after = forward_flops_per_token(after, context, AttentionSpan::kCausalMean).total();
  iso.flops_relative_delta = relative(iso.flops_before, iso.flops_after);
  iso.within_tolerance =
      std::abs(iso.activated_relative_delta) <= tolerance && std::abs(iso.flops_relative_delta) <= tolerance;
  return iso;
}

Derivation derive_engram(const ModelConfig& moe, double engram_share, const std::optional<EngramLayout>& layout_in,
                         int64_t context) {
  if (!(engram_share > 0.0 && engram_share < 1.0)) {
    throw std::invalid_argument("engram share (1 - rho) must lie strictly between 0 and 1, got " +
                                share_text(engram_share));
  }
  moe.validate("source config");
  require_moe(moe, "cannot derive an Engram variant");
  if (moe.engram) {
    throw std::invalid_argument("the source config already has an Engram memory (field 'engram'); derive --to-moe first");
  }
  Derivation d;
  d.source = moe;
  d.source_accounting = account_parameters(moe);
  d.requested_engram_share = engram_share;
  const EngramLayout layout = layout_in ? *layout_in : default_engram_layout(moe);
  const MoeConfig& m = *moe.moe;
  d.experts_before = m.n_routed_experts;

  // What the Engram module costs besides its tables, and what one token reads of them.
  ModelConfig probe = moe;
  probe.engram = engram_config_for(moe, layout, 2);
  probe.validate("derived config");  // layout errors (layer beyond the last, widths) name the field here
  const ParameterAccounting probe_accounting = account_parameters(probe);
  const int64_t fixed_cost = probe_accounting.total[ParamGroup::kEngramProjections];
  const int64_t rows_read_params = probe_accounting.activated[ParamGroup::kEngramTables];

  const int64_t expert_cost = d.source_accounting.n_moe_layers *
                              (d.source_accounting.routed_expert_params + d.source_accounting.router_params_per_expert);
  const int64_t moe_sparse_per_expert = d.source_accounting.n_moe_layers * d.source_accounting.routed_expert_params;
  const double target_rho = 1.0 - engram_share;

  int64_t best_removed = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (int64_t removed = 1; removed <= m.n_routed_experts - m.num_experts_per_tok; ++removed) {
    const int64_t kept = m.n_routed_experts - removed;
    if (kept % m.n_group != 0) continue;
    const int64_t table_budget = removed * expert_cost - fixed_cost;
    if (table_budget <= rows_read_params) continue;
    const double moe_sparse = static_cast<double>((kept - m.num_experts_per_tok) * moe_sparse_per_expert);
    const double rho = moe_sparse / (moe_sparse + static_cast<double>(table_budget - rows_read_params));
    const double distance = std::abs(rho - target_rho);
    if (distance < best_distance - 1e-12) {
      best_distance = distance;
      best_removed = removed;
    }
  }
  if (best_removed == 0) {
    throw std::invalid_argument("engram share " + share_text(engram_share) +
                                ": no whole number of routed experts funds the Engram projections (" +
                                std::to_string(fixed_cost) + " parameters) and tables");
  }

  // Size the tables: the largest common base whose prime tables fit the budget.
  const int64_t budget = best_removed * expert_cost - fixed_cost;
  const EngramConfig shape = engram_config_for(moe, layout, 2);
  const int64_t head_dim = shape.head_dim();
  const int64_t n_tables = static_cast<int64_t>(layout.layer_ids.size()) * shape.hash.heads_per_layer();
  const int64_t target_rows = budget / head_dim;
  int64_t base = target_rows / n_tables;
  EngramConfig engram = engram_config_for(moe, layout, base);
  for (;;) {
    if (base < 2) {
      throw std::invalid_argument("engram share " + share_text(engram_share) +
                                  ": the freed parameters do not fund one row per Engram table");
    }
    engram = engram_config_for(moe, layout, base);
    const int64_t rows = table_rows(engram);
    if (rows <= target_rows) break;
    base -= std::max<int64_t>(1, (rows - target_rows + n_tables - 1) / n_tables);
  }

  d.derived = moe;
  d.derived.moe->n_routed_experts = m.n_routed_experts - best_removed;
  d.derived.engram = engram;
  d.engram_table_base = base;
  return finish(std::move(d), context);
}

Derivation derive_moe(const ModelConfig& with_engram, int64_t context) {
  with_engram.validate("source config");
  if (!with_engram.engram) throw std::invalid_argument("the source config has no Engram memory (field 'engram')");
  require_moe(with_engram, "cannot restore routed experts");
  Derivation d;
  d.source = with_engram;
  d.source_accounting = account_parameters(with_engram);
  const MoeConfig& m = *with_engram.moe;
  d.experts_before = m.n_routed_experts;
  const int64_t expert_cost = d.source_accounting.n_moe_layers *
                              (d.source_accounting.routed_expert_params + d.source_accounting.router_params_per_expert);
  int64_t added = std::llround(static_cast<double>(d.source_accounting.engram_params) / static_cast<double>(expert_cost));
  // Keep n_group dividing the expert count: the nearest admissible total.
  const int64_t total = m.n_routed_experts + added;
  const int64_t down = total / m.n_group * m.n_group, up = down + m.n_group;
  added = (total - down <= up - total ? down : up) - m.n_routed_experts;
  d.derived = with_engram;
  d.derived.engram.reset();
  d.derived.moe->n_routed_experts = m.n_routed_experts + std::max<int64_t>(added, 0);
  return finish(std::move(d), context);
}

ModelConfig preset_with_engram(const std::string& preset, int64_t table_parameters) {
  if (table_parameters <= 0) {
    throw std::invalid_argument(preset + "+engram: the table size must be positive, got " + std::to_string(table_parameters));
  }
  ModelConfig config = find_preset(preset).config;
  EngramConfig engram = *find_preset("engram-27b").config.engram;
  std::vector<int64_t> layers;
  for (int64_t id : engram.hash.layer_ids) {
    if (id < config.num_hidden_layers) layers.push_back(id);
  }
  if (layers.empty()) layers.push_back(config.num_hidden_layers > 1 ? 1 : 0);
  engram.hash.layer_ids = layers;
  engram.hidden_size = static_cast<int>(config.hidden_size);
  engram.hc_mult = static_cast<int>(config.hc_mult);
  const int64_t orders = static_cast<int64_t>(engram.hash.engram_vocab_size.size());
  const int64_t head_dim = engram.n_embed_per_ngram / engram.hash.n_head_per_ngram;
  const int64_t per_base_row = static_cast<int64_t>(layers.size()) * orders * engram.hash.n_head_per_ngram * head_dim;
  const int64_t base_rows = std::max<int64_t>(4096, (table_parameters + per_base_row - 1) / per_base_row);
  engram.hash.engram_vocab_size.assign(static_cast<std::size_t>(orders), base_rows);
  config.engram = engram;
  return config;
}

}  // namespace engram::model
