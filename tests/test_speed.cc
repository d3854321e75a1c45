// The speed verb's parts: statistics, warm-up, sweep expansion and validation, and the rows a sweep
// and the nano-vllm workload produce (fields present, counts right, every output format carrying the
// same fields). Structure only: no timing is asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli_runner.h"
#include "harness/speed/nano_vllm_workload.h"
#include "harness/speed/speed_rows.h"
#include "harness/speed/statistics.h"
#include "harness/speed/sweep_runner.h"
#include "harness/speed/warmup.h"
#include "test_support.h"

namespace engram::harness::speed {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

SweepOptions small_sweep() {
  SweepOptions o;
  o.models = {"tiny-dense"};
  o.batches = {BatchSize::fixed(1), BatchSize::fixed(2)};
  o.prompt_tokens = {5};
  o.gen_tokens = {1, 3};
  o.repetitions = 2;
  o.warmup.max_runs = 2;
  o.warmup.min_runs = 0;
  o.threads = 1;
  return o;
}

TEST(SpeedStatistics, KnownValues) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4}), 2.5);
  EXPECT_NEAR(sample_stddev({2, 4, 4, 4, 5, 5, 7, 9}), 2.138089935, 1e-9);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 90), 4.6);
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7);
  EXPECT_THROW(percentile({}, 50), std::invalid_argument);
  const RateSummary r = rate_summary(100, {1.0, 0.5});
  EXPECT_DOUBLE_EQ(r.mean, 150);
  EXPECT_NEAR(r.stddev, 70.71067812, 1e-6);
}

TEST(SpeedWarmup, StopsWhenSettledAndCapsWhenNot) {
  WarmupPolicy policy;
  policy.min_runs = 2;
  policy.window = 3;
  policy.cv_threshold = 0.05;
  policy.max_runs = 10;
  std::vector<double> times{5.0, 2.0, 1.0, 1.0, 1.0, 1.0};
  std::size_t next = 0;
  const WarmupResult settled = warm_up([&] { return times[std::min(next++, times.size() - 1)]; }, policy);
  EXPECT_TRUE(settled.settled);
  EXPECT_EQ(settled.runs, 5);  // the first window of three equal times ends at run 5
  int call = 0;
  const WarmupResult noisy = warm_up([&] { return (call++ % 2) ? 1.0 : 3.0; }, policy);
  EXPECT_FALSE(noisy.settled);
  EXPECT_EQ(noisy.runs, 10);
  EXPECT_EQ(noisy.seconds.size(), 10u);
  policy.window = 1;
  EXPECT_THROW(warm_up([] { return 1.0; }, policy), std::invalid_argument);
}

