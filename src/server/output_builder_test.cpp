// Tests for response/chunk shapes and the event → output conversion.
#include "server/output_builder.h"

#include <gtest/gtest.h>

#include "server/fake_engine.h"

namespace ingot::server {
namespace {

using nlohmann::json;

// Parses "data: {...}\n\n" events; "[DONE]" becomes the string "[DONE]".
std::vector<json> Events(const std::string& sse) {
  std::vector<json> out;
  size_t pos = 0;
  while (pos < sse.size()) {
    EXPECT_EQ(sse.compare(pos, 6, "data: "), 0);
    size_t end = sse.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos);
    std::string data = sse.substr(pos + 6, end - pos - 6);
    out.push_back(data == "[DONE]" ? json("[DONE]") : json::parse(data));
    pos = end + 2;
  }
  return out;
}

engine::TokenEvent Tok(const std::string& text) {
  engine::TokenEvent e;
  e.token = text.empty() ? 2 : 2 + static_cast<unsigned char>(text[0]);
  e.text = text;
  e.top = {{e.token, -0.1f}};
  return e;
}

engine::FinishEvent Fin(engine::FinishReason reason) {
  engine::FinishEvent f;
  f.reason = reason;
  f.prompt_tokens = 10;
  f.completion_tokens = 3;
  f.cached_tokens = 4;
  return f;
}

OutputOptions Opts(ApiKind kind) {
  OutputOptions o;
  o.kind = kind;
  o.meta = {"chatcmpl-1", 1700000000, "fake"};
  return o;
}

// The non-streaming body of a one-choice request.
json Complete(OutputBuilder& b, const OutputOptions& o, const engine::FinishEvent& f) {
  return CompletionBody(o, json::array({b.CompleteChoice(f)}), MergeUsage({f}));
}

TEST(OutputBuilder, ChatNonStreamingWithReasoning) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kChat);
  o.reasoning = {"<think>", "</think>", false};
  OutputBuilder b(o, &codec);
  for (const char* t : {"<thi", "nk>ponder", "</think>\n", "Answer"}) b.AddToken(Tok(t));
  json r = Complete(b, o, Fin(engine::FinishReason::kLength));
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["id"], "chatcmpl-1");
  EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(r["choices"][0]["message"]["content"], "Answer");
  EXPECT_EQ(r["choices"][0]["message"]["reasoning_content"], "ponder");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(r["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(r["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(r["usage"]["total_tokens"], 13);
  EXPECT_EQ(r["usage"]["prompt_tokens_details"]["cached_tokens"], 4);
}

TEST(OutputBuilder, ChatStreamingShape) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kChat);
  o.include_usage = true;
  OutputBuilder b(o, &codec);
  std::string sse = b.StreamStart();
  sse += b.StreamToken(Tok("He"));
  sse += b.StreamToken(Tok(""));
  sse += b.StreamToken(Tok("y"));
  engine::FinishEvent fin = Fin(engine::FinishReason::kStop);
  fin.text = "!";
  sse += b.StreamFinish(fin);
  sse += StreamEnd(o, MergeUsage({fin}));
  std::vector<json> ev = Events(sse);
  ASSERT_EQ(ev.size(), 7u);
  EXPECT_EQ(ev[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(ev[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(ev[1]["choices"][0]["delta"]["content"], "He");
  EXPECT_TRUE(ev[1]["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(ev[2]["choices"][0]["delta"]["content"], "y");
  EXPECT_EQ(ev[3]["choices"][0]["delta"]["content"], "!");
  EXPECT_EQ(ev[4]["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(ev[4]["choices"][0]["delta"].empty());
  EXPECT_TRUE(ev[5]["choices"].empty());
  EXPECT_EQ(ev[5]["usage"]["completion_tokens"], 3);
  EXPECT_EQ(ev[6], "[DONE]");
}

TEST(OutputBuilder, StreamingReasoningDeltas) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kChat);
  o.reasoning = {"<think>", "</think>", true};
  OutputBuilder b(o, &codec);
  std::string sse = b.StreamToken(Tok("x</th"));
  sse += b.StreamToken(Tok("ink>y"));
  std::vector<json> ev = Events(sse);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["choices"][0]["delta"]["reasoning_content"], "x");
  EXPECT_EQ(ev[1]["choices"][0]["delta"]["content"], "y");
}

TEST(OutputBuilder, CompletionWithLogprobs) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kCompletion);
  o.logprobs = true;
  OutputBuilder b(o, &codec);
  b.AddToken(Tok("a"));
  b.AddToken(Tok("b"));
  json r = Complete(b, o, Fin(engine::FinishReason::kStop));
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_EQ(r["choices"][0]["text"], "ab");
  EXPECT_EQ(r["choices"][0]["logprobs"]["tokens"], json({"a", "b"}));
  EXPECT_EQ(r["choices"][0]["logprobs"]["text_offset"], json({0, 1}));
  std::vector<json> ev = Events(b.StreamFinish(Fin(engine::FinishReason::kLength)));
  EXPECT_EQ(ev[0]["choices"][0]["finish_reason"], "length");
}

TEST(OutputBuilder, ChatLogprobsShape) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kChat);
  o.logprobs = true;
  OutputBuilder b(o, &codec);
  b.AddToken(Tok("a"));
  json lp = Complete(b, o, Fin(engine::FinishReason::kStop))["choices"][0]["logprobs"];
  EXPECT_EQ(lp["content"][0]["token"], "a");
  EXPECT_EQ(lp["content"][0]["bytes"], json({97}));
  EXPECT_EQ(lp["content"][0]["top_logprobs"][0]["token"], "a");
}

