#pragma once
// Named model configs: the paper's four 27B-scale models (Table 1 / Table 5) and three tiny models
// that run a whole evaluation suite on two CPU cores. No LibTorch. The dimensions the paper does not
// give are chosen in presets.cc, with the reasoning, so that accounting.h reproduces Table 1.

#include <optional>
#include <string>
#include <vector>

#include "baselines/model_config.h"

namespace engram::model {

// What the paper reports for a model (Table 1, section 4.1), in billions of parameters.
struct PaperCounts {
  double total_b = 0;
  double activated_without_embedding_b = 0;
  std::optional<double> engram_b;
  std::optional<double> rho;  // allocation ratio, a fraction
};

struct Preset {
  std::string name;
  std::string description;
  ModelConfig config;
  std::optional<PaperCounts> paper;
};

// In display order: dense-4b, moe-27b, engram-27b, engram-40b, tiny-dense, tiny-moe, tiny-engram.
const std::vector<Preset>& presets();
std::vector<std::string> preset_names();
// Throws std::invalid_argument naming the unknown preset and listing the known ones.
const Preset& find_preset(const std::string& name);

// The Engram share (1 - rho) the tiny-engram preset is derived with (the paper's 25.7%).
inline constexpr double kPaperEngramShare = 0.257;

}  // namespace engram::model