TEST(BatchSizeFlag, AutoOrAPositiveIntegerAndNothingElse) {
  EXPECT_EQ(parse_batch_size("auto"), BatchSize::automatic());
  EXPECT_EQ(parse_batch_size("16"), BatchSize::fixed(16));
  EXPECT_EQ(parse_batch_size("auto").to_json(), "auto");
  EXPECT_EQ(parse_batch_size("16").to_json(), 16);
  for (const std::string bad : {"", "0", "-2", "x", "2.5", "8x", "AUTO"}) {
    try {
      parse_batch_size(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--batch-size"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + bad + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(SpeedPlan, ListsExpandAndBadValuesAreNamed) {
  EXPECT_EQ(parse_count_list("1,4,16", "--batch"), (std::vector<int64_t>{1, 4, 16}));
  EXPECT_EQ(parse_batch_list("auto,2", "--batch"), (std::vector<BatchSize>{BatchSize::automatic(), BatchSize::fixed(2)}));
  EXPECT_THROW(parse_batch_list("auto,0", "--batch"), std::invalid_argument);
  for (const std::string bad : {"", "1,,2", "0", "-3", "x", "2.5", "auto"}) {
    try {
      parse_count_list(bad, "--prompt-tokens");
      FAIL() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--prompt-tokens"), std::string::npos) << e.what();
    }
  }
  SweepOptions o = small_sweep();
  o.models = {"a", "b"};
  const auto points = expand_sweep(o);
  ASSERT_EQ(points.size(), 8u);  // 2 models x 2 batches x 1 prompt x 2 gen
  EXPECT_EQ(points[0].model, "a");
  EXPECT_EQ(points[3].model, "a");
  EXPECT_EQ(points[4].model, "b");
  EXPECT_EQ(points[1].gen_tokens, 3);
  o.workload = "nano-vllm";
  EXPECT_EQ(expand_sweep(o).size(), 4u);
}

TEST(SpeedPlan, TierOptionsAreChecked) {
  SweepOptions o = small_sweep();
  for (const char* tier : {"host", "disk"}) {
    o.engram_table = tier;
    EXPECT_NO_THROW(validate(o)) << tier;
  }
  o.engram_table = "nvme";
  try {
    validate(o);
    FAIL() << "unknown tier accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("expected device, host or disk"), std::string::npos) << e.what();
  }
  o.engram_table = "host";
  o.workload = "nano-vllm";
  EXPECT_NO_THROW(validate(o));  // table 4: the nano-vLLM workload with host tables
  o.engram_table_file = "tables.engram";
  EXPECT_THROW(validate(o), std::invalid_argument);  // a table file is for the disk tier
  o.engram_table = "disk";
  EXPECT_NO_THROW(validate(o));
  o.engram_table_file.clear();
  o.workload = "sweep";
  o.engram_table = "device";
  o.engram_cache_rows = 10;
  EXPECT_THROW(validate(o), std::invalid_argument);
  o.engram_cache_rows = 0;
  o.dtype = "float16";
  EXPECT_NO_THROW(validate(o));
  o.dtype = "float64";
  EXPECT_THROW(validate(o), std::invalid_argument);
}

TEST(SpeedSweep, RowsCarryEveryFieldAndTheRawSamples) {
  const nlohmann::json section = run_sweep(small_sweep());
  EXPECT_EQ(section["fields"].get<std::vector<std::string>>(), row_fields());
  const auto& rows = section["rows"];
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_NO_THROW(check_row(row));
    EXPECT_EQ(row["model"], "tiny-dense");
    EXPECT_EQ(row["workload"], "sweep");
    EXPECT_TRUE(row["engram_table"].is_null());  // no Engram in this model
    EXPECT_EQ(row["samples"]["prefill_s"].size(), 2u);
    EXPECT_EQ(row["samples"]["decode_s"].size(), 2u);
    EXPECT_GE(row["warmup"].get<int>(), 1);
    EXPECT_LE(row["warmup"].get<int>(), 2);
    EXPECT_GT(row["prefill_tok_s"].get<double>(), 0);
    EXPECT_GT(row["output_tok_s"].get<double>(), 0);
    EXPECT_FALSE(row["ttft_ms"]["p99"].is_null());
    EXPECT_GE(row["peak_memory_bytes"].get<int64_t>(), 0);
    EXPECT_EQ(row["peak_memory_kind"], "cpu_peak_rss_delta");
    if (row["gen_tokens"] == 1) {
      // One generated token comes from the prefill: no decode steps to time.
      EXPECT_TRUE(row["decode_tok_s"].is_null());
      EXPECT_TRUE(row["tpot_ms"]["p50"].is_null());
    } else {
      EXPECT_GT(row["decode_tok_s"].get<double>(), 0);
      EXPECT_LE(row["tpot_ms"]["p50"].get<double>(), row["tpot_ms"]["p99"].get<double>());
    }
  }
  EXPECT_EQ(rows[2]["batch"], 2);
  EXPECT_EQ(rows[2]["batch_requested"], 2);
}

TEST(SpeedSweep, EveryFormatCarriesTheSameFields) {
  const nlohmann::json rows = run_sweep(small_sweep())["rows"];
  const std::vector<std::string> columns = flat_columns(rows);
  EXPECT_NE(std::find(columns.begin(), columns.end(), "ttft_ms.p90"), columns.end());
  EXPECT_NE(std::find(columns.begin(), columns.end(), "samples.decode_s"), columns.end());

  const auto csv = split(format_rows(rows, OutputFormat::kCsv), '\n');
  ASSERT_EQ(csv.size(), rows.size() + 1);
  EXPECT_EQ(split(csv[0], ','), columns);
  EXPECT_EQ(split(csv[1], ',').size(), columns.size());

  const auto md = split(format_rows(rows, OutputFormat::kMarkdown), '\n');
  ASSERT_EQ(md.size(), rows.size() + 2);
  std::string expected_header = "|";
  for (const auto& c : columns) expected_header += " " + c + " |";
  EXPECT_EQ(md[0], expected_header);

  const auto jsonl = split(format_rows(rows, OutputFormat::kJsonl), '\n');
  ASSERT_EQ(jsonl.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const nlohmann::json line = nlohmann::json::parse(jsonl[i]);
    EXPECT_EQ(line, rows[i]);
    EXPECT_EQ(split(csv[i + 1], ','), flat_cells(line, columns));
  }
  const nlohmann::json json = nlohmann::json::parse(format_rows(rows, OutputFormat::kJson));
  EXPECT_EQ(json["rows"], rows);
  EXPECT_EQ(json["fields"].get<std::vector<std::string>>(), row_fields());
  EXPECT_THROW(parse_output_format("sql"), std::invalid_argument);
}

// Sets an environment variable for one scope (the shared folder a speed run looks in for a tokenizer).
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (previous_) ::setenv(name_, previous_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

SweepOptions small_engram_sweep() {
  SweepOptions o = small_sweep();
  o.models = {"tiny-engram"};
  o.batches = {BatchSize::fixed(1)};
  o.gen_tokens = {2};
  o.repetitions = 1;
  return o;
}

TEST(SpeedSweep, RowsNameTheirCompressionTableInEveryFormat) {
  const auto empty_shared = std::filesystem::temp_directory_path() / ("engram_no_shared_" + std::to_string(::getpid()));
  std::filesystem::create_directories(empty_shared);
  nlohmann::json rows;
  {
    // No tokenizer anywhere: the stand-in table, sized to the paper's 23.43% (T6's caption).
    ScopedEnvironment no_shared("ENGRAM_SHARED", empty_shared.string());
    rows = run_sweep(small_engram_sweep())["rows"];
  }
  std::filesystem::remove_all(empty_shared);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["compression_table"], "synthetic-23.43%");
  for (const auto format : {OutputFormat::kJson, OutputFormat::kJsonl, OutputFormat::kCsv, OutputFormat::kMarkdown}) {
    const std::string text = format_rows(rows, format);
    EXPECT_NE(text.find("compression_table"), std::string::npos) << text;
    EXPECT_NE(text.find("synthetic-23.43%"), std::string::npos) << text;
  }
  EXPECT_TRUE(run_sweep(small_sweep())["rows"][0]["compression_table"].is_null());  // no Engram, no table

  const auto tokenizer = testing::shared_dir() / "tokenizers" / "deepseek-v3";
  ENGRAM_REQUIRE_SHARED(tokenizer / "tokenizer.json");
  SweepOptions with_tokenizer = small_engram_sweep();
  with_tokenizer.tokenizer_dir = tokenizer.string();
  EXPECT_EQ(run_sweep(with_tokenizer)["rows"][0]["compression_table"], "tokenizer:" + tokenizer.string());
}

TEST(SpeedSweep, BatchAutoUsesTheMemoryPlan) {
  SweepOptions o = small_sweep();
  o.batches = {BatchSize::automatic()};
  o.gen_tokens = {2};
  o.repetitions = 1;
  // Enough for the weights and a handful of 7-token sequences, whatever the machine has free.
  o.memory_budget_bytes = int64_t{300} << 20;
  const nlohmann::json section = run_sweep(o);
  ASSERT_EQ(section["memory_plans"].size(), 1u);
  const auto& plan = section["memory_plans"][0]["plan"];
  EXPECT_EQ(plan["max_sequence_length"], 7);
  EXPECT_EQ(plan["budget_source"], "--memory-budget");
  EXPECT_EQ(section["rows"][0]["batch"], plan["batch_size"]);
  EXPECT_EQ(section["rows"][0]["batch_requested"], "auto");
  o.memory_budget_bytes = 1000;
  EXPECT_THROW(run_sweep(o), std::invalid_argument);
}

TEST(SpeedNanoVllm, DrawsAreSeededAndInRange) {
  NanoVllmWorkload w;
  w.num_seqs = 200;
  w.min_tokens = 3;
  w.max_input = 9;
  w.max_output = 5;
  const auto a = draw_nano_vllm_sequences(w), b = draw_nano_vllm_sequences(w);
  ASSERT_EQ(a.size(), 200u);
  bool saw_min = false, saw_max = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].input_tokens, b[i].input_tokens);
    EXPECT_EQ(a[i].output_tokens, b[i].output_tokens);
    EXPECT_GE(a[i].input_tokens, 3);
    EXPECT_LE(a[i].input_tokens, 9);
    EXPECT_GE(a[i].output_tokens, 3);
    EXPECT_LE(a[i].output_tokens, 5);
    saw_min = saw_min || a[i].input_tokens == 3;
    saw_max = saw_max || a[i].input_tokens == 9;
  }
  EXPECT_TRUE(saw_min && saw_max);  // both ends are inclusive
  w.seed = 1;
  const auto c = draw_nano_vllm_sequences(w);
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) differs = differs || a[i].input_tokens != c[i].input_tokens;
  EXPECT_TRUE(differs);
}

