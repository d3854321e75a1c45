#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "engram/atomic_file.h"
#include "harness/cli/commands.h"
#include "harness/distributed/launched_context.h"
#include "harness/speed/parallel_speed.h"
#include "harness/speed/speed_rows.h"
#include "harness/speed/sweep_runner.h"

namespace engram::cli {
namespace {

struct SpeedCliOptions {
  std::string models;
  std::string batches = "1";
  std::string prompt_tokens = "128";
  std::string gen_tokens = "32";
  std::string output_format = "md";
  std::string output;
  std::string tokenizer;
  std::optional<int64_t> memory_budget;
  bool shard = false;
  harness::speed::SweepOptions sweep;
};

std::string milliseconds_pair(const nlohmann::json& percentiles) {
  return fmt::format("{:.3f} / {:.3f}", percentiles["p50"].get<double>(), percentiles["p99"].get<double>());
}

// One line per point measured with host or disk tables on the terminal; the json output carries the
// whole section with per-layer stats.
void print_offload_table(const nlohmann::json& runs) {
  std::cerr << "| model | tier | batch | prompt | gen | cache rows | table GB off device | baseline tok/s | tok/s "
               "| overhead % | hit rate | fetch p50/p99 ms | stall p50/p99 ms | overlap | peak RSS GB |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  const auto number_or_dash = [](const nlohmann::json& value, const char* format) {
    return value.is_null() ? std::string("-") : fmt::format(fmt::runtime(format), value.get<double>());
  };
  for (const auto& run : runs) {
    std::cerr << fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} | {} | {:.1f} | {} | {} | {} | {} | {:.4f} | {:.2f} |\n",
                             run["model"].get<std::string>(), run["tier"].get<std::string>(), run["batch"].dump(),
                             run["prompt_tokens"].dump(), run["gen_tokens"].dump(), run["cache_rows"].dump(),
                             run["device_bytes_saved"].get<double>() / 1e9, number_or_dash(run["baseline_tok_s"], "{:.1f}"),
                             run["tok_s"].get<double>(), number_or_dash(run["overhead_pct"], "{:+.2f}"),
                             number_or_dash(run["cache_hit_rate"], "{:.3f}"), milliseconds_pair(run["fetch_ms"]),
                             milliseconds_pair(run["stall_ms"]), run["overlap_fraction"].get<double>(),
                             run["peak_rss_bytes"].get<double>() / 1e9);
  }
}

int run_speed(SpeedCliOptions options) {
  namespace speed = harness::speed;
  speed::SweepOptions& sweep = options.sweep;
  sweep.models = speed::parse_name_list(options.models, "--model");
  sweep.batches = speed::parse_batch_list(options.batches, "--batch");
  sweep.prompt_tokens = speed::parse_count_list(options.prompt_tokens, "--prompt-tokens");
  sweep.gen_tokens = speed::parse_count_list(options.gen_tokens, "--gen-tokens");
  sweep.memory_budget_bytes = options.memory_budget;
  if (!options.tokenizer.empty()) sweep.tokenizer_dir = options.tokenizer;
  const speed::OutputFormat format = speed::parse_output_format(options.output_format);
  // Under torchrun every rank measures; rank 0 alone prints and writes.
  distributed::DistributedContext* const context = distributed::launched_context();
  if (context) {
    sweep.parallel.context = context;
    sweep.parallel.rank = context->rank();
    sweep.parallel.world_size = context->world_size();
    if (context->device().is_cuda()) sweep.device = context->device().str();
  }
  sweep.parallel.shard = options.shard;
  if (sweep.workload == "nano-vllm") {
    const auto& w = sweep.nano_vllm;
    std::cerr << fmt::format("nano-vllm workload: {} sequences, input Uniform[{}, {}], output Uniform[{}, {}], seed {}, "
                             "EOS ignored; continuous batching, then fixed max batches, on the same prompts\n",
                             w.num_seqs, w.min_tokens, w.max_input, w.min_tokens, w.max_output, w.seed);
  }
  const bool root = !context || context->is_root();
  const nlohmann::json section = speed::run_sweep(sweep, root ? &std::cerr : nullptr);
  if (context) context->post_done();
  if (!root) return 0;
  const nlohmann::json& rows = section["rows"];
  for (const auto& entry : section["memory_plans"]) {
    const auto& plan = entry["plan"];
    std::cerr << fmt::format("{}: batch auto -> {} ({} bytes per sequence of {} tokens, {} bytes of weights, budget {} bytes: {})\n",
                             entry["model"].get<std::string>(), plan["batch_size"].get<int64_t>(),
                             plan["bytes_per_sequence"].get<int64_t>(), plan["max_sequence_length"].get<int64_t>(),
                             plan["weight_bytes"].get<int64_t>(), plan["budget_bytes"].get<int64_t>(),
                             plan["budget_source"].get<std::string>());
  }
  if (section.contains("offload")) print_offload_table(section["offload"]["runs"]);
  if (section.contains("parallel")) std::cerr << speed::format_parallel_section(section["parallel"]);
  if (options.output.empty()) {
    std::cout << (format == speed::OutputFormat::kJson ? section.dump(1) + "\n" : speed::format_rows(rows, format));
    return 0;
  }
  write_file_atomically(options.output,
                        format == speed::OutputFormat::kJson ? section.dump(1) + "\n" : speed::format_rows(rows, format));
  std::cout << speed::format_rows(rows, speed::OutputFormat::kMarkdown) << "results written to " << options.output << "\n";
  return 0;
}

}  // namespace

