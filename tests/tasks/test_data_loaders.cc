// Loaders on well-formed and malformed files: every error names the file and the line (or field),
// and missing data says what is missing and how to get it.
#include <gtest/gtest.h>

#include "tasks/bbh_data.h"
#include "tasks/data_dir.h"
#include "tasks/data_error.h"
#include "tasks/mmlu_data.h"
#include "tasks/text.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::ScratchDir;
using testing::synthetic_bbh_json;
using testing::synthetic_cot_prompt;

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(BbhData, ParsesSyntheticFiles) {
  const auto examples = parse_bbh_json(synthetic_bbh_json(), "x.json");
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[1].input, "How many fruits: melon?");
  EXPECT_EQ(examples[1].target, "1");

  const auto prompt = parse_cot_prompt(synthetic_cot_prompt(), "x.txt");
  EXPECT_EQ(prompt.description, "Count the fruit.");
  ASSERT_EQ(prompt.exemplars.size(), 3u);
  EXPECT_EQ(prompt.exemplars[0].line, 5u);
  EXPECT_EQ(prompt.exemplars[1].line, 9u);
  EXPECT_EQ(prompt.exemplars[2].line, 13u);
  EXPECT_EQ(prompt.exemplars[0].question, "Q: How many fruits: apple, pear?\nA: ");
  EXPECT_EQ(prompt.exemplars[0].answer, "2");
  EXPECT_EQ(prompt.exemplars[2].text,
            "Q: How many fruits: kiwi, lime, plum?\nA: Let's think step by step.\n"
            "kiwi is 1, lime is 2, plum is 3. So the answer is 3.");
}

TEST(BbhData, MultiParagraphDescriptionAndSameLineReasoning) {
  const std::string text =
      "canary\n-----\nFirst line.\n\nA second paragraph of description.\n\n"
      "Q: q1\nA: Let's think step by step. Short reasoning. So the answer is yes.";
  const auto prompt = parse_cot_prompt(text, "p.txt");
  EXPECT_EQ(prompt.description, "First line.\n\nA second paragraph of description.");
  ASSERT_EQ(prompt.exemplars.size(), 1u);
  EXPECT_EQ(prompt.exemplars[0].question, "Q: q1\nA: ");
  EXPECT_EQ(prompt.exemplars[0].answer, "yes");
  EXPECT_EQ(prompt.exemplars[0].line, 7u);
}

TEST(BbhData, BrokenJsonNamesFileAndLine) {
  const std::string broken = "{\"examples\": [\n  {\"input\": \"a\", \"target\": \"b\"}\n  {\"input\": \"c\"}\n]}";
  try {
    parse_bbh_json(broken, "bbh/navigate.json");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u) << e.what();
    EXPECT_NE(std::string(e.what()).find("bbh/navigate.json:3:"), std::string::npos) << e.what();
  }
}

TEST(BbhData, MissingFieldNamesIt) {
  const std::string msg = error_of([] {
    parse_bbh_json(R"({"examples": [{"input": "a", "target": "b"}, {"input": "c"}]})", "bbh/x.json");
  });
  EXPECT_NE(msg.find("bbh/x.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("examples[1].target"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { parse_bbh_json(R"({"examples": [{"input": 3, "target": "b"}]})", "y.json"); })
                .find("examples[0].input: expected a string"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_bbh_json(R"({"canary": "x"})", "z.json"); }).find("z.json: examples: missing"),
            std::string::npos);
}

TEST(BbhData, CotPromptWithoutExamplesIsAnError) {
  try {
    parse_cot_prompt("canary\n-----\nJust a description.\n", "cot-prompts/empty.txt");
    FAIL();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.file(), "cot-prompts/empty.txt");
    EXPECT_GT(e.line(), 0u);
    EXPECT_NE(msg.find("cot-prompts/empty.txt:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no few-shot examples"), std::string::npos) << msg;
  }
}

TEST(BbhData, CotPromptOtherDefects) {
  const std::string no_separator = error_of([] { parse_cot_prompt("canary\nDesc.\n\nQ: a\nA: b", "p.txt"); });
  EXPECT_NE(no_separator.find("p.txt:2:"), std::string::npos) << no_separator;
  const std::string no_answer =
      error_of([] { parse_cot_prompt("c\n-----\nDesc.\n\nQ: a\nA: Let's think step by step.\nNo final.", "p.txt"); });
  EXPECT_NE(no_answer.find("p.txt:5:"), std::string::npos) << no_answer;
  EXPECT_NE(no_answer.find("final answer"), std::string::npos) << no_answer;
  const std::string no_step = error_of([] {
    parse_cot_prompt("c\n-----\nDesc.\n\nQ: a\nA: x. So the answer is 1.\n\nQ: b\nA: So the answer is 2.", "p.txt");
  });
  EXPECT_NE(no_step.find("p.txt:5:"), std::string::npos) << no_step;
  const std::string no_description = error_of([] { parse_cot_prompt("c\n-----\nQ: a\nA: b", "p.txt"); });
  EXPECT_NE(no_description.find("p.txt:3:"), std::string::npos) << no_description;
}

TEST(MmluData, HeaderlessLetterLayout) {
  const auto f = parse_mmlu_csv("\"What, exactly?\",1,2,\"three\nlines\",4,C\nSecond?,a,b,c,d,A\n", "x_test.csv");
  EXPECT_EQ(f.layout, MmluCsvLayout::headerless_letter);
  ASSERT_EQ(f.questions.size(), 2u);
  EXPECT_EQ(f.questions[0].question, "What, exactly?");
  EXPECT_EQ(f.questions[0].choices[2], "three\nlines");
  EXPECT_EQ(f.questions[0].answer, 2);
  EXPECT_EQ(f.questions[1].line, 3u);
  EXPECT_EQ(f.questions[1].answer, 0);
}

