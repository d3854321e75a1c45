#pragma once
// The analytic memory plan behind batch size `auto`: how many sequences of a given maximum length fit
// in a memory budget, from the model's real weight bytes and per-token terms derived from its config
// (KV cache, forward activations, Engram buffers, vocabulary rows). It never probes by allocating and
// retrying after an out-of-memory error. The plan is a JSON object that goes into the report
// (model.engine.memory_plan) with every term, so a wrong choice can be traced to the term behind it.
//
// The batch is the largest power of two that fits: the choice stays put under small budget changes
// between runs, and kernels tile powers of two well.
//
// How close it is (float32, CPU, one thread): the weight term is the module's bytes and the KV term
// the cache's bytes exactly (tests/test_memory_plan.cc). The batch-dependent terms together
// (activations, attention mask, Engram buffers, logits, KV) were measured against the peak resident
// set growth (VmHWM) of the engine's scoring (every position projected, or only the last) and of
// generation (masked prefill into the cache, then decoding) on tiny-dense, tiny-moe and tiny-engram
// at batch x length 4x128, 2x256, 4x128 and 1x512 (tests/test_memory_plan_rss.cc): planned /
// measured lay between 1.06 and 2.30, so the plan bounds the peak and overestimates it by less than
// 2.5x, which that test asserts. Scoring with every position projected is dominated by the logits
// term (1.06-1.22); the other work by activations and the mask (1.32-2.30, the Engram model highest).
// Those figures are the work's own allocations: the test fixes glibc's mmap threshold. With glibc's
// default, a dynamic threshold, freed large tensors can stay in the heap and the resident growth of
// the same work varied from 17 to 23 MiB where it needs 12 (tiny-moe, 2x256); set
// MALLOC_MMAP_THRESHOLD_=131072 where the resident size must stay within the plan.
// Unmeasured: CUDA (the caching allocator), bfloat16, and the paper-size presets.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/model_config.h"

namespace torch::nn {
class Module;
}

namespace engram::harness {

struct MemoryPlanRequest {
  int64_t weight_bytes = 0;         // parameters and buffers as allocated (module_weight_bytes)
  int64_t element_bytes = 4;        // activations and KV cache dtype: 4 float32, 2 bfloat16
  int64_t max_sequence_length = 0;  // prompt plus generated tokens per sequence
  // Positions whose vocabulary rows one scoring projection holds at once. The engine projects one
  // sequence at a time when scoring, so this does not scale with the batch: up to the whole window
  // for a rolling log-likelihood, 1 for generation only. Generation also holds one row per sequence.
  int64_t projected_positions = 1;
  int64_t budget_bytes = 0;
  std::string budget_source;  // how the budget was obtained, for the report
  int64_t max_batch = 4096;   // never plan more sequences than this (e.g. the number of requests)
};

struct MemoryPlan {
  MemoryPlanRequest request;
  // Per token of a sequence:
  int64_t kv_cache_bytes_per_token = 0;    // MLA latent + rope key, or GQA keys and values, all layers
  int64_t activation_bytes_per_token = 0;  // residual streams and the larger of attention or FFN/MoE
  int64_t attention_mask_bytes_per_token = 0;  // one bool per key position
  int64_t engram_bytes_per_token = 0;      // hash ids of every Engram layer, one layer's gathered rows
  // Per sequence:
  int64_t engram_state_bytes_per_sequence = 0;  // ShortConv window and n-gram history
  int64_t logits_bytes_per_sequence = 0;        // float32 next-token logits and log-softmax (one row)
  int64_t bytes_per_sequence = 0;               // everything above at max_sequence_length
  // Once per batch:
  int64_t scoring_logits_bytes = 0;             // float32 logits and log-softmax of projected_positions rows
  int64_t available_bytes = 0;                  // budget minus weights and scoring logits (may be negative)
  int64_t batch_size = 0;                       // the largest power of two that fits, capped by max_batch
  nlohmann::json to_json() const;
};

// Throws std::invalid_argument when a request field is out of range or when not even one sequence
// fits, naming the budget, the weights and what one sequence needs.
MemoryPlan plan_memory(const model::ModelConfig& config, const MemoryPlanRequest& request);

// Bytes of every parameter and buffer of a module, as allocated (dtype and sharing respected).
int64_t module_weight_bytes(const torch::nn::Module& module);

}  // namespace engram::harness
