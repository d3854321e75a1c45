// Sandbox throughput: the 164 HumanEval canonical solutions (prompt + solution + test + check), each
// in its own sandboxed process, on one worker and on all workers. The `programs/s` counter is the
// figure for the closing notes. Data: $ENGRAM_SHARED or ../shared next to the source tree.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tasks/humaneval/humaneval.h"

namespace he = engram::tasks::humaneval;

namespace {

const std::vector<std::string>& canonical_programs() {
  static const std::vector<std::string> programs = [] {
    std::vector<std::string> out;
    for (const auto& p : he::load_problems(he::default_problems_path(ENGRAM_SOURCE_DIR)))
      out.push_back(he::build_program(p, p.canonical_solution));
    return out;
  }();
  return programs;
}

void BM_SandboxCanonical(benchmark::State& state) {
  std::vector<std::string> programs;
  try {
    programs = canonical_programs();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  he::SandboxConfig config;
  config.workers = static_cast<int>(state.range(0));  // 0: all CPUs
  he::Sandbox sandbox(config);
  int64_t failed = 0;
  for (auto _ : state) {
    auto results = sandbox.run(programs);
    for (const auto& r : results) failed += !r.passed();
  }
  if (failed > 0) state.SkipWithError("a canonical solution failed in the sandbox");
  state.counters["workers"] = sandbox.config().workers;
  state.counters["programs/s"] = benchmark::Counter(static_cast<double>(programs.size()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(sandbox.isolation().contains_hostile() ? "isolated" : "NOT fully isolated");
}

}  // namespace

BENCHMARK(BM_SandboxCanonical)->Arg(1)->Arg(0)->ArgName("workers")->UseRealTime()->Unit(benchmark::kSecond)->Iterations(3);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  try {
    he::Sandbox probe;
    benchmark::AddCustomContext("sandbox", probe.describe().dump());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandbox unavailable: %s\n", e.what());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
