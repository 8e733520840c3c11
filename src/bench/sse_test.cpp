// Tests for the event-stream parser (every split of the input) and for reading OpenAI-style stream chunks.
#include "bench/sse.h"

#include <gtest/gtest.h>

namespace ingot::bench {
namespace {

std::vector<std::string> ParseInPieces(std::string_view text, size_t piece) {
  SseParser parser;
  std::vector<std::string> events;
  for (size_t i = 0; i < text.size(); i += piece) {
    EXPECT_TRUE(parser.Feed(text.substr(i, piece), &events).ok());
  }
  parser.Finish(&events);
  return events;
}

TEST(SseParserTest, SameEventsForEverySplit) {
  const std::string text =
      ": keep-alive comment\r\n"
      "data: {\"a\":1}\r\n\r\n"
      "event: message\nid: 7\ndata:no-space\n\n"
      "data: first\ndata: second\n\n"
      "data: cr\r\r"
      "retry: 100\n\n"
      "data\n\n"
      "data: [DONE]\n\n";
  const std::vector<std::string> want = {"{\"a\":1}", "no-space", "first\nsecond", "cr", "", "[DONE]"};
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    EXPECT_EQ(ParseInPieces(text, piece), want) << "piece size " << piece;
  }
}

TEST(SseParserTest, CrLfSplitAcrossFeedsIsOneLineEnd) {
  SseParser parser;
  std::vector<std::string> events;
  ASSERT_TRUE(parser.Feed("data: x\r", &events).ok());
  ASSERT_TRUE(parser.Feed("\n", &events).ok());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(parser.Feed("\r\n", &events).ok());
  EXPECT_EQ(events, std::vector<std::string>{"x"});
}

TEST(SseParserTest, FinishDeliversAnEventWithoutBlankLine) {
  EXPECT_EQ(ParseInPieces("data: a\n\ndata: tail", 3), (std::vector<std::string>{"a", "tail"}));
  EXPECT_TRUE(ParseInPieces(": only a comment", 4).empty());
}

TEST(SseParserTest, OverlongEventIsAnError) {
  SseParser parser(16);
  std::vector<std::string> events;
  EXPECT_TRUE(parser.Feed("data: 0123456\n", &events).ok());
  EXPECT_FALSE(parser.Feed("data: 0123456789\n", &events).ok());
}

TEST(StreamChunkTest, DoneSentinel) {
  Result<StreamChunk> c = ParseStreamChunk("[DONE]");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->done);
}

TEST(StreamChunkTest, RoleOnlyDeltaCarriesNoContent) {
  Result<StreamChunk> c = ParseStreamChunk(
      R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->content_pieces, 0);
  EXPECT_FALSE(c->completion_tokens);
}

TEST(StreamChunkTest, ContentReasoningAndText) {
  EXPECT_EQ(ParseStreamChunk(R"({"choices":[{"delta":{"content":"Hi"}}]})")->content_pieces, 1);
  EXPECT_EQ(ParseStreamChunk(R"({"choices":[{"delta":{"reasoning_content":"hmm"}}]})")->content_pieces, 1);
  EXPECT_EQ(ParseStreamChunk(R"({"choices":[{"text":"x"},{"text":"y"}]})")->content_pieces, 2);
  EXPECT_EQ(ParseStreamChunk(R"({"choices":[{"delta":{"content":null}}]})")->content_pieces, 0);
  EXPECT_EQ(ParseStreamChunk(R"({"choices":[7, {"delta":[]}]})")->content_pieces, 0);
}

TEST(StreamChunkTest, UsageChunk) {
  Result<StreamChunk> c =
      ParseStreamChunk(R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->completion_tokens, 34);
  EXPECT_EQ(c->prompt_tokens, 12);
  EXPECT_FALSE(ParseStreamChunk(R"({"choices":[],"usage":null})")->completion_tokens);
}

TEST(StreamChunkTest, ErrorPayloads) {
  EXPECT_EQ(ParseStreamChunk(R"({"error":{"message":"boom","type":"server_error"}})")->error, "boom");
  EXPECT_EQ(ParseStreamChunk(R"({"error":"plain"})")->error, "plain");
  EXPECT_TRUE(ParseStreamChunk(R"({"error":null,"choices":[]})")->error.empty());
}

TEST(StreamChunkTest, RejectsNonObjects) {
  EXPECT_FALSE(ParseStreamChunk("not json").ok());
  EXPECT_FALSE(ParseStreamChunk("[1,2]").ok());
  EXPECT_FALSE(ParseStreamChunk("").ok());
}

}  // namespace
}  // namespace ingot::bench
