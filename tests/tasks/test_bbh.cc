// BBH end to end on the shared data: counts, prompt formats, and the validations with a replay
// model (gold answers written as a model would -> 100% on all 27 subtasks; wrong answers -> 0%),
// plus the protocol quirks that cap what even a perfect model can get under lm-eval's settings.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <unordered_map>

#include "tasks/bbh_task.h"
#include "tasks/evaluator.h"
#include "tasks/oracle_model.h"
#include "tasks/registry.h"
#include "tasks/replay_model.h"
#include "tasks/sha256.h"
#include "tasks/text.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::datasets_dir;
using testing::ScratchDir;

// Per-subtask counts from ../shared/datasets/bbh/MANIFEST.md: 250 each except these three.
size_t manifest_count(const std::string& subtask) {
  static const std::map<std::string, size_t> smaller = {
      {"causal_judgement", 187}, {"penguins_in_a_table", 146}, {"snarks", 178}};
  const auto it = smaller.find(subtask);
  return it == smaller.end() ? 250 : it->second;
}

// Loaded once for the whole suite: the 27 subtasks' files.
const std::vector<BbhSubtaskData>& shared_bbh() {
  static const std::vector<BbhSubtaskData> data = load_bbh(datasets_dir());
  return data;
}

// A wrong answer of the same form as the target.
std::string wrong_answer(const std::string& target) {
  static const std::map<std::string, std::string> flips = {{"Yes", "No"},   {"No", "Yes"},       {"yes", "no"},
                                                           {"no", "yes"},   {"True", "False"},   {"False", "True"},
                                                           {"valid", "invalid"}, {"invalid", "valid"}};
  if (auto it = flips.find(target); it != flips.end()) return it->second;
  if (target.size() == 3 && target[0] == '(' && target[2] == ')') {
    return std::string("(") + (target[1] == 'A' ? 'B' : 'A') + ")";
  }
  if (std::regex_match(target, std::regex("-?[0-9]+"))) return std::to_string(std::stoll(target) + 1);
  return target + " x";
}

// Writes a replay file answering each instance with respond(instance) and returns the model.
template <typename F>
ReplayModel replay_for(const std::vector<Instance>& instances, const ScratchDir& dir, F respond,
                       ReplayOptions options = {}) {
  std::string jsonl;
  for (const auto& inst : instances) {
    jsonl += nlohmann::json{{"prompt_hash", sha256_hex(inst.context)}, {"doc_id", inst.doc_id},
                            {"response", respond(inst)}}
                 .dump() +
             "\n";
  }
  return ReplayModel::from_jsonl(dir.write("replay.jsonl", jsonl), options);
}

double subtask_value(const nlohmann::json& results, const std::string& task, const std::string& subtask,
                     const std::string& key) {
  return results["results"][task]["subtask_results"][subtask]["metrics"][key]["value"].get<double>();
}

TEST(Bbh, CountsMatchManifest) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto& data = shared_bbh();
  ASSERT_EQ(data.size(), 27u);
  size_t total = 0;
  for (const auto& d : data) {
    EXPECT_EQ(d.examples.size(), manifest_count(d.name)) << d.name;
    EXPECT_EQ(d.prompt.exemplars.size(), 3u) << d.name;
    total += d.examples.size();
  }
  EXPECT_EQ(total, 6511u);
}

TEST(Bbh, ExemplarAnswersAreTheFinalAnswers) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  for (const auto& d : shared_bbh()) {
    for (const auto& ex : d.prompt.exemplars) {
      const std::string tail = "So the answer is " + ex.answer + ".";
      ASSERT_GE(ex.text.size(), tail.size());
      EXPECT_EQ(ex.text.substr(ex.text.size() - tail.size()), tail) << d.name << " line " << ex.line;
    }
  }
}

TEST(Bbh, CotPromptIsPromptFileThenQuestion) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const BbhTask task(bbh_config(BbhVariant::cot_fewshot), shared_bbh());
  for (const auto& d : shared_bbh()) {
    const std::string file = read_text_file(datasets_dir() / "bbh" / "cot-prompts" / (d.name + ".txt"));
    std::string body = file.substr(file.find("\n-----\n") + 7);
    // lm-eval renders every exemplar's reasoning on the line after "Let's think step by step.";
    // sports_understanding's file has it on the same line (its three exemplars change).
    for (size_t at; (at = body.find("step by step. ")) != std::string::npos;) body[at + 13] = '\n';
    const std::string input = d.examples[0].input;
    EXPECT_EQ(task.render_prompt(d.name, input), body + "\n\nQ: " + input + "\nA: Let's think step by step.\n")
        << d.name;
  }
}

