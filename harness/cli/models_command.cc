// `engram-bench models`: the presets with their parameter, FLOP and memory accounting;
// `models show NAME` the breakdown by group; `models derive` the iso-parameter MoE <-> Engram pair.
// Everything here is computed from the config (baselines/accounting.h); nothing runs a model.

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "baselines/accounting.h"
#include "baselines/derive.h"
#include "baselines/presets.h"
#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/io/hf_config.h"

namespace engram::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace m = engram::model;

constexpr int64_t kDefaultContext = 4096;

// A preset by name, or else a config.json (file or folder) by path.
struct NamedModel {
  std::string name;
  std::string description;
  m::ModelConfig config;
  std::optional<m::PaperCounts> paper;
};

NamedModel resolve_model(const std::string& name) {
  for (const m::Preset& p : m::presets()) {
    if (p.name == name) return {p.name, p.description, p.config, p.paper};
  }
  if (fs::exists(name)) return {name, "config " + name, io::load_hf_config(name), std::nullopt};
  m::find_preset(name);  // throws: unknown preset, with the list
  throw std::logic_error("unreachable");
}

std::string count_text(double n) {
  const double a = std::abs(n);
  if (a >= 1e9) return fmt::format("{:.2f}B", n / 1e9);
  if (a >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  if (a >= 1e3) return fmt::format("{:.1f}K", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string bytes_text(double n) {
  if (n >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
  if (n >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", n / (1024.0 * 1024));
  if (n >= 1024.0) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{:.0f} B", n);
}

std::string rho_text(const std::optional<double>& rho) { return rho ? fmt::format("{:.1f}%", 100.0 * *rho) : "-"; }

json per_dtype(int64_t elements) {
  json out = json::object();
  for (const m::WeightDtype& t : m::weight_dtypes()) out[std::string(t.name)] = elements * t.bytes;
  return out;
}

json flops_json(const m::FlopCounts& f) {
  json out = json::object();
  for (const auto& [name, value] : f.items()) out[std::string(name)] = value;
  out["total"] = f.total();
  return out;
}

// The fields `models` lists per model; `show` and `derive` add to them.
json summary_json(const NamedModel& model, int64_t context) {
  const m::ParameterAccounting a = m::account_parameters(model.config);
  json out = {{"name", model.name},
              {"description", model.description},
              {"total_params", a.total_params},
              {"activated_params", a.activated_params},
              {"activated_params_without_embedding", a.activated_params_without_embedding},
              {"engram_params", a.engram_params},
              {"sparse_params", a.sparse_params},
              {"rho", a.rho ? json(*a.rho) : json(nullptr)},
              {"routed_experts", model.config.moe ? json(model.config.moe->n_routed_experts) : json(nullptr)},
              {"context", context},
              {"flops_per_token",
               {{"causal_mean", m::forward_flops_per_token(model.config, context, m::AttentionSpan::kCausalMean).total()},
                {"at_position", m::forward_flops_per_token(model.config, context, m::AttentionSpan::kAtPosition).total()}}},
              {"weight_bytes", per_dtype(a.total_params)},
              {"kv_cache_elements_per_token", m::kv_cache_elements_per_token(model.config)},
              {"kv_cache_bytes_per_token", per_dtype(m::kv_cache_elements_per_token(model.config))}};
  if (model.paper) {
    const m::PaperCounts& p = *model.paper;
    auto count = [](double billions) { return std::llround(billions * 1e9); };
    out["paper"] = {{"total_params", count(p.total_b)},
                    {"activated_params_without_embedding", count(p.activated_without_embedding_b)},
                    {"engram_params", p.engram_b ? json(count(*p.engram_b)) : json(nullptr)},
                    {"rho", p.rho ? json(*p.rho) : json(nullptr)}};
  }
  return out;
}

json detail_json(const NamedModel& model, int64_t context) {
  json out = summary_json(model, context);
  const m::ParameterAccounting a = m::account_parameters(model.config);
  json groups = json::object();
  for (m::ParamGroup g : m::all_param_groups()) {
    groups[std::string(m::group_name(g))] = {{"total", a.total[g]}, {"activated", a.activated[g]}};
  }
  out["parameters_by_group"] = groups;
  out["flops_by_component"] = {
      {"causal_mean", flops_json(m::forward_flops_per_token(model.config, context, m::AttentionSpan::kCausalMean))},
      {"at_position", flops_json(m::forward_flops_per_token(model.config, context, m::AttentionSpan::kAtPosition))}};
  out["structure"] = {{"layers", model.config.num_hidden_layers},
                      {"moe_layers", a.n_moe_layers},
                      {"engram_layers", a.n_engram_layers},
                      {"hc_mult", model.config.hc_mult},
                      {"routed_expert_params", a.routed_expert_params},
                      {"engram_rows_read_per_token", a.engram_rows_read_per_token},
                      {"moe_sparse_params", a.moe_sparse_params},
                      {"engram_sparse_params", a.engram_sparse_params},
                      {"engram_conv_state_elements_per_sequence", m::engram_conv_state_elements(model.config)}};
  out["config"] = io::to_hf_json(model.config);
  return out;
}

// ---------------------------------------------------------------------------------------------------

struct ListOptions {
  bool json = false;
  int64_t context = kDefaultContext;
};

int run_list(const ListOptions& options) {
  std::vector<json> rows;
  for (const m::Preset& p : m::presets()) rows.push_back(summary_json({p.name, p.description, p.config, p.paper}, options.context));
  if (options.json) {
    std::cout << json{{"context", options.context}, {"models", rows}}.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<12} {:>8} {:>9} {:>9} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "model", "total",
                           "activated", "act -emb", "engram", "rho", "GFLOP/tok", "float32", "bfloat16", "float8",
                           "KV/tok");
  for (const json& r : rows) {
    const std::string rho = r["rho"].is_null() ? "-" : fmt::format("{:.1f}%", 100.0 * r["rho"].get<double>());
    std::cout << fmt::format(
        "{:<12} {:>8} {:>9} {:>9} {:>8} {:>6} {:>10.2f} {:>10} {:>10} {:>10} {:>10}\n", r["name"].get<std::string>(),
        count_text(r["total_params"].get<double>()), count_text(r["activated_params"].get<double>()),
        count_text(r["activated_params_without_embedding"].get<double>()),
        r["engram_params"].get<int64_t>() ? count_text(r["engram_params"].get<double>()) : "-", rho,
        r["flops_per_token"]["causal_mean"].get<double>() / 1e9, bytes_text(r["weight_bytes"]["float32"].get<double>()),
        bytes_text(r["weight_bytes"]["bfloat16"].get<double>()), bytes_text(r["weight_bytes"]["float8"].get<double>()),
        bytes_text(r["kv_cache_bytes_per_token"]["bfloat16"].get<double>()));
  }
  std::cout << fmt::format(
      "\nactivated: per token, with the token embedding; act -emb: without it (the paper's Table 1 row).\n"
      "GFLOP/tok: forward, 2 FLOPs per multiply-add, mean over a causal context of {} tokens "
      "(--json also gives the cost at position {}).\n"
      "float32/bfloat16/float8: weight memory; KV/tok: KV-cache bytes per token in bfloat16.\n",
      options.context, options.context);
  return 0;
}

// ---------------------------------------------------------------------------------------------------

struct ShowOptions {
  std::string name;
  bool json = false;
  int64_t context = kDefaultContext;
};

int run_show(const ShowOptions& options) {
  const NamedModel model = resolve_model(options.name);
  const json r = detail_json(model, options.context);
  if (options.json) {
    std::cout << r.dump(2) << "\n";
    return 0;
  }
  const m::ModelConfig& c = model.config;
  const m::ParameterAccounting a = m::account_parameters(c);
  std::cout << fmt::format("{}: {}\n", model.name, model.description);
  std::cout << fmt::format("  {} layers, hidden {}, {} heads ({}), vocab {}, hc_mult {}\n", c.num_hidden_layers, c.hidden_size,
                           c.num_attention_heads, c.mla ? "MLA" : "GQA", c.vocab_size, c.hc_mult);
  if (c.moe) {
    std::cout << fmt::format("  MoE: {} shared + {} routed experts of width {}, top-{}, {} MoE layers\n",
                             c.moe->n_shared_experts, c.moe->n_routed_experts, c.moe->moe_intermediate_size,
                             c.moe->num_experts_per_tok, a.n_moe_layers);
  }
  if (c.engram) {
    std::string layers;
    for (int64_t id : c.engram->hash.layer_ids) layers += (layers.empty() ? "" : ", ") + std::to_string(id);
    std::cout << fmt::format("  Engram at layers [{}]: orders 2..{}, {} heads, d_mem {}, table base {}\n", layers,
                             c.engram->hash.max_ngram_size, c.engram->hash.n_head_per_ngram, c.engram->engram_hidden_size(),
                             c.engram->hash.engram_vocab_size.front());
  }
  std::cout << fmt::format("\n{:<20} {:>16} {:>9} {:>16} {:>9}\n", "group", "total", "", "activated", "");
  for (m::ParamGroup g : m::all_param_groups()) {
    if (a.total[g] == 0 && a.activated[g] == 0) continue;
    std::cout << fmt::format("{:<20} {:>16} {:>9} {:>16} {:>9}\n", m::group_name(g), a.total[g], count_text(double(a.total[g])),
                             a.activated[g], count_text(double(a.activated[g])));
  }
  std::cout << fmt::format("{:<20} {:>16} {:>9} {:>16} {:>9}\n", "sum", a.total_params, count_text(double(a.total_params)),
                           a.activated_params, count_text(double(a.activated_params)));
  std::cout << fmt::format("activated without token embedding: {} ({})\n", a.activated_params_without_embedding,
                           count_text(double(a.activated_params_without_embedding)));
  if (a.engram_params) std::cout << fmt::format("Engram parameters: {} ({})\n", a.engram_params, count_text(double(a.engram_params)));
  std::cout << fmt::format("sparse parameters: {} ({}), rho {}\n", a.sparse_params, count_text(double(a.sparse_params)),
                           rho_text(a.rho));
  if (model.paper) {
    const m::PaperCounts& p = *model.paper;
    std::cout << fmt::format("paper (Table 1): total {:.1f}B, activated w/o embedding {:.1f}B{}{}\n", p.total_b,
                             p.activated_without_embedding_b, p.engram_b ? fmt::format(", Engram {:.1f}B", *p.engram_b) : "",
                             p.rho ? fmt::format(", rho {:.1f}%", 100 * *p.rho) : "");
  }

  const m::FlopCounts mean = m::forward_flops_per_token(c, options.context, m::AttentionSpan::kCausalMean);
  const m::FlopCounts at = m::forward_flops_per_token(c, options.context, m::AttentionSpan::kAtPosition);
  std::cout << fmt::format("\nforward FLOPs per token at context {}: {:>14} {:>16}\n", options.context, "causal mean",
                           "at position");
  const auto mean_items = mean.items(), at_items = at.items();
  for (std::size_t i = 0; i < mean_items.size(); ++i) {
    if (mean_items[i].second == 0 && at_items[i].second == 0) continue;
    std::cout << fmt::format("  {:<22} {:>33.4g} {:>16.4g}\n", mean_items[i].first, mean_items[i].second, at_items[i].second);
  }
  std::cout << fmt::format("  {:<22} {:>33.4g} {:>16.4g}\n", "total", mean.total(), at.total());

  std::cout << "\nweights:";
  for (const m::WeightDtype& t : m::weight_dtypes()) std::cout << fmt::format("  {} {}", t.name, bytes_text(double(a.total_params * t.bytes)));
  const int64_t kv = m::kv_cache_elements_per_token(c);
  std::cout << fmt::format("\nKV cache: {} values per token ({} in bfloat16, {} per {}-token context)\n", kv,
                           bytes_text(double(kv * 2)), bytes_text(double(kv * 2 * options.context)), options.context);
  if (c.engram) {
    std::cout << fmt::format("Engram tables: {} in bfloat16 (host-offloadable); conv state {} values per sequence\n",
                             bytes_text(double(a.total[m::ParamGroup::kEngramTables] * 2)), m::engram_conv_state_elements(c));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------

struct DeriveOptions {
  std::string from;
  std::optional<double> engram_share;
  bool to_moe = false;
  bool json = false;
  std::string name;
  std::string save;
  int64_t context = kDefaultContext;
};

int run_derive(const DeriveOptions& options) {
  if (!options.engram_share && !options.to_moe) {
    throw std::invalid_argument("models derive: give --engram-share S (MoE -> Engram) or --to-moe (Engram -> MoE)");
  }
  const NamedModel source = resolve_model(options.from);
  const m::Derivation d = options.to_moe ? m::derive_moe(source.config, options.context)
                                         : m::derive_engram(source.config, *options.engram_share, std::nullopt, options.context);
  const std::string name = !options.name.empty() ? options.name
                           : options.to_moe      ? source.name + "-to-moe"
                                                 : fmt::format("{}-engram-{:g}", source.name, *options.engram_share);
  const NamedModel derived{name,
                           options.to_moe ? "pure MoE of the same total as " + source.name
                                          : fmt::format("iso-parameter Engram variant of {} (share {:g})", source.name,
                                                        *options.engram_share),
                           d.derived, std::nullopt};

  json r = {{"direction", options.to_moe ? "to_moe" : "to_engram"},
            {"requested_engram_share", d.requested_engram_share ? json(*d.requested_engram_share) : json(nullptr)},
            {"source", summary_json(source, options.context)},
            {"derived", summary_json(derived, options.context)},
            {"experts", {{"before", d.experts_before}, {"after", d.experts_after}, {"delta", d.experts_after - d.experts_before}}},
            {"rho", {{"before", d.source_accounting.rho ? json(*d.source_accounting.rho) : json(nullptr)},
                     {"after", d.derived_accounting.rho ? json(*d.derived_accounting.rho) : json(nullptr)}}},
            {"engram_table_base", d.engram_table_base},
            {"parameter_delta", d.parameter_delta},
            {"iso",
             {{"context", d.iso.context},
              {"tolerance", d.iso.tolerance},
              {"activated_before", d.iso.activated_before},
              {"activated_after", d.iso.activated_after},
              {"activated_relative_delta", d.iso.activated_relative_delta},
              {"flops_before", d.iso.flops_before},
              {"flops_after", d.iso.flops_after},
              {"flops_relative_delta", d.iso.flops_relative_delta},
              {"within_tolerance", d.iso.within_tolerance}}},
            {"config", io::to_hf_json(d.derived)}};
  if (!options.save.empty()) {
    fs::path path = options.save;
    if (fs::is_directory(path)) path /= "config.json";
    write_file_atomically(path.string(), r["config"].dump(2) + "\n");
    r["saved_to"] = path.string();
  }
  if (options.json) {
    std::cout << r.dump(2) << "\n";
    return 0;
  }
  const auto& s = d.source_accounting;
  const auto& t = d.derived_accounting;
  std::cout << fmt::format("{} -> {}\n", source.name, name);
  std::cout << fmt::format("{:<36} {:>16} {:>16} {:>14}\n", "", source.name, name, "delta");
  auto row = [](const std::string& label, int64_t a, int64_t b) {
    std::cout << fmt::format("{:<36} {:>16} {:>16} {:>14}\n", label, count_text(double(a)), count_text(double(b)),
                             count_text(double(b - a)));
  };
  row("total parameters", s.total_params, t.total_params);
  row("activated (w/o token embedding)", s.activated_params_without_embedding, t.activated_params_without_embedding);
  row("Engram parameters", s.engram_params, t.engram_params);
  row("routed-expert parameters", s.total[m::ParamGroup::kRoutedExperts], t.total[m::ParamGroup::kRoutedExperts]);
  row("sparse parameters (P_sparse)", s.sparse_params, t.sparse_params);
  std::cout << fmt::format("{:<36} {:>16} {:>16} {:>14}\n", "routed experts per MoE layer", d.experts_before, d.experts_after,
                           d.experts_after - d.experts_before);
  std::cout << fmt::format("{:<36} {:>16} {:>16}\n", "rho (MoE share of P_sparse)", rho_text(s.rho), rho_text(t.rho));
  if (d.requested_engram_share) {
    std::cout << fmt::format("requested Engram share {:g} (rho {:.1f}%); table base {} rows per head\n",
                             *d.requested_engram_share, 100.0 * (1.0 - *d.requested_engram_share), d.engram_table_base);
  }
  std::cout << fmt::format("parameter difference {} (exact)\n", d.parameter_delta);
  std::cout << fmt::format("iso-FLOPs at context {}: activated {:+.2f}%, forward FLOPs/token {:+.2f}% -> {} (tolerance {:.0f}%)\n",
                           d.iso.context, 100.0 * d.iso.activated_relative_delta, 100.0 * d.iso.flops_relative_delta,
                           d.iso.within_tolerance ? "iso" : "NOT iso", 100.0 * d.iso.tolerance);
  if (!options.save.empty()) std::cout << "config written to " << r["saved_to"].get<std::string>() << "\n";
  return 0;
}

void add_context_option(CLI::App* app, int64_t& context) {
  app->add_option("--context", context, "context length for FLOPs per token")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))->capture_default_str();
}

}  // namespace

void add_models_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  CLI::App* models = app.add_subcommand(
      "models", "List the model presets with parameter, FLOP and memory accounting (no model is run)");
  models->require_subcommand(0, 1);
  auto list_options = std::make_shared<ListOptions>();
  models->add_flag("--json", list_options->json, "machine-readable output");
  add_context_option(models, list_options->context);

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show = models->add_subcommand("show", "Full accounting of one preset (or config.json path) by parameter group");
  show->add_option("name", show_options->name, "preset name, or a config.json file or folder")->required();
  show->add_flag("--json", show_options->json, "machine-readable output");
  add_context_option(show, show_options->context);

  auto derive_options = std::make_shared<DeriveOptions>();
  CLI::App* derive = models->add_subcommand(
      "derive", "Iso-parameter derivation: an MoE model's Engram variant (--engram-share) or back (--to-moe)");
  derive->add_option("--from", derive_options->from, "preset name, or a config.json file or folder")->required();
  CLI::Option* share = derive->add_option("--engram-share", derive_options->engram_share,
                                          "fraction of the sparse parameters moved into Engram tables, 1 - rho, in (0, 1)");
  CLI::Option* to_moe = derive->add_flag("--to-moe", derive_options->to_moe, "turn an Engram model back into the pure MoE");
  share->excludes(to_moe);
  derive->add_option("--name", derive_options->name, "name of the derived model in the output");
  derive->add_option("--save", derive_options->save, "write the derived config.json here (file or existing folder)");
  derive->add_flag("--json", derive_options->json, "machine-readable output");
  add_context_option(derive, derive_options->context);

  // Sub-verbs first: `models` itself is parsed too when one of them runs.
  actions.emplace_back(show, [show_options] { return run_show(*show_options); });
  actions.emplace_back(derive, [derive_options] { return run_derive(*derive_options); });
  actions.emplace_back(models, [list_options] { return run_list(*list_options); });
}

}  // namespace engram::cli