TEST(MmluData, HeaderIndexLayout) {
  const auto f = parse_mmlu_csv("question,choice0,choice1,choice2,choice3,answer\nQ?,w,x,y,z,3\n", "x_dev.csv");
  EXPECT_EQ(f.layout, MmluCsvLayout::header_index);
  ASSERT_EQ(f.questions.size(), 1u);
  EXPECT_EQ(f.questions[0].answer, 3);
  EXPECT_EQ(f.questions[0].line, 2u);
}

TEST(MmluData, MissingColumnNamesFileAndLine) {
  try {
    parse_mmlu_csv("question,choice0,choice1,choice2,choice3,answer\nQ1?,a,b,c,d,0\nQ2?,a,b,c,1\n",
                   "mmlu/test/anatomy_test.csv");
    FAIL();
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(msg.find("mmlu/test/anatomy_test.csv:3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got 5"), std::string::npos) << msg;
  }
}

TEST(MmluData, BadAnswersNameTheField) {
  const std::string letter_in_index = error_of(
      [] { parse_mmlu_csv("question,choice0,choice1,choice2,choice3,answer\nQ?,a,b,c,d,B\n", "h.csv"); });
  EXPECT_NE(letter_in_index.find("h.csv:2: answer:"), std::string::npos) << letter_in_index;
  const std::string bad_letter = error_of([] { parse_mmlu_csv("Q?,a,b,c,d,E\n", "l.csv"); });
  EXPECT_NE(bad_letter.find("l.csv:1: answer:"), std::string::npos) << bad_letter;
  EXPECT_NE(error_of([] { parse_mmlu_csv("", "e.csv"); }).find("e.csv"), std::string::npos);
}

TEST(MmluData, CategoriesCoverAllSubjectsOnce) {
  size_t total = 0;
  for (const auto& c : mmlu_categories()) total += c.subjects.size();
  EXPECT_EQ(total, 57u);
  EXPECT_EQ(mmlu_subjects().size(), 57u);
  EXPECT_EQ(mmlu_categories()[0].subjects.size(), 19u);  // STEM
  EXPECT_EQ(mmlu_categories()[1].subjects.size(), 13u);  // humanities
  EXPECT_EQ(mmlu_categories()[2].subjects.size(), 12u);  // social sciences
  EXPECT_EQ(mmlu_categories()[3].subjects.size(), 13u);  // other
  EXPECT_EQ(mmlu_category_of("professional_law"), "humanities");
  EXPECT_EQ(mmlu_category_of("econometrics"), "social_sciences");
  EXPECT_EQ(mmlu_category_of("global_facts"), "other");
  EXPECT_EQ(mmlu_category_of("machine_learning"), "stem");
  EXPECT_THROW(mmlu_category_of("astrology"), std::invalid_argument);
}

TEST(DataDir, MissingDataSaysWhatAndHow) {
  ScratchDir dir;
  const std::string bbh = error_of([&] { load_bbh(dir.path() / "nowhere", {"navigate"}); });
  EXPECT_NE(bbh.find("BBH data not found"), std::string::npos) << bbh;
  EXPECT_NE(bbh.find("navigate.json"), std::string::npos) << bbh;
  EXPECT_NE(bbh.find("--data-dir"), std::string::npos) << bbh;
  EXPECT_NE(bbh.find("BIG-Bench-Hard"), std::string::npos) << bbh;
  const std::string mmlu = error_of([&] { load_mmlu(dir.path(), {"anatomy"}); });
  EXPECT_NE(mmlu.find("MMLU data not found: 2 of 2"), std::string::npos) << mmlu;
  EXPECT_NE(mmlu.find("anatomy_dev.csv"), std::string::npos) << mmlu;
  EXPECT_NE(mmlu.find("ENGRAM_DATA"), std::string::npos) << mmlu;
  EXPECT_THROW(load_mmlu(dir.path(), {"anatomy"}), DataMissingError);
}

TEST(DataDir, ResolutionOrder) {
  EXPECT_EQ(resolve_data_dir(std::filesystem::path("/explicit")), std::filesystem::path("/explicit"));
  ::setenv("ENGRAM_DATA", "/from-env", 1);
  EXPECT_EQ(resolve_data_dir(), std::filesystem::path("/from-env"));
  EXPECT_EQ(resolve_data_dir(std::filesystem::path("/explicit")), std::filesystem::path("/explicit"));
  ::unsetenv("ENGRAM_DATA");
}

TEST(DataDir, LoadsFromAFolderAndReportsBrokenFiles) {
  ScratchDir dir;
  dir.write("bbh/bbh/navigate.json", synthetic_bbh_json());
  dir.write("bbh/cot-prompts/navigate.txt", synthetic_cot_prompt());
  const auto data = load_bbh(dir.path(), {"navigate"});
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].examples.size(), 3u);
  dir.write("bbh/cot-prompts/navigate.txt", "canary\n-----\nOnly a description.");
  const std::string msg = error_of([&] { load_bbh(dir.path(), {"navigate"}); });
  EXPECT_NE(msg.find((dir.path() / "bbh/cot-prompts/navigate.txt").string() + ":"), std::string::npos) << msg;
}

}  // namespace
}  // namespace engram::tasks