TEST(Bbh, PromptFormatsOnSyntheticData) {
  BbhSubtaskData d;
  d.name = "fruit";
  d.prompt = parse_cot_prompt(testing::synthetic_cot_prompt(), "fruit.txt");
  d.examples = parse_bbh_json(testing::synthetic_bbh_json(), "fruit.json");
  const std::string q = "How many fruits: date, grape?";
  EXPECT_EQ(BbhTask(bbh_config(BbhVariant::cot_fewshot), {d}).render_prompt("fruit", q),
            "Count the fruit.\n\n"
            "Q: How many fruits: apple, pear?\nA: Let's think step by step.\napple is 1, pear is 2. So the answer is 2.\n\n"
            "Q: How many fruits: fig?\nA: Let's think step by step.\nfig is 1. So the answer is 1.\n\n"
            "Q: How many fruits: kiwi, lime, plum?\nA: Let's think step by step.\n"
            "kiwi is 1, lime is 2, plum is 3. So the answer is 3.\n\n"
            "Q: How many fruits: date, grape?\nA: Let's think step by step.\n");
  EXPECT_EQ(BbhTask(bbh_config(BbhVariant::fewshot), {d}).render_prompt("fruit", q),
            "Count the fruit.\n\n"
            "Q: How many fruits: apple, pear?\nA: 2\n\n"
            "Q: How many fruits: fig?\nA: 1\n\n"
            "Q: How many fruits: kiwi, lime, plum?\nA: 3\n\n"
            "Q: How many fruits: date, grape?\nA:");
  EXPECT_EQ(BbhTask(bbh_config(BbhVariant::zeroshot), {d}).render_prompt("fruit", q),
            "Count the fruit.\n\nQ: How many fruits: date, grape?\nA:");
}

TEST(Bbh, GenerationSettingsAreLmEvals) {
  const auto cot = bbh_config(BbhVariant::cot_fewshot);
  EXPECT_EQ(cot.until, (std::vector<std::string>{"</s>", "Q", "\n\n"}));
  EXPECT_EQ(cot.max_gen_toks, 1024);
  const auto fs = bbh_config(BbhVariant::fewshot);
  EXPECT_EQ(fs.until, (std::vector<std::string>{"</s>", "Q", "\n\n"}));
  EXPECT_EQ(fs.max_gen_toks, 256);
  const auto zs = bbh_config(BbhVariant::zeroshot);
  EXPECT_EQ(zs.until, (std::vector<std::string>{"</s>", "Q:", "<|im_end|>"}));
  EXPECT_EQ(zs.max_gen_toks, 256);
  EXPECT_TRUE(zs.exact_match.ignore_case);
}

TEST(Bbh, CotGoldAnswersScore100OnAll27) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const BbhTask task(bbh_config(BbhVariant::cot_fewshot), shared_bbh());
  ScratchDir dir;
  auto model = replay_for(task.instances(std::nullopt), dir, [](const Instance& inst) {
    return "We work through it step by step. So the answer is " + inst.target + ".";
  });
  const auto out = evaluate(model, std::vector<const Task*>{&task});
  const auto& r = out["results"]["bbh_cot_fewshot"];
  EXPECT_EQ(r["n"], 6511);
  EXPECT_EQ(r["metrics"]["exact_match,get-answer"]["value"].get<double>(), 1.0);
  EXPECT_EQ(r["counts"]["unparseable"], 0);
  for (const auto& name : bbh_subtask_names()) {
    EXPECT_EQ(subtask_value(out, "bbh_cot_fewshot", name, "exact_match,get-answer"), 1.0) << name;
    EXPECT_EQ(r["subtask_results"][name]["n"], manifest_count(name));
  }
  EXPECT_EQ(out["samples"]["bbh_cot_fewshot"].size(), 6511u);
}

TEST(Bbh, CotWrongAnswersScore0OnAll27) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const BbhTask task(bbh_config(BbhVariant::cot_fewshot), shared_bbh());
  ScratchDir dir;
  auto model = replay_for(task.instances(std::nullopt), dir, [](const Instance& inst) {
    return "We work through it step by step. So the answer is " + wrong_answer(inst.target) + ".";
  });
  const auto out = evaluate(model, std::vector<const Task*>{&task});
  for (const auto& name : bbh_subtask_names()) {
    EXPECT_EQ(subtask_value(out, "bbh_cot_fewshot", name, "exact_match,get-answer"), 0.0) << name;
  }
  EXPECT_EQ(out["results"]["bbh_cot_fewshot"]["metrics"]["exact_match,get-answer"]["value"].get<double>(), 0.0);
}

