// The report's context section: machine facts collected here, facts passed in by the caller, the
// build's git state, and the parsers behind them.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "harness/report/build_info.h"
#include "harness/report/report_checks.h"
#include "harness/report/report_context.h"

namespace engram::report {
namespace {

using nlohmann::json;

TEST(ReportContext, CollectsMachineAndBuildFacts) {
  const auto before = std::chrono::system_clock::now();
  ContextInputs inputs;
  inputs.command_line = {"engram-bench", "run"};
  inputs.threads = 2;
  const ReportContext context = collect_report_context(inputs);
  EXPECT_TRUE(std::regex_match(context.created, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"))) << context.created;
  EXPECT_GE(context.created, utc_timestamp(before));  // ISO 8601 in UTC sorts as text
  EXPECT_FALSE(context.host.empty());
  EXPECT_EQ(context.os.rfind("Linux ", 0), 0u) << context.os;
  EXPECT_FALSE(context.cpu_model.empty());
  EXPECT_GE(context.logical_cores, 1);
  EXPECT_LE(context.logical_cores, context.online_cores);

  const json section = context.to_json();
  for (const char* field : {"host", "os", "cpu", "gpus", "libtorch", "cuda", "engram_bench", "command_line", "threads",
                            "seeds"}) {
    EXPECT_TRUE(section.contains(field)) << field;
  }
  EXPECT_EQ(section["cpu"]["logical_cores"], context.logical_cores);
  EXPECT_EQ(section["command_line"], (json{"engram-bench", "run"}));
  EXPECT_EQ(section["threads"], 2);
  EXPECT_EQ(section["gpus"], json::array());
  EXPECT_TRUE(section["libtorch"].is_null());
  EXPECT_TRUE(section["cuda"].is_null());
  EXPECT_EQ(section["seeds"], json::object());
}

TEST(ReportContext, BuildInfoMatchesTheSourceTree) {
  const BuildInfo& info = build_info();
  EXPECT_FALSE(info.version.empty());
  EXPECT_FALSE(info.build_type.empty());
  if (std::filesystem::exists(testing::source_dir() / ".git")) {
    ASSERT_TRUE(info.git_commit.has_value());
    EXPECT_TRUE(std::regex_match(*info.git_commit, std::regex("[0-9a-f]{40}"))) << *info.git_commit;
    EXPECT_TRUE(info.git_dirty.has_value());
  } else {
    EXPECT_FALSE(info.git_commit.has_value());
    EXPECT_FALSE(info.git_dirty.has_value());
  }
  const json section = collect_report_context({}).to_json()["engram_bench"];
  EXPECT_EQ(section["version"], info.version);
  EXPECT_EQ(section["build_type"], info.build_type);
  EXPECT_EQ(section["git_commit"].is_null(), !info.git_commit.has_value());
}

TEST(ReportContext, CallerSuppliedFactsAreReportedAsGiven) {
  ContextInputs inputs;
  inputs.gpus = {GpuInfo{"NVIDIA H200", 150000000000ull, "565.57.01", "9.0"}, GpuInfo{"Other", std::nullopt, std::nullopt, std::nullopt}};
  inputs.libtorch_version = "2.5.1";
  inputs.cuda_version = "12.4";
  inputs.command_line = {"engram-bench", "eval", "--model", "tiny-engram"};
  inputs.threads = 16;
  inputs.seeds = {{"weights", 3}, {"sampling", 1234}};
  const json section = collect_report_context(inputs).to_json();
  EXPECT_EQ(section["gpus"][0], (json{{"index", 0},
                                      {"name", "NVIDIA H200"},
                                      {"memory_bytes", 150000000000ull},
                                      {"driver", "565.57.01"},
                                      {"compute_capability", "9.0"}}));
  EXPECT_TRUE(section["gpus"][1]["memory_bytes"].is_null());
  EXPECT_TRUE(section["gpus"][1]["driver"].is_null());
  EXPECT_EQ(section["libtorch"], "2.5.1");
  EXPECT_EQ(section["cuda"], "12.4");
  EXPECT_EQ(section["threads"], 16);
  EXPECT_EQ(section["seeds"], (json{{"sampling", 1234}, {"weights", 3}}));

  // And it is what the schema wants in a report.
  json report = testing::read_json(testing::source_dir() / "tests" / "report" / "report_fixtures" / "baseline.json");
  report["context"] = section;
  for (const SchemaViolation& v : validate_report(report)) ADD_FAILURE() << v.to_string();
}

TEST(ReportContext, UtcTimestamps) {
  EXPECT_EQ(utc_timestamp(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_timestamp(std::chrono::system_clock::from_time_t(1796031005)), "2026-11-30T09:30:05Z");
}

TEST(ReportContext, CpuModelFromCpuinfo) {
  EXPECT_EQ(cpu_model_from_cpuinfo("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core "
                                   "Processor\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13 64-Core "
                                   "Processor\n"),
            "AMD EPYC 7B13 64-Core Processor");
  EXPECT_EQ(cpu_model_from_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd4f\n\nHardware\t: Grace\n"),
            "Grace");
  EXPECT_EQ(cpu_model_from_cpuinfo("processor\t: 0\nCPU part\t: 0xd4f\n"), "0xd4f");
  EXPECT_EQ(cpu_model_from_cpuinfo("model name\t:   \nflags: x"), "");
  EXPECT_EQ(cpu_model_from_cpuinfo(""), "");
}

TEST(ReportContext, Bf16FeaturesFromCpuinfo) {
  EXPECT_EQ(bf16_features_from_cpuinfo("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
                                       "\nprocessor\t: 1\nflags\t\t: fpu\n"),
            (std::vector<std::string>{"avx512_bf16", "amx_bf16", "amx_tile"}));
  EXPECT_EQ(bf16_features_from_cpuinfo("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n"), std::vector<std::string>{});
  EXPECT_EQ(bf16_features_from_cpuinfo("processor\t: 0\nFeatures\t: fp asimd bf16\n"), std::vector<std::string>{});
}

TEST(ReportContext, CommandLineFromArgv) {
  const char* argv[] = {"engram-bench", "eval", "--tasks", "bbh,mmlu"};
  EXPECT_EQ(command_line_from(4, argv), (std::vector<std::string>{"engram-bench", "eval", "--tasks", "bbh,mmlu"}));
}

}  // namespace
}  // namespace engram::report