TEST(OutputBuilder, SeveralChoicesShareMetaAndMergeUsage) {
  FakeCodec codec;
  OutputOptions o = Opts(ApiKind::kChat);
  o.include_usage = true;
  std::vector<OutputBuilder> builders;
  for (int i = 0; i < 2; ++i) {
    OutputOptions c = o;
    c.index = i;
    builders.emplace_back(c, &codec);
  }
  std::string sse = builders[0].StreamStart() + builders[1].StreamStart();
  sse += builders[1].StreamToken(Tok("b"));
  sse += builders[0].StreamToken(Tok("a"));
  engine::FinishEvent f0 = Fin(engine::FinishReason::kStop), f1 = Fin(engine::FinishReason::kLength);
  f1.completion_tokens = 5;
  sse += builders[1].StreamFinish(f1) + builders[0].StreamFinish(f0) + StreamEnd(o, MergeUsage({f0, f1}));
  std::vector<json> ev = Events(sse);
  ASSERT_EQ(ev.size(), 8u);
  EXPECT_EQ(ev[0]["choices"][0]["index"], 0);
  EXPECT_EQ(ev[1]["choices"][0]["index"], 1);
  EXPECT_EQ(ev[2]["choices"][0]["index"], 1);
  EXPECT_EQ(ev[2]["choices"][0]["delta"]["content"], "b");
  EXPECT_EQ(ev[3]["choices"][0]["index"], 0);
  EXPECT_EQ(ev[4]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(ev[5]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(ev[6]["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(ev[6]["usage"]["completion_tokens"], 8);
  EXPECT_EQ(ev[7], "[DONE]");
  for (const json& e : ev) {
    if (e.is_object()) {
      EXPECT_EQ(e["id"], "chatcmpl-1");
    }
  }

  json body = CompletionBody(o, json::array({builders[0].CompleteChoice(f0), builders[1].CompleteChoice(f1)}),
                             MergeUsage({f0, f1}));
  ASSERT_EQ(body["choices"].size(), 2u);
  EXPECT_EQ(body["choices"][1]["index"], 1);
  EXPECT_EQ(body["usage"]["total_tokens"], 18);
}

TEST(Responses, InvalidUtf8IsReplacedNotThrown) {
  std::string sse = SseEvent({{"text", std::string("\xff\xfe")}});
  EXPECT_EQ(sse.rfind("data: ", 0), 0u);
}

TEST(Responses, Base64Floats) {
  EXPECT_EQ(Base64Floats({}), "");
  EXPECT_EQ(Base64Floats({1.0f}), "AACAPw==");        // 00 00 80 3f
  EXPECT_EQ(Base64Floats({1.0f, -2.0f}), "AACAPwAAAMA=");  // ... 00 00 00 c0
}

TEST(Responses, ModelsList) {
  json j = ModelsJson({"stories", 1, nullptr});
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "stories");
  EXPECT_EQ(j["data"][0]["object"], "model");
}

}  // namespace
}  // namespace ingot::server
