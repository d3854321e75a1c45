#include "harness/model_factory.h"

#include <filesystem>
#include <stdexcept>

#include <c10/core/ScalarType.h>

#include "baselines/nn/weight_dtype.h"
#include "harness/engine/engine_model.h"
#include "harness/engine/memory_plan.h"
#include "harness/device_memory.h"
#include "harness/model/model_loader.h"
#include "harness/tokenizer/tokenizer.h"
#include "tasks/replay_model.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

EngineOptions engine_options(const LoadedModel& loaded, const ModelSpecOptions& options) {
  EngineOptions engine;
  engine.batch_size = options.batch_size.value;
  engine.max_length = options.max_length.value_or(loaded.context_window);
  engine.name = loaded.spec.text;
  engine.shared_prefix_attention = options.shared_prefix_attention;
  engine.speculative_tokens = options.speculative_tokens;
  engine.identity = loaded.identity;
  return engine;
}

// Settles the engine's batch size (planning it when `auto`) and reports how it was chosen.
// packed_bytes: the packed copies of the weights (packed_linear.h), which the weights' term must count.
nlohmann::json choose_batch_size(EngineOptions& engine, const LoadedModel& loaded, const ModelSpecOptions& options,
                                 int64_t packed_bytes) {
  const model::CausalLM& model = loaded.model;
  nlohmann::json plan_json;
  if (options.batch_size.is_auto()) {
    MemoryPlanRequest request;
    request.weight_bytes = module_weight_bytes(*model) + packed_bytes;
    request.element_bytes = static_cast<int64_t>(c10::elementSize(model->dtype()));
    request.max_sequence_length = engine.max_length;
    // Scoring may project every position of a window (rolling log-likelihoods): plan for it.
    request.projected_positions = engine.max_length;
    const MemoryBudget budget = memory_budget("cpu", options.memory_fraction, options.memory_budget_bytes);
    request.budget_bytes = budget.bytes;
    request.budget_source = budget.source;
    const MemoryPlan plan = plan_memory(model->config(), request);
    engine.batch_size = plan.batch_size;
    plan_json = plan.to_json();
  }
  return {{"batch_size", engine.batch_size},
          {"batch_size_requested", options.batch_size.to_json()},
          {"max_length", engine.max_length},
          {"context_window", loaded.context_window},
          {"max_length_source", options.max_length ? "--max-length" : "model"},
          {"memory_plan", plan_json}};
}

LoadedLanguageModel loaded_engine_model(model::CausalLM model, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
                                        EngineOptions options, nlohmann::json engine_report) {
  auto engine = std::make_unique<EngineModel>(std::move(model), std::move(tokenizer), std::move(options));
  LoadedLanguageModel loaded;
  loaded.engine_report = std::move(engine_report);
  loaded.batch_size = engine->options().batch_size;
  loaded.set_batch_size = [raw = engine.get()](int64_t size) { raw->mutable_options().batch_size = size; };
  loaded.model = std::move(engine);
  return loaded;
}

LoadedLanguageModel loaded_replay_model(const std::filesystem::path& file) {
  auto replay = std::make_unique<tasks::ReplayModel>(tasks::ReplayModel::from_jsonl(file));
  LoadedLanguageModel loaded;
  loaded.engine_report = nullptr;
  if (replay->unbound_documents() > 0) {
    loaded.bind_documents = [raw = replay.get()](const std::vector<tasks::Instance>& instances) {
      raw->bind_documents(instances);
    };
  }
  loaded.model = std::move(replay);
  return loaded;
}

}  // namespace

LoadedLanguageModel load_language_model(const std::string& spec_text, const ModelSpecOptions& options) {
  const ModelSpec spec = parse_model_spec(spec_text);
  if (spec.kind == ModelSpec::Kind::kReplay) return loaded_replay_model(spec.path);
  ModelLoadOptions load_options;
  load_options.tokenizer_dir = options.tokenizer_dir;
  load_options.seed = options.seed;
  LoadedModel loaded = load_model(spec, load_options);
  // Before the plan: it counts the weights' bytes in the dtype they run in.
  model::convert_weights(*loaded.model.ptr(), model::parse_weight_dtype(options.dtype, loaded.model->device()));
  EngineOptions engine = engine_options(loaded, options);
  const bool pack = options.packed_weights && loaded.model->device().is_cpu();
  const int64_t packed_bytes = pack ? loaded.model->pack_weights_for_cpu() : 0;
  nlohmann::json engine_report = choose_batch_size(engine, loaded, options, packed_bytes);
  engine_report["packed_weight_bytes"] = packed_bytes;
  engine_report["shared_prefix_attention"] = engine.shared_prefix_attention;
  engine_report["speculative_tokens"] = engine.speculative_tokens;
  return loaded_engine_model(loaded.model, loaded.tokenizer, engine, std::move(engine_report));
}

}  // namespace engram::harness
