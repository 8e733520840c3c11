// In-process HTTP tests: the real server on 127.0.0.1 (ephemeral port) in front of the FakeEngine.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "server/fake_engine.h"

namespace ingot::server {
namespace {

using nlohmann::json;

class ServerTest : public ::testing::Test {
 protected:
  void Start(FakeEngineOptions engine_options = {}, ServerOptions options = {}, bool ready = true) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options);
    Result<int> port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(10, 0);
    engine_options_ = engine_options;
    if (ready) MakeReady();
  }

  void MakeReady() {
    auto model = std::make_unique<ServedModel>();
    auto engine = std::make_unique<FakeEngine>(engine_options_);
    engine_ = engine.get();
    model->engine = std::move(engine);
    model->codec = std::make_unique<FakeCodec>();
    model->renderer = std::make_unique<FakeRenderer>();
    model->id = "fake-model";
    model->names = {"fake-model", "fake-model.gguf", "my-alias"};
    server_->SetModel(std::move(model));
  }

  void TearDown() override {
    if (!server_) return;
    server_->Stop();
    thread_.join();
    server_.reset();
  }

  httplib::Result Post(const std::string& path, const json& body) {
    return client_->Post(path.c_str(), body.dump(), "application/json");
  }

  static json Chat(json extra = json::object()) {
    json body = {{"model", "fake-model"}, {"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"temperature", 0}};
    body.update(extra);
    return body;
  }

  // Sends a raw request, reads until `marker` appears in the response, then closes the socket.
  void SendAndHangUp(const std::string& body, const std::string& marker) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string got;
    char buf[512];
    while (got.find(marker) == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    close(fd);
  }

  bool WaitForCancel(size_t count) {
    for (int i = 0; i < 300 && engine_->cancelled().size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return engine_->cancelled().size() >= count;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  FakeEngineOptions engine_options_;
  FakeEngine* engine_ = nullptr;
  int port_ = 0;
};

std::vector<json> SseEvents(const std::string& body) {
  std::vector<json> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    size_t end = body.find("\n\n", pos);
    std::string data = body.substr(pos + 6, end - pos - 6);
    out.push_back(data == "[DONE]" ? json("[DONE]") : json::parse(data));
    pos = end;
  }
  return out;
}

TEST_F(ServerTest, HealthIsLoadingUntilModelIsSet) {
  Start({}, {}, /*ready=*/false);
  auto loading = client_->Get("/health");
  ASSERT_TRUE(loading);
  EXPECT_EQ(loading->status, 503);
  EXPECT_EQ(json::parse(loading->body)["error"]["code"], "loading");
  auto chat = Post("/v1/chat/completions", Chat());
  EXPECT_EQ(chat->status, 503);
  EXPECT_TRUE(chat->has_header("Retry-After"));
  MakeReady();
  auto ok = client_->Get("/health");
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body), json({{"status", "ok"}}));
}

TEST_F(ServerTest, ChatNonStreaming) {
  Start();
  auto r = Post("/v1/chat/completions", Chat({{"max_tokens", 5}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "fake-model");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["choices"][0]["message"]["content"].get<std::string>().size(), 5u);
  EXPECT_EQ(j["usage"]["completion_tokens"], 5);
  EXPECT_GT(j["usage"]["prompt_tokens"], 0);
  auto again = Post("/chat/completions", Chat({{"max_tokens", 5}}));
  EXPECT_EQ(json::parse(again->body)["choices"][0]["message"]["content"], j["choices"][0]["message"]["content"]);
}

TEST_F(ServerTest, ChatStreamingWithUsage) {
  Start();
  auto r = Post("/v1/chat/completions",
                Chat({{"stream", true}, {"max_tokens", 4}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> ev = SseEvents(r->body);
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev.front()["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(ev.back(), "[DONE]");
  json usage = ev[ev.size() - 2];
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
  EXPECT_EQ(ev[ev.size() - 3]["choices"][0]["finish_reason"], "length");
  std::string text;
  for (size_t i = 1; i + 3 < ev.size(); ++i) {
    text += ev[i]["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(text.size(), 4u);
}

TEST_F(ServerTest, SeveralChoices) {
  Start();
  auto r = Post("/v1/chat/completions", Chat({{"max_tokens", 4}, {"n", 3}, {"logprobs", true}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  ASSERT_EQ(j["choices"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    EXPECT_EQ(j["choices"][i]["message"]["content"].get<std::string>().size(), 4u);
    EXPECT_EQ(j["choices"][i]["logprobs"]["content"].size(), 4u);
  }
  EXPECT_EQ(j["usage"]["completion_tokens"], 12);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"].get<int>() + 12);

  auto text = Post("/v1/completions", {{"prompt", "Hi"}, {"max_tokens", 2}, {"n", 2}});
  ASSERT_EQ(text->status, 200) << text->body;
  EXPECT_EQ(json::parse(text->body)["choices"][1]["index"], 1);
}

TEST_F(ServerTest, SeveralChoicesStreaming) {
  Start();
  auto r = Post("/v1/chat/completions", Chat({{"stream", true}, {"max_tokens", 3}, {"n", 2},
                                              {"stream_options", {{"include_usage", true}}}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  std::vector<json> ev = SseEvents(r->body);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back(), "[DONE]");
  json usage = ev[ev.size() - 2];
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 6);
  std::string text[2];
  int roles[2] = {0, 0}, finishes[2] = {0, 0};
  for (size_t i = 0; i + 2 < ev.size(); ++i) {
    ASSERT_EQ(ev[i]["choices"].size(), 1u);
    const json& c = ev[i]["choices"][0];
    int index = c["index"];
    ASSERT_TRUE(index == 0 || index == 1);
    if (c["delta"].contains("role")) ++roles[index];
    text[index] += c["delta"].value("content", "");
    if (!c["finish_reason"].is_null()) ++finishes[index];
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(roles[i], 1);
    EXPECT_EQ(finishes[i], 1);
    EXPECT_EQ(text[i].size(), 3u);
  }
}

TEST_F(ServerTest, SeveralChoicesAllCancelledOnDisconnect) {
  FakeEngineOptions eo;
  eo.token_delay = std::chrono::milliseconds(5);
  eo.eos_after_reply = false;
  Start(eo);
  SendAndHangUp(Chat({{"stream", true}, {"n", 2}}).dump(), "content");
  ASSERT_TRUE(WaitForCancel(2));
  EXPECT_EQ(engine_->running(), 0);
}

TEST_F(ServerTest, SeveralChoicesBeyondTheQueueAre503AndLeaveNothingRunning) {
  FakeEngineOptions eo;
  eo.parallel = 1;
  eo.max_queue = 1;
  eo.token_delay = std::chrono::milliseconds(20);
  Start(eo);
  auto r = Post("/v1/chat/completions", Chat({{"max_tokens", 10}, {"n", 4}, {"ignore_eos", true}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_TRUE(r->has_header("Retry-After"));
  for (int i = 0; i < 300 && engine_->running() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(engine_->running(), 0);
}

TEST_F(ServerTest, StopStringEndsWithStop) {
  FakeEngineOptions eo;
  eo.reply = "abcXdef";
  Start(eo);
  auto ok = Post("/v1/completions", {{"prompt", {0}}, {"stop", {"X"}}, {"max_tokens", 50}});
  ASSERT_EQ(ok->status, 200) << ok->body;
  json j = json::parse(ok->body);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(j["choices"][0]["text"], "abc");
}

TEST_F(ServerTest, ErrorStatuses) {
  FakeEngineOptions eo;
  eo.n_ctx = 64;
  Start(eo);
  auto malformed = client_->Post("/v1/chat/completions", "{nope", "application/json");
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(json::parse(malformed->body)["error"]["type"], "invalid_request_error");
  auto invalid = Post("/v1/chat/completions", Chat({{"top_p", 7}}));
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(json::parse(invalid->body)["error"]["param"], "top_p");
  auto unsupported = Post("/v1/chat/completions", Chat({{"tools", {{{"type", "function"}}}}}));
  EXPECT_EQ(unsupported->status, 400);
  EXPECT_EQ(json::parse(unsupported->body)["error"]["param"], "tools");
  auto unknown = Post("/v1/chat/completions", Chat({{"model", "gpt-4"}}));
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Post("/v1/chat/completions", Chat({{"model", "my-alias"}, {"max_tokens", 1}}))->status, 200);
  auto too_long = Post("/v1/chat/completions",
                       Chat({{"messages", {{{"role", "user"}, {"content", std::string(100, 'x')}}}}}));
  EXPECT_EQ(too_long->status, 413);
  EXPECT_EQ(json::parse(too_long->body)["error"]["code"], "context_length_exceeded");
  EXPECT_EQ(client_->Get("/no/such/route")->status, 404);
  EXPECT_EQ(client_->Get("/metrics")->status, 404);  // disabled without --metrics
}

TEST_F(ServerTest, BodyLimit) {
  ServerOptions so;
  so.max_body_bytes = 1000;
  Start({}, so);
  auto r = Post("/v1/chat/completions", Chat({{"messages", {{{"role", "user"}, {"content", std::string(5000, 'x')}}}}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, ApiKey) {
  ServerOptions so;
  so.api_key = "sekrit";
  Start({}, so);
  EXPECT_EQ(Post("/v1/chat/completions", Chat())->status, 401);
  EXPECT_EQ(client_->Get("/health")->status, 200);
  httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
  EXPECT_EQ(client_->Get("/v1/models", wrong)->status, 401);
  auto preflight = client_->Options("/v1/chat/completions");
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "*");
  httplib::Headers right = {{"Authorization", "Bearer sekrit"}};
  auto models = client_->Get("/v1/models", right);
  EXPECT_EQ(models->status, 200);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "fake-model");
}

TEST_F(ServerTest, QueueFullIs503WithRetryAfter) {
  FakeEngineOptions eo;
  eo.parallel = 1;
  eo.max_queue = 1;
  eo.token_delay = std::chrono::milliseconds(20);
  ServerOptions so;
  so.http_threads = 16;
  Start(eo, so);
  std::vector<std::thread> clients;
  std::mutex mu;
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port_);
      c.set_read_timeout(10, 0);
      auto r = c.Post("/v1/chat/completions", Chat({{"max_tokens", 10}, {"ignore_eos", true}}).dump(),
                      "application/json");
      std::lock_guard<std::mutex> lock(mu);
      statuses.push_back(r ? r->status : -1);
      if (r && r->status == 503) {
        EXPECT_EQ(r->get_header_value("Retry-After"), "1");
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GE(std::count(statuses.begin(), statuses.end(), 200), 1);
  EXPECT_GE(std::count(statuses.begin(), statuses.end(), 503), 1);
}

TEST_F(ServerTest, StreamingDisconnectCancels) {
  FakeEngineOptions eo;
  eo.token_delay = std::chrono::milliseconds(5);
  eo.eos_after_reply = false;
  Start(eo);
  SendAndHangUp(Chat({{"stream", true}}).dump(), "content");
  ASSERT_TRUE(WaitForCancel(1));
  EXPECT_EQ(engine_->running(), 0);
}

TEST_F(ServerTest, NonStreamingDisconnectCancels) {
  FakeEngineOptions eo;
  eo.token_delay = std::chrono::milliseconds(5);
  eo.eos_after_reply = false;
  Start(eo);
  SendAndHangUp(Chat().dump(), "");
  ASSERT_TRUE(WaitForCancel(1));
  EXPECT_EQ(engine_->running(), 0);
}

TEST_F(ServerTest, TimeoutIs408AndCancels) {
  FakeEngineOptions eo;
  eo.token_delay = std::chrono::milliseconds(5);
  eo.eos_after_reply = false;
  ServerOptions so;
  so.timeout_seconds = 0.2;
  Start(eo, so);
  auto r = Post("/v1/chat/completions", Chat());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(engine_->cancelled().size(), 1u);
}

TEST_F(ServerTest, MetricsTokenizeTemplateEmbeddings) {
  ServerOptions so;
  so.metrics = true;
  Start({}, so);
  ASSERT_EQ(Post("/v1/chat/completions", Chat({{"max_tokens", 3}}))->status, 200);
  // The response counter is updated by the access logger just after the response is written: poll briefly.
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    auto r = client_->Get("/metrics");
    ASSERT_EQ(r->status, 200);
    metrics = r->body;
    if (metrics.find("ingot_requests_total{status=\"200\"} 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(metrics.find("ingot_kv_blocks_total"), std::string::npos);
  EXPECT_NE(metrics.find("ingot_requests_total{status=\"200\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("ingot_time_to_first_token_seconds_count 1"), std::string::npos);
  EXPECT_NE(metrics.find("llamacpp:requests_processing"), std::string::npos);

  auto tok = Post("/tokenize", {{"content", "ab"}});
  EXPECT_EQ(json::parse(tok->body)["tokens"], json({2 + 'a', 2 + 'b'}));
  auto detok = Post("/detokenize", {{"tokens", {2 + 'a', 2 + 'b'}}});
  EXPECT_EQ(json::parse(detok->body)["content"], "ab");
  EXPECT_EQ(Post("/detokenize", {{"tokens", {99999}}})->status, 400);

  auto tmpl = Post("/apply-template", Chat({{"chat_template_kwargs", {{"enable_thinking", false}}}}));
  ASSERT_EQ(tmpl->status, 200);
  EXPECT_EQ(json::parse(tmpl->body)["prompt"],
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");

  auto emb = Post("/v1/embeddings", {{"input", {"hello", "world"}}});
  ASSERT_EQ(emb->status, 200) << emb->body;
  json e = json::parse(emb->body);
  EXPECT_EQ(e["data"].size(), 2u);
  EXPECT_EQ(e["data"][1]["index"], 1);
  EXPECT_EQ(e["data"][0]["embedding"].size(), 4u);
}

TEST_F(ServerTest, ApplyTemplateShowsWhatTheChatEndpointTokenizes) {
  Start();
  json body = Chat({{"max_tokens", 1}, {"reasoning_effort", "none"},
                    {"messages", {{{"role", "system"}, {"content", {{{"type", "text"}, {"text", "Be brief."}}}}},
                                  {{"role", "user"}, {"content", "Hi"}}}}});
  auto tmpl = Post("/apply-template", body);
  ASSERT_EQ(tmpl->status, 200) << tmpl->body;
  std::string prompt = json::parse(tmpl->body)["prompt"];
  EXPECT_NE(prompt.find("Be brief."), std::string::npos);
  auto chat = Post("/v1/chat/completions", body);
  ASSERT_EQ(chat->status, 200) << chat->body;
  // FakeCodec: one token per byte plus BOS.
  EXPECT_EQ(json::parse(chat->body)["usage"]["prompt_tokens"], prompt.size() + 1);
}

TEST_F(ServerTest, EmbeddingsUnsupportedModelIs400) {
  FakeEngineOptions eo;
  eo.can_embed = false;
  Start(eo);
  auto r = Post("/v1/embeddings", {{"input", "hello"}});
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, ReasoningIsSplit) {
  FakeEngineOptions eo;
  eo.reply = "<think>hmm</think>Four.";
  eo.vary_by_prompt = false;
  Start(eo);
  auto r = Post("/v1/chat/completions", Chat());
  ASSERT_EQ(r->status, 200) << r->body;
  json message = json::parse(r->body)["choices"][0]["message"];
  EXPECT_EQ(message["reasoning_content"], "hmm");
  EXPECT_EQ(message["content"], "Four.");
  auto text = Post("/v1/completions", {{"prompt", "x"}});
  EXPECT_EQ(json::parse(text->body)["choices"][0]["text"], "<think>hmm</think>Four.");
  auto stream = Post("/v1/chat/completions", Chat({{"stream", true}}));
  std::string reasoning, content;
  for (const json& e : SseEvents(stream->body)) {
    if (e == "[DONE]" || e["choices"].empty()) continue;
    reasoning += e["choices"][0]["delta"].value("reasoning_content", "");
    content += e["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(reasoning, "hmm");
  EXPECT_EQ(content, "Four.");
}

}  // namespace
}  // namespace ingot::server