TEST(Bbh, PlainVariantsBareTargets) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  for (auto variant : {BbhVariant::fewshot, BbhVariant::zeroshot}) {
    const BbhTask task(bbh_config(variant), shared_bbh());
    const auto instances = task.instances(std::nullopt);
    ScratchDir dir;
    auto gold = replay_for(instances, dir, [](const Instance& inst) { return inst.target; });
    const auto good = evaluate(gold, std::vector<const Task*>{&task});
    ScratchDir dir2;
    auto wrong = replay_for(instances, dir2, [](const Instance& inst) { return wrong_answer(inst.target); });
    const auto bad = evaluate(wrong, std::vector<const Task*>{&task});
    // The raw response is lm-eval's "none" in bbh_fewshot and its "strict-match" in bbh_zeroshot.
    const std::string raw = variant == BbhVariant::fewshot ? "exact_match,none" : "exact_match,strict-match";
    for (const auto& name : bbh_subtask_names()) {
      for (const std::string& key : {raw, std::string("exact_match,strip")}) {
        EXPECT_EQ(subtask_value(good, task.name(), name, key), 1.0) << task.name() << " " << name << " " << key;
        EXPECT_EQ(subtask_value(bad, task.name(), name, key), 0.0) << task.name() << " " << name << " " << key;
      }
    }
    EXPECT_EQ(good["results"][task.name()]["metrics"][raw]["value"].get<double>(), 1.0);
  }
}

TEST(Bbh, FewshotLeadingSpaceQuirk) {
  // lm-eval compares the raw continuation: " (A)" != "(A)". The primary metric keeps that; the
  // "strip" filter shows what the model actually answered.
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const BbhTask task(bbh_config(BbhVariant::fewshot), shared_bbh());
  ScratchDir dir;
  auto model = replay_for(task.instances(std::nullopt), dir, [](const Instance& inst) { return " " + inst.target; });
  const auto out = evaluate(model, std::vector<const Task*>{&task});
  const auto& m = out["results"]["bbh_fewshot"]["metrics"];
  EXPECT_EQ(m["exact_match,none"]["value"].get<double>(), 0.0);
  EXPECT_EQ(m["exact_match,strip"]["value"].get<double>(), 1.0);
  EXPECT_EQ(out["results"]["bbh_fewshot"]["primary_metric"], "exact_match,none");
}

TEST(Bbh, StopStringQCapsColoredObjects) {
  // With lm-eval's stop string "Q", a model writing "So the answer is (Q)." is cut to
  // "So the answer is (" (and a bare "(Q)" to "("): the 7 "(Q)" rows of
  // reasoning_about_colored_objects can never score in the cot_fewshot and fewshot variants.
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  for (auto variant : {BbhVariant::cot_fewshot, BbhVariant::fewshot}) {
    const BbhTask task(bbh_config(variant), shared_bbh());
    const bool cot = variant == BbhVariant::cot_fewshot;
    ScratchDir dir;
    ReplayOptions engine_like;
    engine_like.apply_stop_strings = true;
    auto model = replay_for(
        task.instances(std::nullopt), dir,
        [cot](const Instance& inst) {
          return cot ? "We work through it step by step. So the answer is " + inst.target + "." : inst.target;
        },
        engine_like);
    const auto out = evaluate(model, std::vector<const Task*>{&task});
    const auto& r = out["results"][task.name()];
    const std::string key = r["primary_metric"];
    for (const auto& name : bbh_subtask_names()) {
      const double expected = name == "reasoning_about_colored_objects" ? 243.0 / 250.0 : 1.0;
      EXPECT_EQ(subtask_value(out, task.name(), name, key), expected) << task.name() << " " << name;
    }
    // The CoT answers cut to "So the answer is (" extract as empty: counted as unparseable.
    EXPECT_EQ(r["counts"]["unparseable"], cot ? 7 : 0);
  }
}

TEST(Bbh, DuplicateInputsWithConflictingTargets) {
  // causal_judgement holds two inputs twice with different targets: a model that answers each
  // prompt the same way every time (any greedy model) tops out at 185/187.
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto names = std::vector<std::string>{"causal_judgement"};
  const BbhTask task(bbh_config(BbhVariant::zeroshot), load_bbh(datasets_dir(), names));
  std::unordered_map<std::string, std::string> first_answer;
  for (const auto& inst : task.instances(std::nullopt)) first_answer.emplace(inst.context, inst.target);
  auto model = OracleModel::from_maps({}, first_answer);
  const auto out = evaluate(model, std::vector<const Task*>{&task});
  EXPECT_EQ(subtask_value(out, "bbh_zeroshot", "causal_judgement", "exact_match,strict-match"), 185.0 / 187.0);
}

TEST(Bbh, RegistryNamesAndSelection) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  TaskOptions options;
  options.data_dir = datasets_dir();
  const auto task = TaskRegistry::builtin().create("bbh:navigate+date_understanding", options);
  EXPECT_EQ(task->name(), "bbh_cot_fewshot");
  EXPECT_EQ(task->subtasks(), (std::vector<std::string>{"date_understanding", "navigate"}));
  EXPECT_EQ(task->instances(5).size(), 10u);
  EXPECT_EQ(task->instances(std::nullopt).size(), 500u);
}

}  // namespace
}  // namespace engram::tasks