void add_speed_command(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  auto o = std::make_shared<SpeedCliOptions>();
  auto& s = o->sweep;
  CLI::App* cmd = app.add_subcommand("speed", "Prefill/decode throughput and latency sweeps (llama-bench style) "
                                              "and the paper's table-4 workload (--workload nano-vllm)");
  cmd->add_option("--model", o->models, "PRESET[+engram=SIZE] | hf:DIR | gguf:FILE | an installed model (smollm2-135m), comma-separated")->required();
  cmd->add_option("--batch", o->batches, "sequences per batch, comma-separated; auto = the memory plan's choice")
      ->capture_default_str();
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "prompt lengths, comma-separated")->capture_default_str();
  cmd->add_option("--gen-tokens", o->gen_tokens, "generated tokens per sequence, comma-separated")->capture_default_str();
  cmd->add_option("--threads", s.threads, "intra-op threads (0: LibTorch's default)")->capture_default_str();
  cmd->add_option("--dtype", s.dtype, "weights: float32 | bfloat16 | float16 | auto (bfloat16 on CUDA, else float32)")->capture_default_str();
  cmd->add_option("--device", s.device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--cuda-graphs", s.cuda_graphs,
                  "on CUDA, replay decode steps from CUDA graphs (dense models; batches up to 256)")
      ->capture_default_str();
  cmd->add_option("--repetitions", s.repetitions, "measured runs per point")->capture_default_str();
  cmd->add_option("--warmup-max", s.warmup.max_runs, "at most this many warm-up runs")->capture_default_str();
  cmd->add_option("--warmup-cv", s.warmup.cv_threshold,
                  "warm-up ends when the coefficient of variation of the last runs falls below this")
      ->capture_default_str();
  cmd->add_option("--warmup-window", s.warmup.window, "runs the warm-up variation is computed over")->capture_default_str();
  cmd->add_option("--seed", s.seed, "weights and prompt seed")->capture_default_str();
  cmd->add_option("--workload", s.workload, "sweep | nano-vllm")->capture_default_str();
  cmd->add_option("--num-seqs", s.nano_vllm.num_seqs, "nano-vllm: sequences")->capture_default_str();
  cmd->add_option("--min-tokens", s.nano_vllm.min_tokens, "nano-vllm: shortest input and output")->capture_default_str();
  cmd->add_option("--max-input", s.nano_vllm.max_input, "nano-vllm: longest input")->capture_default_str();
  cmd->add_option("--max-output", s.nano_vllm.max_output, "nano-vllm: longest output")->capture_default_str();
  cmd->add_option("--length-seed", s.nano_vllm.seed, "nano-vllm: seed of the length draws")->capture_default_str();
  cmd->add_option("--engram-table", s.engram_table,
                  "device | host | disk: where Engram tables live (host and disk: never on the device; list the "
                  "backbone first, e.g. --model P,P+engram=20B, to compare against it)")
      ->capture_default_str();
  cmd->add_option("--engram-table-file", s.engram_table_file,
                  "disk tier: the table file (written when absent, reused when it fits; default: a temporary file)");
  cmd->add_option("--engram-cache-rows", s.engram_cache_rows, "hot-row cache of the host/disk tiers")->capture_default_str();
  cmd->add_flag("--shard", o->shard,
                "under torchrun: split routed experts and Engram tables across the ranks (expert parallelism) "
                "and report the all-to-all time per layer; without it each rank holds the whole model");
  cmd->add_option("--memory-budget", o->memory_budget, "batch auto: plan for this many bytes instead of free memory");
  cmd->add_option("--memory-fraction", s.memory_fraction, "batch auto: share of free memory to plan for")
      ->capture_default_str();
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer folder for Engram's compression (default: shared DeepSeek-V3)");
  cmd->add_option("--output-format", o->output_format, "json | jsonl | csv | md")->capture_default_str();
  cmd->add_option("--output", o->output, "write the rows here (atomically) in --output-format; md goes to the terminal");
  actions.emplace_back(cmd, [o] { return run_speed(*o); });
}

}  // namespace engram::cli
