// The one model loader (harness/model/): every spec kind parses and loads through the same path for
// eval and speed, errors name the spec, the context window is the model's own (config.json's
// max_position_embeddings) unless --max-length says otherwise, a tied embedding is counted once as
// transformers counts it (tests/data/models/*/parameters.json, made by scripts/gen_loader_fixtures.py),
// and the engine flags every prompt it cuts to the window.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "baselines/accounting.h"
#include "harness/engine/engine_model.h"
#include "harness/io/hf_config.h"
#include "harness/io/installed_models.h"
#include "harness/model/model_loader.h"
#include "harness/model_factory.h"
#include "harness/speed/speed_model.h"
#include "harness/tokenizer/tokenizer.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;
using tasks::testing::ScratchDir;

fs::path models_dir() { return testing::source_dir() / "tests/data/models"; }
std::string tied_spec() { return "hf:" + (models_dir() / "tiny_llama_tied").string(); }
std::string test_tokenizer_dir() { return (testing::source_dir() / "tests/data/tokenizer/gpt2_style").string(); }

// The message of the std::invalid_argument that `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ModelSpec, EveryKindParses) {
  const ModelSpec preset = parse_model_spec("tiny-dense");
  EXPECT_EQ(preset.kind, ModelSpec::Kind::kPreset);
  EXPECT_EQ(preset.preset, "tiny-dense");
  EXPECT_FALSE(preset.engram_parameters);

  const ModelSpec with_engram = parse_model_spec("dense-4b+engram=20B");
  EXPECT_EQ(with_engram.kind, ModelSpec::Kind::kPreset);
  EXPECT_EQ(with_engram.preset, "dense-4b");
  EXPECT_EQ(with_engram.engram_parameters.value_or(0), int64_t{20'000'000'000});
  EXPECT_EQ(parse_model_spec("tiny-moe+engram=1.5e6").engram_parameters.value_or(0), int64_t{1'500'000});

  const ModelSpec hf = parse_model_spec(tied_spec());
  EXPECT_EQ(hf.kind, ModelSpec::Kind::kHuggingFace);
  EXPECT_EQ(hf.path.string(), (models_dir() / "tiny_llama_tied").string());
  EXPECT_EQ(hf.text, tied_spec());

  ScratchDir dir;
  const fs::path file = dir.write("model.gguf", "GGUF");
  const ModelSpec gguf = parse_model_spec("gguf:" + file.string());
  EXPECT_EQ(gguf.kind, ModelSpec::Kind::kGguf);
  EXPECT_EQ(gguf.path.string(), file.string());
  const ModelSpec replay = parse_model_spec("replay:" + file.string());
  EXPECT_EQ(replay.kind, ModelSpec::Kind::kReplay);
}

TEST(ModelSpec, AnInstalledModelIsItsGgufFile) {
  const std::optional<std::string> file = engram::io::try_find_installed_gguf("smollm2-135m");
  if (!file) {
    // scripts/setup.sh installs it, so CI has it.
    if (testing::running_in_ci()) FAIL() << "smollm2-135m not installed under CI=true";
    const std::string message = error_of([] { parse_model_spec("smollm2-135m"); });
    EXPECT_EQ(message.rfind("--model smollm2-135m:", 0), 0u) << message;
    EXPECT_NE(message.find("scripts/setup.sh"), std::string::npos) << message;
    GTEST_SKIP() << "smollm2-135m is not installed (scripts/setup.sh)";
  }
  const ModelSpec spec = parse_model_spec("smollm2-135m");
  EXPECT_EQ(spec.kind, ModelSpec::Kind::kGguf);
  EXPECT_EQ(spec.installed_name, "smollm2-135m");
  EXPECT_EQ(spec.path.string(), *file);
  EXPECT_EQ(spec.path.filename().string(), "SmolLM2-135M-Instruct.Q4_1.gguf");
}

TEST(ModelSpec, BadSpecsAreErrorsNamingTheSpec) {
  for (const std::string spec : {"no-such-preset", "tiny-dense+engram=lots", "tiny-dense+engram=0",
                                 "tiny-dense+moe=4", "tiny-engram+engram=2M", "hf:/no/such/folder",
                                 "gguf:/no/such/file.gguf", "replay:/no/such/file.jsonl", "hf:", ""}) {
    const std::string message = error_of([&] { parse_model_spec(spec); });
    EXPECT_EQ(message.rfind("--model " + spec + ":", 0), 0u) << spec << " -> " << message;
  }
  EXPECT_NE(error_of([] { parse_model_spec("no-such-preset"); }).find("tiny-dense"), std::string::npos)
      << "the error lists the presets";
  EXPECT_NE(error_of([] { parse_model_spec("no-such-preset"); }).find("smollm2-135m"), std::string::npos)
      << "and the installed models";
  // A folder without config.json is not a model.
  EXPECT_NE(error_of([] { parse_model_spec("hf:" + test_tokenizer_dir()); }).find("no config.json"),
            std::string::npos);
}

TEST(ModelLoader, HuggingFaceFolderBringsItsTokenizerAndItsWindow) {
  const LoadedModel loaded = load_model(parse_model_spec(tied_spec()));
  ASSERT_TRUE(loaded.model);
  ASSERT_TRUE(loaded.tokenizer);
  EXPECT_EQ(loaded.tokenizer->vocab_size(), 2537);  // the folder's own tokenizer.json
  EXPECT_EQ(loaded.context_window, 512);            // config.json's max_position_embeddings
  EXPECT_FALSE(loaded.random_weights);
  EXPECT_EQ(loaded.identity["spec"], tied_spec());
  EXPECT_TRUE(loaded.identity["checkpoint_sha256"].is_string());
  EXPECT_TRUE(loaded.identity["tokenizer_sha256"].is_string());
}

TEST(ModelLoader, TiedEmbeddingsCountOnceAsTransformersCounts) {
  const nlohmann::json expected = testing::read_json(models_dir() / "tiny_llama_tied/parameters.json");
  ASSERT_TRUE(expected["tie_word_embeddings"].get<bool>());
  const LoadedModel loaded = load_model(parse_model_spec(tied_spec()));
  const int64_t hf_count = expected["num_parameters"].get<int64_t>();
  // A dense model activates every parameter for every token, the tied matrix once.
  EXPECT_EQ(loaded.identity["parameters"]["total"], hf_count);
  EXPECT_EQ(loaded.identity["parameters"]["activated"], hf_count);
  EXPECT_EQ(loaded.model->describe()["module_parameters"], hf_count);

  // SmolLM2-135M-Instruct's own config and transformers' count of the folder saved from its GGUF.
  const fs::path smollm2 = models_dir() / "smollm2_135m_instruct";
  const nlohmann::json smollm2_expected = testing::read_json(smollm2 / "parameters.json");
  const model::ParameterAccounting counts = model::account_parameters(engram::io::load_hf_config((smollm2 / "config.json").string()));
  EXPECT_EQ(counts.total_params, smollm2_expected["num_parameters"].get<int64_t>());
  EXPECT_EQ(counts.activated_params, smollm2_expected["num_parameters"].get<int64_t>());
  EXPECT_LE(counts.activated_params, counts.total_params);
}

TEST(ModelLoader, PresetWithEngramLoadsForEvalAsForSpeed) {
  ModelSpecOptions options;
  options.tokenizer_dir = test_tokenizer_dir();
  options.batch_size = BatchSize::fixed(2);
  const LoadedLanguageModel eval_model = load_language_model("tiny-dense+engram=2M", options);
  ASSERT_TRUE(eval_model.model);
  const nlohmann::json description = eval_model.model->describe();
  EXPECT_EQ(description["family"], "engram");
  EXPECT_EQ(description["engram"], true);
  EXPECT_EQ(description["max_length"], 4096);  // the preset config's window
  EXPECT_EQ(eval_model.engine_report["max_length_source"], "model");

  const speed::SpeedModel speed_model =
      speed::build_speed_model("tiny-dense+engram=2M", "float32", "cpu", 0, test_tokenizer_dir());
  // The same model: the same Engram memory, hashed through the same tokenizer's compression.
  EXPECT_EQ(model::account_parameters(speed_model.model->config()).engram_params,
            description["parameters"]["engram"].get<int64_t>());
  EXPECT_EQ(speed_model.lookup_source, "tokenizer:" + test_tokenizer_dir());
}

TEST(ModelLoader, MaxLengthOverridesTheModelsWindow) {
  ModelSpecOptions options;
  options.batch_size = BatchSize::fixed(1);
  const LoadedLanguageModel own = load_language_model(tied_spec(), options);
  EXPECT_EQ(own.model->max_length(), 512);
  EXPECT_EQ(own.engine_report["max_length"], 512);
  EXPECT_EQ(own.engine_report["context_window"], 512);
  EXPECT_EQ(own.engine_report["max_length_source"], "model");
  options.max_length = 32;
  const LoadedLanguageModel cut = load_language_model(tied_spec(), options);
  EXPECT_EQ(cut.model->max_length(), 32);
  EXPECT_EQ(cut.model->describe()["max_length"], 32);
  EXPECT_EQ(cut.engine_report["context_window"], 512);
  EXPECT_EQ(cut.engine_report["max_length_source"], "--max-length");
}

// lm-eval's left truncation: the engine keeps the last max_length tokens of context + continuation
// (minus the last), flags the request, and scores exactly what the kept tail scores.
TEST(ModelLoader, TheEngineFlagsEveryPromptItCuts) {
  ModelSpecOptions options;
  options.batch_size = BatchSize::fixed(2);
  options.max_length = 16;
  LoadedLanguageModel loaded = load_language_model(tied_spec(), options);
  auto& engine = dynamic_cast<EngineModel&>(*loaded.model);
  std::vector<int64_t> long_context(40);
  for (size_t i = 0; i < long_context.size(); ++i) long_context[i] = static_cast<int64_t>(7 + 13 * i % 2000);
  const std::vector<int64_t> continuation = {42, 43, 44};
  const std::vector<int64_t> kept_context(long_context.end() - 14, long_context.end());  // 14 + 3 - 1 = 16
  const auto results = engine.score_tokens({{long_context, continuation}, {kept_context, continuation}});
  EXPECT_TRUE(results[0].prompt_truncated);
  EXPECT_FALSE(results[1].prompt_truncated);  // exactly fits
  EXPECT_DOUBLE_EQ(results[0].logprob, results[1].logprob);

  const auto short_text = engine.loglikelihood({{"one two", " three"}});
  EXPECT_FALSE(short_text[0].prompt_truncated);
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += " word" + std::to_string(i);
  const auto long_result = engine.loglikelihood({{long_text, " end"}});
  EXPECT_TRUE(long_result[0].prompt_truncated);
  // Rolling windows are the protocol's own, not a cut.
  EXPECT_NO_THROW(engine.loglikelihood_rolling({long_text}));

  tasks::GenerationRequest generation;
  generation.max_new_tokens = 4;
  generation.context = long_text;
  tasks::GenerationRequest fits = generation;
  fits.context = "one two";
  const auto generated = engine.generate_until({generation, fits});
  EXPECT_TRUE(generated[0].prompt_truncated);
  EXPECT_FALSE(generated[1].prompt_truncated);
}

}  // namespace
}  // namespace engram::harness