TEST(SpeedNanoVllm, CountsOutputTokensOverWallTime) {
  for (const std::string model : {"tiny-moe", "tiny-engram"}) {
    if (model == "tiny-engram") ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "tokenizers" / "deepseek-v3");
    SweepOptions o = small_sweep();
    o.models = {model};
    o.workload = "nano-vllm";
    o.batches = {BatchSize::fixed(2)};
    o.nano_vllm.num_seqs = 3;
    o.nano_vllm.min_tokens = 2;
    o.nano_vllm.max_input = 6;
    o.nano_vllm.max_output = 4;
    const nlohmann::json rows = run_sweep(o)["rows"];
    // Continuous batching, then fixed batches, on the same sequences.
    ASSERT_EQ(rows.size(), 2u);
    const auto drawn = draw_nano_vllm_sequences(o.nano_vllm);
    int64_t inputs = 0, outputs = 0;
    for (const auto& s : drawn) {
      inputs += s.input_tokens;
      outputs += s.output_tokens;
    }
    for (const auto& row : rows) {
      const auto& params = row["workload_params"];
      EXPECT_EQ(params["input_tokens"], inputs) << model;
      EXPECT_EQ(params["output_tokens"], outputs) << model;
      EXPECT_EQ(params["num_seqs"], 3);
      EXPECT_NEAR(row["output_tok_s"].get<double>(), outputs / params["wall_seconds"].get<double>(), 1e-6);
      if (model == "tiny-engram") {
        EXPECT_EQ(row["engram_table"], "device");
      }
    }
    const auto& continuous = rows[0];
    EXPECT_EQ(continuous["workload"], "nano-vllm");
    EXPECT_EQ(continuous["workload_params"]["batches"], 3);  // every sequence prefilled once
    EXPECT_EQ(continuous["workload_params"]["preemptions"], 0);
    // Decode steps: at most 2 running, so at least the longest output less its first token and at
    // most every sequence's outputs after the first.
    int64_t longest = 0;
    for (const auto& s : drawn) longest = std::max(longest, s.output_tokens);
    EXPECT_GE(continuous["workload_params"]["decode_steps"].get<int64_t>(), longest - 1);
    EXPECT_LE(continuous["workload_params"]["decode_steps"].get<int64_t>(), outputs - 3);
    const auto& fixed = rows[1];
    EXPECT_EQ(fixed["workload"], "nano-vllm-fixed-batch");
    EXPECT_EQ(fixed["workload_params"]["batches"], 2);  // 3 sequences, at most 2 at a time
    EXPECT_EQ(fixed["samples"]["prefill_s"].size(), 2u);
  }
}

