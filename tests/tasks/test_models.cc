// The test models: ReplayModel's JSONL format, keying and errors; OracleModel's preferences; the
// whitespace codec.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tasks/data_error.h"
#include "tasks/oracle_model.h"
#include "tasks/replay_model.h"
#include "tasks/sha256.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::ScratchDir;

TEST(ReplayModel, AnswersGenerationAndLoglikelihoodFromJsonl) {
  ScratchDir dir;
  const std::string h = sha256_hex("prompt one");
  const auto path = dir.write("r.jsonl",
                              "{\"prompt_hash\": \"" + h + "\", \"response\": \" yes\", \"hit_stop\": true}\n"
                              "\n"
                              "{\"context\": \"prompt two\", \"response\": \"a b c\", \"truncated\": true}\n"
                              "{\"prompt_hash\": \"" + h + "\", \"continuation\": \" A\", \"logprob\": -0.5, \"is_greedy\": true}\n"
                              "{\"prompt_hash\": \"" + h + "\", \"continuation\": \" B\", \"logprob\": -2.5}\n");
  auto model = ReplayModel::from_jsonl(path);
  EXPECT_EQ(model.size(), 4u);
  GenerationRequest one{"prompt one", {"\n"}, 16};
  GenerationRequest two{"prompt two", {}, 16};
  const auto gens = model.generate_until({one, two});
  ASSERT_EQ(gens.size(), 2u);
  EXPECT_EQ(gens[0].text, " yes");
  EXPECT_TRUE(gens[0].hit_stop);
  EXPECT_EQ(gens[1].text, "a b c");
  EXPECT_TRUE(gens[1].truncated);
  EXPECT_EQ(gens[1].tokens, 3);
  const auto lls = model.loglikelihood({{"prompt one", " B"}, {"prompt one", " A"}});
  EXPECT_EQ(lls[0].logprob, -2.5);
  EXPECT_FALSE(lls[0].is_greedy);
  EXPECT_EQ(lls[1].logprob, -0.5);
  EXPECT_TRUE(lls[1].is_greedy);
  EXPECT_EQ(model.describe()["source"], path.string());
}

TEST(ReplayModel, RepeatedPromptsTakeRecordsInOrder) {
  ReplayModel model;
  const std::string h = sha256_hex("same");
  model.add_generation(h, {"first"});
  model.add_generation(h, {"second"});
  GenerationRequest req{"same", {}, 8};
  const auto out = model.generate_until({req, req, req});
  EXPECT_EQ(out[0].text, "first");
  EXPECT_EQ(out[1].text, "second");
  EXPECT_EQ(out[2].text, "first");  // past the last record, they cycle
  // The count carries over between calls, so an evaluation split into chunks takes each record once.
  EXPECT_EQ(model.generate_until({req})[0].text, "second");
}

TEST(ReplayModel, HumanEvalSamplesBindToDocumentPrompts) {
  const auto path = std::filesystem::temp_directory_path() / "replay_task_id_test.jsonl";
  {
    std::ofstream out(path);
    out << R"({"task_id": "P/0", "completion": "a"})" << "\n"
        << R"({"task_id": "P/0", "completion": "b"})" << "\n"
        << R"({"task_id": "P/1", "completion": "c"})" << "\n";
  }
  ReplayModel model = ReplayModel::from_jsonl(path);
  std::filesystem::remove(path);
  Instance first, second;
  first.doc_id = "P/0";
  first.context = "prompt zero";
  second.doc_id = "P/1";
  second.context = "prompt one";
  GenerationRequest zero{"prompt zero", {}, 8}, one{"prompt one", {}, 8};
  EXPECT_THROW(model.generate_until({zero}), std::runtime_error);  // not bound yet
  EXPECT_EQ(model.bind_documents({first, first, second}), 2u);
  const auto out = model.generate_until({zero, one, zero});
  EXPECT_EQ(out[0].text, "a");
  EXPECT_EQ(out[1].text, "c");
  EXPECT_EQ(out[2].text, "b");
}

