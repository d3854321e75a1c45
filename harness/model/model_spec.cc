#include "harness/model/model_spec.h"

#include <cmath>
#include <stdexcept>

#include "baselines/presets.h"
#include "harness/io/installed_models.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& spec, const std::string& why) {
  throw std::invalid_argument("--model " + spec + ": " + why);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::string installed_model_names() {
  std::string names;
  for (const engram::io::InstalledModel& model : engram::io::installed_model_catalog()) {
    names += (names.empty() ? "" : ", ") + model.name;
  }
  return names;
}

ModelSpec path_spec(const std::string& text, ModelSpec::Kind kind, const std::string& prefix) {
  ModelSpec spec;
  spec.kind = kind;
  spec.text = text;
  spec.path = text.substr(prefix.size());
  if (spec.path.empty()) refuse(text, "no path after '" + prefix + "'");
  if (kind == ModelSpec::Kind::kHuggingFace) {
    if (!fs::is_directory(spec.path)) refuse(text, "no folder " + spec.path.string());
    if (!fs::exists(spec.path / "config.json")) refuse(text, "no config.json in " + spec.path.string());
  } else if (!fs::is_regular_file(spec.path)) {
    refuse(text, "no file " + spec.path.string());
  }
  return spec;
}

ModelSpec preset_spec(const std::string& text) {
  ModelSpec spec;
  spec.kind = ModelSpec::Kind::kPreset;
  spec.text = text;
  const std::size_t plus = text.find('+');
  spec.preset = text.substr(0, plus);
  if (plus != std::string::npos) {
    static const std::string engram = "+engram=";
    if (text.compare(plus, engram.size(), engram) != 0) {
      refuse(text, "expected PRESET or PRESET+engram=SIZE after the preset name");
    }
    spec.engram_parameters = parse_parameter_count(text.substr(plus + engram.size()));
    if (!spec.engram_parameters) refuse(text, "expected +engram=SIZE with SIZE like 20B, 300M or 1.5e9");
  }
  const model::Preset* preset = nullptr;
  try {
    preset = &model::find_preset(spec.preset);
  } catch (const std::invalid_argument& e) {
    refuse(text, std::string(e.what()) + "; or hf:DIR, gguf:FILE, replay:FILE, or an installed model (" +
                     installed_model_names() + ")");
  }
  if (spec.engram_parameters && preset->config.engram) refuse(text, spec.preset + " already has an Engram memory");
  return spec;
}

}  // namespace

std::optional<int64_t> parse_parameter_count(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string suffix = text.substr(used);
  double scale = 1;
  if (suffix == "K") scale = 1e3;
  else if (suffix == "M") scale = 1e6;
  else if (suffix == "B") scale = 1e9;
  else if (!suffix.empty()) return std::nullopt;
  const double count = value * scale;
  if (!(count >= 1) || !std::isfinite(count) || count > 9e18) return std::nullopt;
  return static_cast<int64_t>(count);
}

ModelSpec parse_model_spec(const std::string& text) {
  if (text.empty()) refuse(text, "empty model spec");
  if (starts_with(text, "hf:")) return path_spec(text, ModelSpec::Kind::kHuggingFace, "hf:");
  if (starts_with(text, "gguf:")) return path_spec(text, ModelSpec::Kind::kGguf, "gguf:");
  if (starts_with(text, "replay:")) return path_spec(text, ModelSpec::Kind::kReplay, "replay:");
  if (engram::io::find_installed_model(text)) {
    ModelSpec spec;
    spec.kind = ModelSpec::Kind::kGguf;
    spec.text = text;
    spec.installed_name = text;
    try {
      spec.path = engram::io::find_installed_gguf(text);  // names where it looked and how to install
    } catch (const std::runtime_error& e) {
      refuse(text, e.what());
    }
    return spec;
  }
  return preset_spec(text);
}

}  // namespace engram::harness
