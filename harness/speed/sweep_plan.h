#pragma once
// What `engram-bench speed` measures: the options (each sweep axis a list, as llama-bench takes
// them) and their cartesian product, model outermost so that each model is built once. No LibTorch.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/batch_size.h"
#include "harness/speed/warmup.h"

namespace engram::distributed {
class DistributedContext;
}

namespace engram::harness::speed {

// `speed` under torchrun: every rank measures the same points on prompts of its own; rank 0 reports
// each rank's throughput and their sum. With `shard`, each model's routed experts and Engram tables
// are split across the ranks (baselines/nn/model_sharding.h), so every forward is a collective and
// the all-to-all time of each layer is reported too.
struct ParallelSpeed {
  distributed::DistributedContext* context = nullptr;  // null: a single process
  int rank = 0;
  int world_size = 1;
  bool shard = false;
};

// The paper's table-4 workload as nano-vLLM's bench.py draws it: num_seqs sequences of random token
// ids, input and output lengths each Uniform[min_tokens, max_input|max_output] (inclusive), seeded;
// EOS ignored; throughput = output tokens / wall seconds.
struct NanoVllmWorkload {
  int64_t num_seqs = 512;
  int64_t min_tokens = 100;
  int64_t max_input = 1024;
  int64_t max_output = 1024;
  uint64_t seed = 0;
};

struct SweepOptions {
  std::vector<std::string> models{"tiny-dense"};  // presets or hf:DIR
  std::vector<BatchSize> batches{BatchSize::fixed(1)};  // auto entries use the memory plan
  std::vector<int64_t> prompt_tokens{128};
  std::vector<int64_t> gen_tokens{32};
  int threads = 0;                                // 0: LibTorch's default
  std::string dtype = "float32";                  // float32 | bfloat16 | float16 | auto
  bool cuda_graphs = true;                        // on CUDA, decode steps replayed from graphs where capturable
  std::string device = "cpu";                     // cpu | cuda | cuda:N
  int repetitions = 5;
  WarmupPolicy warmup;
  uint64_t seed = 0;                              // weights and prompt tokens
  std::string workload = "sweep";                 // sweep | nano-vllm
  NanoVllmWorkload nano_vllm;
  // device | host | disk: where Engram models' tables live while every row is measured. Host and
  // disk build the models without their tables (harness/speed/speed_model_tables.h) and add an
  // offload section: per point, the fetch statistics and the throughput against the model's
  // backbone alone (PRESET for PRESET+engram=SIZE) when the sweep measured it first.
  std::string engram_table = "device";
  int64_t engram_cache_rows = 0;
  std::string engram_table_file;                  // disk: the table file (default: a temporary one)
  std::optional<int64_t> memory_budget_bytes;     // batch auto: override the device's free memory
  double memory_fraction = 0.8;                   // batch auto: share of the free memory planned for
  std::optional<std::string> tokenizer_dir;       // Engram compression table (default: shared DeepSeek-V3)
  ParallelSpeed parallel;
};

struct SweepPoint {
  std::string model;
  BatchSize batch = BatchSize::fixed(1);  // auto: resolved when the model is built
  int64_t prompt_tokens = 0;
  int64_t gen_tokens = 0;
};

// Throws std::invalid_argument naming the option when a value is out of range or a tier is not
// available yet.
void validate(const SweepOptions& options);

// The cartesian product models x batches x prompt_tokens x gen_tokens, in that nesting order. The
// nano-vllm workload has one point per model and batch (its lengths are drawn, not swept).
std::vector<SweepPoint> expand_sweep(const SweepOptions& options);

// "1,4,16" -> {1, 4, 16}; `option` names the flag in errors.
std::vector<int64_t> parse_count_list(const std::string& text, const std::string& option);
// "auto,4" -> {auto, 4}: positive integers or auto.
std::vector<BatchSize> parse_batch_list(const std::string& text, const std::string& option);
std::vector<std::string> parse_name_list(const std::string& text, const std::string& option);

}  // namespace engram::harness::speed