TEST(ReplayModel, StopStringsOnRequest) {
  ReplayOptions o;
  o.apply_stop_strings = true;
  ReplayModel model(o);
  model.add_generation(sha256_hex("p"), {"So the answer is (Q)."});
  const auto out = model.generate_until({GenerationRequest{"p", {"</s>", "Q", "\n\n"}, 8}});
  EXPECT_EQ(out[0].text, "So the answer is (");
  EXPECT_TRUE(out[0].hit_stop);
}

TEST(ReplayModel, MissingRecordIsAClearError) {
  ReplayModel model;
  try {
    model.generate_until({GenerationRequest{"unknown prompt", {}, 8}});
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(sha256_hex("unknown prompt")), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown prompt"), std::string::npos) << msg;
  }
  EXPECT_THROW(model.loglikelihood({{"x", " A"}}), std::runtime_error);
}

TEST(ReplayModel, BrokenLineNamesFileAndLine) {
  ScratchDir dir;
  const auto path = dir.write("bad.jsonl",
                              "{\"context\": \"a\", \"response\": \"x\"}\n"
                              "{\"context\": \"b\", \"response\": \"y\"\n"
                              "{\"context\": \"c\", \"response\": \"z\"}\n");
  try {
    ReplayModel::from_jsonl(path);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_NE(std::string(e.what()).find(path.string() + ":2:"), std::string::npos) << e.what();
  }
  const auto no_answer = dir.write("none.jsonl", "{\"context\": \"a\"}\n");
  EXPECT_THROW(ReplayModel::from_jsonl(no_answer), DataError);
  const auto bad_type = dir.write("type.jsonl", "{\"context\": \"a\", \"response\": 3}\n");
  try {
    ReplayModel::from_jsonl(bad_type);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.field(), "response");
  }
  EXPECT_THROW(ReplayModel::from_jsonl(dir.path() / "absent.jsonl"), DataMissingError);
}

TEST(OracleModel, PrefersTheGivenContinuation) {
  OracleModel model([](const std::string& ctx) -> std::optional<std::string> {
    if (ctx == "q1") return std::string(" B");
    return std::nullopt;
  });
  const auto out = model.loglikelihood({{"q1", " A"}, {"q1", " B"}, {"q1", " C"}});
  EXPECT_EQ(out[0].logprob, OracleModel::kOtherLogprob);
  EXPECT_FALSE(out[0].is_greedy);
  EXPECT_EQ(out[1].logprob, OracleModel::kPreferredLogprob);
  EXPECT_TRUE(out[1].is_greedy);
  EXPECT_FALSE(out[2].is_greedy);
  EXPECT_EQ(out[1].tokens, 1);
  EXPECT_THROW(model.loglikelihood({{"q2", " A"}}), std::runtime_error);
  EXPECT_THROW(model.generate_until({GenerationRequest{"q1", {}, 8}}), std::runtime_error);
}

TEST(OracleModel, FromMapsAndGeneration) {
  auto model = OracleModel::from_maps({{"ctx", " D"}}, {{"ctx", "So the answer is (D)."}});
  EXPECT_TRUE(model.loglikelihood({{"ctx", " D"}})[0].is_greedy);
  const auto gen = model.generate_until({GenerationRequest{"ctx", {"\n\n"}, 8}});
  EXPECT_EQ(gen[0].text, "So the answer is (D).");
  EXPECT_EQ(gen[0].tokens, 5);
  EXPECT_EQ(model.describe()["kind"], "oracle");
}

TEST(WhitespaceCodec, EncodeDecode) {
  OracleModel model([](const std::string&) { return std::optional<std::string>(" A"); });
  const auto ids = model.encode("the cat  sat on\nthe mat");
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[0], ids[4]);
  EXPECT_EQ(model.decode(ids), "the cat sat on the mat");
  EXPECT_THROW(model.decode({999}), std::out_of_range);
}

}  // namespace
}  // namespace engram::tasks
