// Tests for recording one streamed response (synthetic bytes and times) and aggregating a level.
#include "bench/record.h"

#include <gtest/gtest.h>

namespace ingot::bench {
namespace {

constexpr const char* kRole = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
constexpr const char* kToken = "data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n";
constexpr const char* kUsage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":7}}\n\n";
constexpr const char* kDone = "data: [DONE]\n\n";

TEST(StreamRecorderTest, TimesFromFirstContentAndTokensFromUsage) {
  StreamRecorder r;
  r.OnResponse(200);
  r.OnBytes(kRole, 0.05);
  r.OnBytes(kToken, 0.20);
  r.OnBytes(std::string(kToken) + kToken, 0.25);  // two events in one read share a timestamp
  r.OnBytes(kToken, 0.35);
  r.OnBytes(std::string(kUsage) + kDone, 0.36);
  RequestRecord rec = r.Finish(0.40);
  ASSERT_TRUE(rec.ok()) << rec.error_message;
  EXPECT_DOUBLE_EQ(rec.ttft_s, 0.20);
  EXPECT_DOUBLE_EQ(rec.e2e_s, 0.40);
  ASSERT_EQ(rec.itl_s.size(), 3u);
  EXPECT_NEAR(rec.itl_s[0], 0.05, 1e-12);
  EXPECT_NEAR(rec.itl_s[1], 0.0, 1e-12);
  EXPECT_NEAR(rec.itl_s[2], 0.10, 1e-12);
  EXPECT_TRUE(rec.tokens_from_usage);
  EXPECT_EQ(rec.output_tokens, 7);
  EXPECT_EQ(rec.prompt_tokens, 9);
}

TEST(StreamRecorderTest, CountsContentChunksWithoutUsage) {
  StreamRecorder r;
  r.OnResponse(200);
  const std::string body = std::string(kRole) + kToken + kToken + kToken + kDone;
  for (size_t i = 0; i < body.size(); ++i) r.OnBytes(body.substr(i, 1), double(i));
  RequestRecord rec = r.Finish(1000);
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec.tokens_from_usage);
  EXPECT_EQ(rec.output_tokens, 3);
  EXPECT_EQ(rec.itl_s.size(), 2u);
}

TEST(StreamRecorderTest, StreamProblemsAreErrors) {
  {
    StreamRecorder r;
    r.OnResponse(200);
    r.OnBytes(kToken, 0.1);
    RequestRecord rec = r.Finish(0.2);
    EXPECT_EQ(rec.error_key, "stream");
    EXPECT_NE(rec.error_message.find("[DONE]"), std::string::npos);
  }
  {
    StreamRecorder r;
    r.OnResponse(200);
    r.OnBytes("data: {\"error\":{\"message\":\"engine died\"}}\n\n", 0.1);
    r.OnBytes(kDone, 0.2);
    RequestRecord rec = r.Finish(0.2);
    EXPECT_EQ(rec.error_key, "stream");
    EXPECT_EQ(rec.error_message, "engine died");
  }
  {
    StreamRecorder r;
    r.OnResponse(200);
    r.OnBytes("data: {oops\n\n", 0.1);
    EXPECT_EQ(r.Finish(0.2).error_key, "stream");
  }
}

TEST(StreamRecorderTest, HttpErrorKeepsStatusAndMessage) {
  StreamRecorder r;
  r.OnResponse(429);
  r.OnBytes(R"({"error":{"message":"queue is full","type":"rate_limit"}})", 0.01);
  RequestRecord rec = r.Finish(0.02);
  EXPECT_EQ(rec.http_status, 429);
  EXPECT_EQ(rec.error_key, "429");
  EXPECT_EQ(rec.error_message, "queue is full");
}

TEST(StreamRecorderTest, TransportError) {
  StreamRecorder r;
  RequestRecord rec = r.FinishTransportError("Connection", 0.5);
  EXPECT_EQ(rec.error_key, "transport");
  EXPECT_EQ(rec.http_status, 0);
  EXPECT_DOUBLE_EQ(rec.e2e_s, 0.5);
}

TEST(ErrorMessageTest, KnownShapesAndRawText) {
  EXPECT_EQ(ErrorMessageFromBody(R"({"error":{"message":"bad key"}})"), "bad key");
  EXPECT_EQ(ErrorMessageFromBody(R"({"error":"nope"})"), "nope");
  EXPECT_EQ(ErrorMessageFromBody(R"({"detail":"Not Found"})"), "Not Found");
  EXPECT_EQ(ErrorMessageFromBody("Service Unavailable\n"), "Service Unavailable");
  EXPECT_EQ(ErrorMessageFromBody(""), "empty body");
  EXPECT_EQ(ErrorMessageFromBody(std::string(1000, 'x')).size(), 300u);
}

RequestRecord Ok(double ttft, double e2e, int64_t tokens, bool usage) {
  RequestRecord r;
  r.http_status = 200;
  r.ttft_s = ttft;
  r.e2e_s = e2e;
  r.output_tokens = tokens;
  r.tokens_from_usage = usage;
  r.prompt_tokens = 10;
  for (int64_t i = 1; i < tokens; ++i) r.itl_s.push_back((e2e - ttft) / double(tokens - 1));
  return r;
}

RequestRecord Err(const std::string& key, const std::string& message) {
  RequestRecord r;
  r.error_key = key;
  r.error_message = message;
  return r;
}

TEST(AggregateLevelTest, CountsRatesAndErrors) {
  std::vector<RequestRecord> records = {Ok(0.1, 1.1, 11, true), Ok(0.3, 2.3, 11, true), Err("429", "full"),
                                        Err("429", "later"), Err("transport", "Connection")};
  LevelReport l = AggregateLevel(4, records, 2.0);
  EXPECT_EQ(l.concurrency, 4);
  EXPECT_EQ(l.requests, 5);
  EXPECT_EQ(l.ok, 2);
  EXPECT_EQ(l.errors.at("429"), 2);
  EXPECT_EQ(l.errors.at("transport"), 1);
  EXPECT_EQ(l.error_examples.at("429"), "full");
  EXPECT_EQ(l.output_tokens, 22);
  EXPECT_EQ(l.prompt_tokens, 20);
  EXPECT_EQ(l.token_source, "usage");
  EXPECT_DOUBLE_EQ(l.tokens_per_s, 11);
  EXPECT_DOUBLE_EQ(l.requests_per_s, 1);
  EXPECT_EQ(l.ttft_s.count, 2u);
  EXPECT_DOUBLE_EQ(l.ttft_s.p50, 0.2);
  EXPECT_EQ(l.itl_s.count, 20u);
  EXPECT_EQ(l.tpot_s.count, 2u);
  EXPECT_DOUBLE_EQ(l.tpot_s.p50, 0.15);
  EXPECT_DOUBLE_EQ(l.e2e_s.max, 2.3);
}

TEST(AggregateLevelTest, TokenSources) {
  EXPECT_EQ(AggregateLevel(1, {Ok(0.1, 1, 3, false)}, 1).token_source, "chunks");
  EXPECT_EQ(AggregateLevel(1, {Ok(0.1, 1, 3, false), Ok(0.1, 1, 3, true)}, 1).token_source, "mixed");
  LevelReport none = AggregateLevel(1, {Err("500", "x")}, 0);
  EXPECT_EQ(none.token_source, "none");
  EXPECT_EQ(none.tokens_per_s, 0);
  EXPECT_EQ(none.ttft_s.count, 0u);
}

}  // namespace
}  // namespace ingot::bench
