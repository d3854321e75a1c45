#include "harness/cli/inspect_model.h"

#include <fmt/format.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "baselines/accounting.h"
#include "harness/model/model_loader.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::cli {
namespace {

const char* kind_name(harness::ModelSpec::Kind kind) {
  switch (kind) {
    case harness::ModelSpec::Kind::kPreset: return "preset";
    case harness::ModelSpec::Kind::kHuggingFace: return "hf";
    case harness::ModelSpec::Kind::kGguf: return "gguf";
    case harness::ModelSpec::Kind::kReplay: return "replay";
  }
  return "unknown";
}

nlohmann::json model_summary(const harness::LoadedModel& loaded) {
  const model::ModelConfig& config = loaded.model->config();
  const model::ParameterAccounting counts = model::account_parameters(config);
  nlohmann::json out = {
      {"spec", loaded.spec.text},
      {"kind", kind_name(loaded.spec.kind)},
      {"path", loaded.spec.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(loaded.spec.path.string())},
      {"model_type", config.model_type},
      {"num_hidden_layers", config.num_hidden_layers},
      {"hidden_size", config.hidden_size},
      {"num_attention_heads", config.num_attention_heads},
      {"num_key_value_heads", config.num_key_value_heads},
      {"vocab_size", config.vocab_size},
      {"tie_word_embeddings", config.tie_word_embeddings},
      {"context_window", loaded.context_window},
      {"tokenizer_vocab_size", loaded.tokenizer ? nlohmann::json(loaded.tokenizer->vocab_size()) : nlohmann::json(nullptr)},
      {"parameters",
       {{"total", counts.total_params},
        {"activated", counts.activated_params},
        {"activated_without_embedding", counts.activated_params_without_embedding},
        {"module", loaded.model->describe()["module_parameters"]}}},
      {"identity", loaded.identity}};
  if (!loaded.compression_source.empty()) out["engram_compression"] = loaded.compression_source;
  return out;
}

}  // namespace

int inspect_model(const std::string& spec, const std::optional<std::string>& tokenizer_dir, bool json) {
  harness::ModelLoadOptions options;
  options.tokenizer_dir = tokenizer_dir;
  const harness::LoadedModel loaded = harness::load_model(harness::parse_model_spec(spec), options);
  const nlohmann::json summary = model_summary(loaded);
  if (json) {
    std::cout << summary.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("model: {} ({})\n", spec, summary["kind"].get<std::string>());
  if (!summary["path"].is_null()) std::cout << fmt::format("path: {}\n", summary["path"].get<std::string>());
  std::cout << fmt::format("{}: {} layers, hidden {}, {} heads ({} KV), vocabulary {}{}\n",
                           summary["model_type"].get<std::string>(), summary["num_hidden_layers"].dump(),
                           summary["hidden_size"].dump(), summary["num_attention_heads"].dump(),
                           summary["num_key_value_heads"].dump(), summary["vocab_size"].dump(),
                           summary["tie_word_embeddings"].get<bool>() ? ", tied embeddings" : "");
  std::cout << fmt::format("context window: {} tokens\n", loaded.context_window);
  const nlohmann::json& parameters = summary["parameters"];
  std::cout << fmt::format("parameters: {} total, {} activated ({} without the token embedding), {} in the modules\n",
                           parameters["total"].dump(), parameters["activated"].dump(),
                           parameters["activated_without_embedding"].dump(), parameters["module"].dump());
  if (!summary["tokenizer_vocab_size"].is_null()) {
    std::cout << fmt::format("tokenizer: {} tokens\n", summary["tokenizer_vocab_size"].dump());
  }
  if (summary.contains("engram_compression")) {
    std::cout << fmt::format("engram compression: {}\n", summary["engram_compression"].get<std::string>());
  }
  if (!loaded.identity.empty()) std::cout << "identity: " << loaded.identity.dump() << "\n";
  return 0;
}

}  // namespace engram::cli