TEST(SpeedCli, WritesTheChosenFormatAndRejectsUnknownTiers) {
  const auto out = std::filesystem::temp_directory_path() / "engram_speed_cli_test.csv";
  std::filesystem::remove(out);
  const auto [rc, text] = testing::run_engram_bench(
      "speed --model tiny-dense --batch 1,2 --prompt-tokens 4 --gen-tokens 2 --repetitions 1 --warmup-max 1 "
      "--threads 1 --output-format csv --output " + out.string());
  ASSERT_EQ(rc, 0) << text;
  std::ifstream in(out);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("model,dtype,device,threads", 0), 0u) << header;
  int data_lines = 0;
  while (std::getline(in, line)) ++data_lines;
  EXPECT_EQ(data_lines, 2);
  EXPECT_NE(text.find("| model |"), std::string::npos) << text;  // the terminal gets the markdown table
  std::filesystem::remove(out);

  const auto [bad_rc, bad_text] = testing::run_engram_bench("speed --model tiny-dense --engram-table nvme");
  EXPECT_EQ(bad_rc, 1);
  EXPECT_NE(bad_text.find("--engram-table"), std::string::npos) << bad_text;
  const auto [list_rc, list_text] = testing::run_engram_bench("speed --model tiny-dense --batch 1,x");
  EXPECT_EQ(list_rc, 1);
  EXPECT_NE(list_text.find("--batch"), std::string::npos) << list_text;
}

