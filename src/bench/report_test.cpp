// Tests for the table and JSON renderings of a serve benchmark.
#include "bench/report.h"

#include <gtest/gtest.h>

namespace ingot::bench {
namespace {

ServeBenchReport Sample() {
  ServeBenchReport r;
  r.url = "http://127.0.0.1:8080";
  r.model = "tiny";
  r.max_tokens = 64;
  r.temperature = 0.0;
  r.seed = 3;
  r.prompt_source = "built-in";
  r.prompt_count = 300;
  LevelReport a;
  a.concurrency = 1;
  a.requests = 16;
  a.ok = 16;
  a.tokens_per_s = 123.456;
  a.requests_per_s = 1.5;
  a.token_source = "usage";
  a.ttft_s = Summarize({0.012, 0.046});
  a.itl_s = Summarize({0.008, 0.009});
  a.e2e_s = Summarize({0.5, 0.7});
  LevelReport b;
  b.concurrency = 16;
  b.requests = 20;
  b.ok = 0;
  b.token_source = "none";
  b.errors = {{"429", 18}, {"transport", 2}};
  b.error_examples = {{"429", "queue is full"}, {"transport", "Connection"}};
  r.levels = {a, b};
  return r;
}

TEST(ReportTest, TableHasHeaderRowsAndErrorLines) {
  const std::string table = FormatTable(Sample());
  EXPECT_NE(table.find("url http://127.0.0.1:8080  model tiny  max_tokens 64  temperature 0.00  prompts 300 "
                       "(built-in, seed 3)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| conc | reqs | ok | tok/s | req/s | TTFT p50 |"), std::string::npos) << table;
  EXPECT_NE(table.find("|    1 |   16 | 16 | 123.5 |  1.50 |     29.0 |"), std::string::npos) << table;
  EXPECT_NE(table.find("|   16 |   20 |  0 |   0.0 |  0.00 |        - |"), std::string::npos) << table;
  EXPECT_NE(table.find("429:18 transport:2 |"), std::string::npos) << table;
  EXPECT_NE(table.find("concurrency 16: 18 x 429: queue is full\n"), std::string::npos) << table;
  EXPECT_NE(table.find("counted from usage ("), std::string::npos) << table;
}

TEST(ReportTest, JsonUsesMillisecondsAndNullsForMissingSamples) {
  const nlohmann::json j = ReportJson(Sample());
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["temperature"], 0.0);
  ASSERT_EQ(j["levels"].size(), 2u);
  const nlohmann::json& a = j["levels"][0];
  EXPECT_EQ(a["concurrency"], 1);
  EXPECT_NEAR(a["ttft_ms"]["p50"].get<double>(), 29.0, 1e-9);
  EXPECT_EQ(a["ttft_ms"]["count"], 2);
  EXPECT_DOUBLE_EQ(a["output_tokens_per_s"].get<double>(), 123.456);
  EXPECT_DOUBLE_EQ(a["e2e_ms"]["p99"].get<double>(), 698.0);
  const nlohmann::json& b = j["levels"][1];
  EXPECT_TRUE(b["ttft_ms"]["p99"].is_null());
  EXPECT_EQ(b["errors"]["429"]["count"], 18);
  EXPECT_EQ(b["errors"]["429"]["example"], "queue is full");
  ServeBenchReport unset = Sample();
  unset.model.clear();
  unset.temperature.reset();
  EXPECT_TRUE(ReportJson(unset)["model"].is_null());
  EXPECT_TRUE(ReportJson(unset)["temperature"].is_null());
}

}  // namespace
}  // namespace ingot::bench
