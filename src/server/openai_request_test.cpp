// Tests for request parsing/validation and chat prompt rendering (no sockets, no engine).
#include "server/openai_request.h"

#include <gtest/gtest.h>

#include "server/chat_prompt.h"
#include "server/fake_engine.h"

namespace ingot::server {
namespace {

using json = nlohmann::ordered_json;

json Chat(json extra = json::object()) {
  json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}};
  body.update(extra);
  return body;
}

std::optional<ApiError> ParseChat(const json& body, ChatRequest* out = nullptr) {
  ChatRequest local;
  return ParseChatRequest(body, out ? out : &local);
}

TEST(ParseChat, AcceptsFullRequest) {
  ChatRequest r;
  auto err = ParseChat(Chat({{"max_tokens", 12},
                             {"temperature", 0},
                             {"top_p", 0.5},
                             {"top_k", 7},
                             {"min_p", 0.1},
                             {"seed", 42},
                             {"stop", "\n"},
                             {"presence_penalty", 0.5},
                             {"frequency_penalty", -0.5},
                             {"repeat_penalty", 1.1},
                             {"logit_bias", {{"15", -100}}},
                             {"logprobs", true},
                             {"top_logprobs", 3},
                             {"n", 3},
                             {"stream", true},
                             {"stream_options", {{"include_usage", true}}},
                             {"user", "u1"}}),
                       &r);
  ASSERT_FALSE(err) << err->message;
  EXPECT_EQ(r.gen.model, "m");
  EXPECT_EQ(r.gen.max_tokens, 12);
  EXPECT_EQ(r.gen.sampling.temperature, 0.0f);
  EXPECT_EQ(r.gen.sampling.top_k, 7);
  EXPECT_EQ(r.gen.sampling.seed, 42u);
  EXPECT_EQ(r.gen.stop, std::vector<std::string>{"\n"});
  ASSERT_EQ(r.gen.sampling.logit_bias.size(), 1u);
  EXPECT_EQ(r.gen.sampling.logit_bias[0].first, 15);
  EXPECT_TRUE(r.gen.sampling.logprobs);
  EXPECT_EQ(r.gen.sampling.n_probs, 3);
  EXPECT_EQ(r.gen.n, 3);
  EXPECT_TRUE(r.gen.stream);
  EXPECT_TRUE(r.gen.include_usage);
}

TEST(ParseChat, MaxCompletionTokensWins) {
  ChatRequest r;
  ASSERT_FALSE(ParseChat(Chat({{"max_tokens", 5}, {"max_completion_tokens", 9}}), &r));
  EXPECT_EQ(r.gen.max_tokens, 9);
}

struct BadCase {
  json extra;
  int status;
  std::string param;
};

TEST(ParseChat, RejectsInvalidAndUnsupportedFieldsByName) {
  const std::vector<BadCase> cases = {
      {{{"temperature", "hot"}}, 400, "temperature"},
      {{{"temperature", 3}}, 400, "temperature"},
      {{{"top_p", -0.1}}, 400, "top_p"},
      {{{"max_tokens", 0}}, 400, "max_tokens"},
      {{{"max_tokens", 1.5}}, 400, "max_tokens"},
      {{{"stop", {"a", 3}}}, 400, "stop"},
      {{{"stop", ""}}, 400, "stop"},
      {{{"logit_bias", {{"abc", 1}}}}, 400, "logit_bias"},
      {{{"logit_bias", {{"3", 500}}}}, 400, "logit_bias"},
      {{{"top_logprobs", 2}}, 400, "top_logprobs"},
      {{{"stream", "yes"}}, 400, "stream"},
      {{{"n", 0}}, 400, "n"},
      {{{"n", 17}}, 400, "n"},
      {{{"n", 1.5}}, 400, "n"},
      {{{"tools", {{{"type", "function"}}}}}, 400, "tools"},
      {{{"tool_choice", "required"}}, 400, "tool_choice"},
      {{{"response_format", {{"type", "json_schema"}}}}, 400, "response_format"},
      {{{"response_format", {{"type", "json_object"}}}}, 400, "response_format"},
      {{{"audio", {{"voice", "x"}}}}, 400, "audio"},
      {{{"reasoning_effort", "extreme"}}, 400, "reasoning_effort"},
      {{{"chat_template_kwargs", "x"}}, 400, "chat_template_kwargs"},
      {{{"messages", json::array()}}, 400, "messages"},
      {{{"messages", {{{"role", "wizard"}, {"content", "x"}}}}}, 400, "messages[0].role"},
      {{{"messages", {{{"role", "user"}}}}}, 400, "messages[0].content"},
      {{{"messages", {{{"role", "user"}, {"content", {{{"type", "image_url"}}}}}}}}, 400,
       "messages[0].content[0].type"},
  };
  for (const BadCase& c : cases) {
    auto err = ParseChat(Chat(c.extra));
    ASSERT_TRUE(err) << c.extra.dump();
    EXPECT_EQ(err->http_status, c.status) << c.extra.dump();
    EXPECT_EQ(err->param, c.param) << c.extra.dump();
    EXPECT_NE(err->message.find(c.param), std::string::npos) << err->message;
  }
}

