#pragma once
// Iso-parameter derivation between a DeepSeekMoE model and its Engram variant (paper section 3.1 /
// 4.1: Engram-27B is "strictly derived" from MoE-27B by taking routed experts away and spending the
// freed parameters on Engram tables, with top-k and the shared experts unchanged so that activated
// parameters and FLOPs stay (almost) the same). Pure functions of ModelConfig, no LibTorch.
//
// Rounding: experts are whole, so the number removed per MoE layer is the integer whose resulting rho
// (accounting.h definition) is nearest the requested 1 - share (ties: fewer experts removed), keeping
// n_routed - removed >= top-k and divisible by n_group. The freed parameters (removed experts and
// their router rows, in every MoE layer) first pay for the Engram projections, conv and norms; the
// rest becomes table rows: one base size for every order, lowered until the prime-sized tables
// (engram_table_primes, one shared used-set) fit, so the derived model is never larger than its
// source and falls short of it by at most a few prime gaps' worth of rows (parameter_delta).
// The reverse restores round(Engram parameters / one expert's cost across the MoE layers) experts.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "baselines/accounting.h"
#include "baselines/model_config.h"

namespace engram::model {

// Where and how wide the Engram memory is; the table size is what derive_engram computes.
struct EngramLayout {
  std::vector<int64_t> layer_ids;
  int max_ngram_size = 3;
  int n_head_per_ngram = 8;
  int n_embed_per_ngram = 0;
  int kernel_size = 4;
  int64_t pad_id = 2;  // raw DeepSeek-V3 token id, as the reference
  uint64_t seed = 0;
};

// The paper's layout scaled to a backbone: orders 2..3, 8 heads, d_mem = hidden / 2 (1280 at 2560,
// so n_embed_per_ngram = hidden / 4), kernel 4, layers {2, L/2} ({2, 15} at 30 layers, {2, 6} at the
// 12-layer ablation backbone; {1, 2} at 4 layers), pad id 2, seed 0.
EngramLayout default_engram_layout(const ModelConfig& config);

inline constexpr double kIsoTolerance = 0.02;  // relative; the paper rounds activated params to 0.1B (~1.3%)

struct IsoCheck {
  int64_t context = 0;
  double tolerance = kIsoTolerance;
  int64_t activated_before = 0, activated_after = 0;  // without token embedding
  double activated_relative_delta = 0;
  double flops_before = 0, flops_after = 0;  // forward, per token, causal mean over `context`
  double flops_relative_delta = 0;
  bool within_tolerance = false;  // both deltas within tolerance
};
IsoCheck compare_iso(const ModelConfig& before, const ModelConfig& after, int64_t context,
                     double tolerance = kIsoTolerance);

struct Derivation {
  ModelConfig source, derived;
  ParameterAccounting source_accounting, derived_accounting;
  std::optional<double> requested_engram_share;  // derive_engram only
  int64_t experts_before = 0, experts_after = 0;  // routed experts per MoE layer
  int64_t engram_table_base = 0;                  // derive_engram: base rows per head table
  int64_t parameter_delta = 0;                    // derived total - source total
  IsoCheck iso;
};

// From an MoE config without Engram; engram_share = 1 - rho in (0, 1). Throws std::invalid_argument.
Derivation derive_engram(const ModelConfig& moe, double engram_share,
                         const std::optional<EngramLayout>& layout = std::nullopt, int64_t context = 4096);
// From an Engram config with MoE layers back to the pure MoE of (nearly) the same total.
Derivation derive_moe(const ModelConfig& with_engram, int64_t context = 4096);

// A preset with an Engram memory added (the model spec PRESET+engram=SIZE, e.g. dense-4b+engram=20B;
// the paper's table-4 setup, a dense backbone with a large table): Engram-27B's memory layout
// (layers 2 and 15 where the backbone has them, else layer 1; orders 2-3, 8 heads each, d_mem 1280)
// on the preset's hidden size and branches, the tables sized to table_parameters in all (at least
// 4096 base rows per table). Throws std::invalid_argument for an unknown preset (listing them) or a
// non-positive size.
ModelConfig preset_with_engram(const std::string& preset, int64_t table_parameters);

}  // namespace engram::model
