// Tests for the Prometheus rendering of server metrics.
#include "server/metrics.h"

#include <gtest/gtest.h>

namespace ingot::server {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistograms) {
  ServerMetrics m;
  m.RecordResponse(200);
  m.RecordResponse(200);
  m.RecordResponse(413);
  m.RecordFinish("length");
  m.ObserveTimeToFirstToken(0.02);
  m.ObserveTimeToFirstToken(3.0);
  engine::EngineStats s;
  s.kv_blocks_total = 64;
  s.kv_blocks_used = 16;
  s.requests_waiting = 2;
  s.generated_tokens_total = 100;
  s.decode_seconds_total_us = 2'000'000;
  std::string text = m.Render(s, "my \"model\"");
  EXPECT_NE(text.find("ingot_requests_total{status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_requests_total{status=\"413\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_requests_finished_total{reason=\"length\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_kv_blocks_used 16\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_kv_blocks_total 64\n"), std::string::npos);
  EXPECT_NE(text.find("llamacpp:requests_deferred 2\n"), std::string::npos);
  EXPECT_NE(text.find("llamacpp:predicted_tokens_seconds 50\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE ingot_time_to_first_token_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("ingot_time_to_first_token_seconds_bucket{le=\"0.025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_time_to_first_token_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ingot_time_to_first_token_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name=\"my \\\"model\\\"\"} 0.25\n"),
            std::string::npos);
  EXPECT_NE(text.find("vllm:time_to_first_token_seconds_bucket{model_name=\"my \\\"model\\\"\",le=\"0.025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vllm:time_to_first_token_seconds_count{model_name=\"my \\\"model\\\"\"} 2\n"),
            std::string::npos);
}

TEST(Metrics, LoadingHasNoEngineSeries) {
  ServerMetrics m;
  std::string text = m.Render(std::nullopt, "");
  EXPECT_EQ(text.find("llamacpp:"), std::string::npos);
  EXPECT_NE(text.find("ingot_e2e_request_latency_seconds_count 0"), std::string::npos);
}

}  // namespace
}  // namespace ingot::server