TEST(ParseChat, AcceptsHarmlessDefaults) {
  EXPECT_FALSE(ParseChat(Chat({{"tools", json::array()}, {"response_format", {{"type", "text"}}},
                               {"tool_choice", "none"}, {"modalities", {"text"}}})));
}

TEST(ParseChat, ReasoningEffortMapsToEnableThinking) {
  ChatRequest r;
  ASSERT_FALSE(ParseChat(Chat({{"reasoning_effort", "none"}}), &r));
  EXPECT_EQ(r.render.extra_context["enable_thinking"], false);
  EXPECT_EQ(r.render.extra_context["reasoning_effort"], "none");
  ChatRequest r2;
  ASSERT_FALSE(ParseChat(Chat({{"reasoning_effort", "high"}, {"chat_template_kwargs", {{"enable_thinking", false}}}}),
                         &r2));
  EXPECT_EQ(r2.render.extra_context["enable_thinking"], false);
}

TEST(ParseChat, DeveloperRoleBecomesSystem) {
  ChatRequest r;
  ASSERT_FALSE(ParseChat(Chat({{"messages", {{{"role", "developer"}, {"content", "be brief"}}}}}), &r));
  EXPECT_EQ(r.render.messages[0]["role"], "system");
}

// Every field replaced by every JSON type: parsing answers with a value or a 400, never throws.
TEST(ParseChat, TypeConfusionNeverThrows) {
  const json full = Chat({{"max_tokens", 5}, {"max_completion_tokens", 5}, {"n_predict", 5}, {"temperature", 0.5},
                          {"top_p", 0.5}, {"top_k", 5}, {"min_p", 0.1}, {"seed", 1}, {"stop", {"x"}}, {"n", 1},
                          {"presence_penalty", 0}, {"frequency_penalty", 0}, {"repeat_penalty", 1.1},
                          {"repeat_last_n", 64}, {"logit_bias", {{"1", 1}}}, {"logprobs", true}, {"top_logprobs", 1},
                          {"stream", true}, {"stream_options", {{"include_usage", true}}}, {"ignore_eos", false},
                          {"chat_template_kwargs", {{"enable_thinking", true}}}, {"reasoning_effort", "low"},
                          {"tools", json::array()}, {"tool_choice", "none"}, {"response_format", {{"type", "text"}}},
                          {"add_generation_prompt", true}, {"prompt", "x"}, {"echo", false}, {"best_of", 1},
                          {"suffix", ""}});
  const std::vector<json> values = {nullptr, true, 0, -1, 1.5, 1e300, "s", json::array(), json::object(),
                                    json::array({1}), json::array({"a"}), json({{"a", 1}}), json({{"type", 1}})};
  FakeRenderer renderer;
  for (const auto& [key, original] : full.items()) {
    for (const json& v : values) {
      json body = full;
      body[key] = v;
      ChatRequest chat;
      CompletionRequest completion;
      EXPECT_NO_THROW({
        if (!ParseChatRequest(body, &chat)) (void)RenderChatPrompt(chat.render, renderer);
        (void)ParseCompletionRequest(body, &completion);
      }) << key << " = " << v.dump();
    }
  }
  for (const json& v : values) {
    json body = full;
    body["messages"] = json::array({{{"role", "user"}, {"content", v}}});
    ChatRequest chat;
    EXPECT_NO_THROW({
      if (!ParseChatRequest(body, &chat)) (void)RenderChatPrompt(chat.render, renderer);
    }) << v.dump();
    body["messages"] = json::array({v});
    EXPECT_NO_THROW((void)ParseChatRequest(body, &chat)) << v.dump();
  }
}