TEST(SpeedCli, HostTierMeasuresTheModelWithItsTablesOffTheDeviceAgainstItsBackbone) {
  const auto out = std::filesystem::temp_directory_path() / "engram_speed_offload_test.json";
  std::filesystem::remove(out);
  const auto [rc, text] = testing::run_engram_bench(
      "speed --model tiny-dense,tiny-dense+engram=1M --batch 2 --prompt-tokens 8 --gen-tokens 3 --repetitions 1 "
      "--warmup-max 1 --threads 1 --engram-table host --engram-cache-rows 64 --output-format json --output " +
      out.string());
  ASSERT_EQ(rc, 0) << text;
  std::ifstream in(out);
  const nlohmann::json section = nlohmann::json::parse(in);
  ASSERT_TRUE(section.contains("offload")) << section.dump().substr(0, 500);
  ASSERT_EQ(section["rows"].size(), 2u);
  EXPECT_TRUE(section["rows"][0]["engram_table"].is_null());  // the backbone has no Engram
  EXPECT_EQ(section["rows"][1]["engram_table"], "host");
  EXPECT_EQ(section["rows"][1]["engram_cache_rows"], 64);
  const auto& runs = section["offload"]["runs"];
  ASSERT_EQ(runs.size(), 1u);
  const auto& run = runs[0];
  EXPECT_EQ(run["model"], "tiny-dense+engram=1M");
  EXPECT_EQ(run["tier"], "host");
  EXPECT_EQ(run["cache_rows"], 64);
  EXPECT_GE(run["table_parameters"].get<int64_t>(), 1000000);
  EXPECT_EQ(run["device_bytes_saved"], run["table_bytes"]);
  EXPECT_EQ(run["baseline_model"], "tiny-dense");
  EXPECT_DOUBLE_EQ(run["baseline_tok_s"].get<double>(), section["rows"][0]["output_tok_s"].get<double>());
  EXPECT_DOUBLE_EQ(run["tok_s"].get<double>(), section["rows"][1]["output_tok_s"].get<double>());
  EXPECT_TRUE(run["overhead_pct"].is_number());
  EXPECT_EQ(run["unprefetched_steps"], 0);  // every gather found its forward's prefetch
  EXPECT_GT(run["peak_rss_bytes"].get<int64_t>(), 0);
  ASSERT_GE(run["layers"].size(), 1u);
  for (const auto& layer : run["layers"]) {
    EXPECT_GT(layer["rows"].get<int64_t>(), 0);
    const double overlap = layer["overlap_fraction"].get<double>();
    EXPECT_GE(overlap, 0.0);
    EXPECT_LE(overlap, 1.0);
  }
  EXPECT_NE(text.find("| tiny-dense+engram=1M | host |"), std::string::npos) << text;
  std::filesystem::remove(out);
}

TEST(SpeedCli, DiskTierWritesItsTableFileOnceAndReusesIt) {
  const auto table = std::filesystem::temp_directory_path() / "engram_speed_disk_test.engram";
  std::filesystem::remove(table);
  const std::string command =
      "speed --model tiny-dense+engram=1M --batch 1 --prompt-tokens 6 --gen-tokens 2 --repetitions 1 --warmup-max 1 "
      "--threads 1 --engram-table disk --engram-table-file " + table.string() + " --output-format json";
  for (const bool reused : {false, true}) {
    const auto [rc, text] = testing::run_engram_bench(command, /*with_stderr=*/false);
    ASSERT_EQ(rc, 0) << text;
    const nlohmann::json section = nlohmann::json::parse(text);
    const auto& run = section["offload"]["runs"][0];
    EXPECT_EQ(run["tier"], "disk");
    EXPECT_EQ(run["table_file"], table.string());
    EXPECT_EQ(run["table_file_reused"], reused);
    EXPECT_TRUE(run["baseline_tok_s"].is_null());  // no backbone in this sweep
    EXPECT_TRUE(std::filesystem::exists(table));
  }
  std::filesystem::remove(table);
}

}  // namespace
}  // namespace engram::harness::speed
