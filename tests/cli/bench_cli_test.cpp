// `embed bench`: its JSON report is self-consistent and echoes the shape it ran; bad options give
// a one-line error and a non-zero exit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli_runner.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

std::vector<std::string> bench_args(std::vector<std::string> extra) {
  std::vector<std::string> args{"bench", "--model", test::fixture_model_dir("tiny-minilm").string(),
                                "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(BenchCli, JsonReportIsConsistent) {
  EMBED_REQUIRE_FIXTURES();
  const auto result = test::run_cli(
      bench_args({"--batch", "3", "--length", "8", "--runs", "4", "--batch-tokens", "16"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["batch"], 3);
  EXPECT_EQ(report["length"], 8);
  EXPECT_EQ(report["runs"], 4);
  EXPECT_EQ(report["batch_tokens"], 16);
  const double median = report["median_ms"], p90 = report["p90_ms"];
  EXPECT_GT(median, 0.0);
  EXPECT_GE(p90, median);
  EXPECT_NEAR(report["tokens_per_s"].get<double>(), 3 * 8 * 1000.0 / median,
              1e-6 * report["tokens_per_s"].get<double>());
  EXPECT_GT(report["peak_rss_mb"].get<double>(), 1.0);
}

TEST(BenchCli, TokenBudgetIsRaisedToTheLength) {
  EMBED_REQUIRE_FIXTURES();
  const auto result = test::run_cli(
      bench_args({"--batch", "2", "--length", "12", "--runs", "1", "--batch-tokens", "5"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["batch_tokens"], 12);
}

// The outputs to time, as `encode` takes them: BGE-M3's heads run, and are echoed in the report.
TEST(BenchCli, TimesTheOutputsAskedFor) {
  EMBED_REQUIRE_FIXTURES();
  const std::string m3 = test::fixture_model_dir("tiny-bge-m3").string();
  const auto all = test::run_cli({"bench", "--model", m3, "--json", "--length", "12", "--runs", "2",
                                  "--output", "dense,sparse,colbert"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(nlohmann::json::parse(all.out)["outputs"], "dense,sparse,colbert");
  const auto by_default = test::run_cli(bench_args({"--runs", "1"}));
  ASSERT_EQ(by_default.exit_code, 0) << by_default.err;
  EXPECT_EQ(nlohmann::json::parse(by_default.out)["outputs"], "dense");
  const auto no_head = test::run_cli(bench_args({"--output", "sparse"}));
  EXPECT_EQ(no_head.exit_code, 1);
  EXPECT_NE(no_head.err.find("--output sparse: "), std::string::npos) << no_head.err;
  const auto unknown = test::run_cli(bench_args({"--output", "dense,pooled"}));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown output 'pooled'"), std::string::npos) << unknown.err;
  const auto none = test::run_cli(bench_args({"--output", ""}));
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("--output: no output named"), std::string::npos) << none.err;
}

TEST(BenchCli, RejectsBadOptions) {
  EMBED_REQUIRE_FIXTURES();
  const auto too_long = test::run_cli(bench_args({"--length", "100000"}));
  EXPECT_NE(too_long.exit_code, 0);
  EXPECT_NE(too_long.err.find("--length 100000 exceeds the model's maximum"), std::string::npos)
      << too_long.err;
  const auto zero_budget = test::run_cli(bench_args({"--batch-tokens", "0"}));
  EXPECT_EQ(zero_budget.exit_code, 2);
  EXPECT_NE(zero_budget.err.find("--batch-tokens: expected a whole number of at least 1, got '0'"),
            std::string::npos)
      << zero_budget.err;
  const auto fraction = test::run_cli(bench_args({"--runs", "1.5"}));
  EXPECT_EQ(fraction.exit_code, 2);
  EXPECT_NE(fraction.err.find("--runs: expected a whole number of at least 1, got '1.5'"),
            std::string::npos)
      << fraction.err;
}

}  // namespace
}  // namespace embed