TEST(ParseTemplate, AcceptsToolsForRendering) {
  ChatRequest r;
  json tools = {{{"type", "function"}, {"function", {{"name", "f"}}}}};
  ASSERT_FALSE(ParseTemplateRequest(Chat({{"tools", tools}, {"tool_choice", "auto"}}), &r));
  EXPECT_EQ(r.render.tools, tools);
  EXPECT_TRUE(ParseTemplateRequest(Chat({{"tools", "f"}}), &r));
  // The client's key order reaches the template (tojson prints it as Python would).
  json body;
  ASSERT_FALSE(ParseJsonObject(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)"
                               R"("function":{"name":"f","description":"d","parameters":{"type":"object"}}}]})",
                               &body));
  ChatRequest ordered;
  ASSERT_FALSE(ParseTemplateRequest(body, &ordered));
  EXPECT_EQ(ordered.render.tools.dump(),
            R"([{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}])");
  EXPECT_TRUE(ParseChat(Chat({{"tools", tools}})));
}

TEST(ParseJson, MalformedAndNonObject) {
  json out;
  auto e1 = ParseJsonObject("{\"a\":", &out);
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->http_status, 400);
  EXPECT_TRUE(ParseJsonObject("[1,2]", &out));
  EXPECT_FALSE(ParseJsonObject("{\"a\":1}", &out));
}

TEST(ParseCompletion, PromptForms) {
  CompletionRequest a;
  ASSERT_FALSE(ParseCompletionRequest({{"prompt", "Once"}}, &a));
  EXPECT_EQ(a.prompt_text, "Once");
  CompletionRequest b;
  ASSERT_FALSE(ParseCompletionRequest({{"prompt", {1, 2, 3}}, {"logprobs", 2}}, &b));
  EXPECT_TRUE(b.prompt_is_tokens);
  EXPECT_EQ(b.prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(b.gen.sampling.n_probs, 2);
  CompletionRequest c;
  ASSERT_FALSE(ParseCompletionRequest({{"prompt", {"Once"}}}, &c));
  EXPECT_EQ(c.prompt_text, "Once");
  CompletionRequest d;
  auto err = ParseCompletionRequest({{"prompt", {"a", "b"}}}, &d);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->param, "prompt");
  EXPECT_TRUE(ParseCompletionRequest(json::object(), &d));
  EXPECT_TRUE(ParseCompletionRequest({{"prompt", "x"}, {"echo", true}}, &d));
  EXPECT_TRUE(ParseCompletionRequest({{"prompt", "x"}, {"suffix", "y"}}, &d));
}

TEST(ChatPrompt, FlattensContentPartsForStringTemplates) {
  ChatRequest r;
  ASSERT_FALSE(ParseChat(Chat({{"messages",
                                {{{"role", "user"},
                                  {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}}}}}),
                         &r));
  FakeRenderer renderer("{{ message['content'] }}");
  auto prompt = RenderChatPrompt(r.render, renderer);
  ASSERT_TRUE(prompt.ok()) << prompt.status().ToString();
  EXPECT_EQ(*prompt, "<|im_start|>user\na\nb<|im_end|>\n<|im_start|>assistant\n");
  FakeRenderer iterating("{% for item in message['content'] %}{{ item['text'] }}{% endfor %}");
  EXPECT_FALSE(RenderChatPrompt(r.render, iterating).ok());  // arrays are passed through unchanged
}

TEST(ChatPrompt, TokenizeDoesNotDoubleBos) {
  FakeCodec codec;
  auto tokens = TokenizePrompt("ab", codec);
  EXPECT_EQ(tokens, (std::vector<int32_t>{0, 2 + 'a', 2 + 'b'}));
}

TEST(Errors, BodyShape) {
  json j = InvalidField("top_p", "bad").ToJson();
  EXPECT_EQ(j["error"]["param"], "top_p");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(j["error"].contains("code"));
  EXPECT_EQ(FromStatus(ResourceExhausted("x")).http_status, 413);
  EXPECT_EQ(FromStatus(Unavailable("x")).http_status, 503);
  EXPECT_EQ(FromStatus(Unavailable("x")).retry_after_seconds, 1);
  EXPECT_EQ(FromStatus(Internal("x")).http_status, 500);
}

}  // namespace
}  // namespace ingot::server
