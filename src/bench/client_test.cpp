// Tests for URL parsing and request bodies, and the whole load generator against a tiny fake OpenAI-compatible
// SSE server started in-process on 127.0.0.1 (ephemeral port; nothing leaves loopback).
#include "bench/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <set>
#include <thread>

#include "bench/runner.h"

namespace ingot::bench {
namespace {

using nlohmann::json;

TEST(ParseUrlTest, HostPortAndApiBase) {
  Result<Endpoint> e = ParseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 8080);
  EXPECT_EQ(e->ChatPath(), "/v1/chat/completions");
  EXPECT_EQ(e->ModelsPath(), "/v1/models");
  EXPECT_EQ(ParseUrl("http://localhost/")->port, 80);
  EXPECT_EQ(ParseUrl("http://h:1/v1/")->api_base, "/v1");
  EXPECT_EQ(ParseUrl("http://h:1/proxy")->api_base, "/proxy/v1");
  EXPECT_EQ(ParseUrl("http://h:1/proxy/v1/chat/completions")->api_base, "/proxy/v1");
  Result<Endpoint> v6 = ParseUrl("http://[::1]:9000/v1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
}

TEST(ParseUrlTest, RejectsBadUrls) {
  EXPECT_EQ(ParseUrl("https://api.example.com").status().code(), Code::kUnsupported);
  for (const char* bad : {"127.0.0.1:8080", "http://", "http://:80", "http://h:", "http://h:0", "http://h:70000",
                          "http://h:8x", "http://[::1", "http://[::1]x", "http://h/v1?x=1"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(BuildChatBodyTest, StreamsWithUsageAndOptionalFields) {
  Prompt p{json::parse(R"([{"role":"user","content":"hi"}])")};
  ChatSettings s;
  s.max_tokens = 32;
  json plain = json::parse(BuildChatBody(p, s));
  EXPECT_EQ(plain["messages"], p.messages);
  EXPECT_EQ(plain["max_tokens"], 32);
  EXPECT_EQ(plain["stream"], true);
  EXPECT_EQ(plain["stream_options"]["include_usage"], true);
  EXPECT_FALSE(plain.contains("model"));
  EXPECT_FALSE(plain.contains("temperature"));
  EXPECT_FALSE(plain.contains("ignore_eos"));
  s.model = "m";
  s.temperature = 0.5;
  s.ignore_eos = true;
  json full = json::parse(BuildChatBody(p, s));
  EXPECT_EQ(full["model"], "m");
  EXPECT_EQ(full["temperature"], 0.5);
  EXPECT_EQ(full["ignore_eos"], true);
}

struct FakeOptions {
  bool send_usage = true;
  int fail_every = 0;   // every n-th chat request is answered 429
  std::string api_key{};  // required when set
  int token_delay_ms = 1;
};

// Streams max_tokens one-character content chunks after a role-only delta, like ingot and llama-server.
class FakeOpenAiServer {
 public:
  explicit FakeOpenAiServer(FakeOptions options) : options_(std::move(options)) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(24); };
    server_.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"fake-model","object":"model"}]})", "application/json");
    });
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& req, httplib::Response& res) { Chat(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeOpenAiServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<json> bodies() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  void Chat(const httplib::Request& req, httplib::Response& res) {
    if (!options_.api_key.empty() && req.get_header_value("Authorization") != "Bearer " + options_.api_key) {
      res.status = 401;
      res.set_content(R"({"error":{"message":"invalid api key","type":"authentication_error"}})", "application/json");
      return;
    }
    json body = json::parse(req.body, nullptr, false);
    size_t n = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(body);
      n = bodies_.size();
    }
    if (options_.fail_every > 0 && n % size_t(options_.fail_every) == 0) {
      res.status = 429;
      res.set_content(R"({"error":{"message":"queue is full","type":"rate_limit_error"}})", "application/json");
      return;
    }
    const int tokens = body.value("max_tokens", 4);
    const bool usage = options_.send_usage && body["stream_options"].value("include_usage", false);
    const int delay_ms = options_.token_delay_ms;
    res.set_chunked_content_provider("text/event-stream", [tokens, usage, delay_ms](size_t, httplib::DataSink& sink) {
      auto send = [&sink](const std::string& data) {
        const std::string event = "data: " + data + "\n\n";
        return sink.write(event.data(), event.size());
      };
      send(R"({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})");
      for (int i = 0; i < tokens; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        send(R"({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"t"}}]})");
      }
      send(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})");
      if (usage) {
        send(R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":)" + std::to_string(tokens) + "}}");
      }
      send("[DONE]");
      sink.done();
      return true;
    });
  }

  FakeOptions options_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<json> bodies_;
};

ServeBenchOptions Options(const std::string& url) {
  ServeBenchOptions o;
  o.url = url;
  o.concurrency = {1, 4};
  o.requests = 8;
  o.max_tokens = 5;
  o.timeout_s = 10;
  return o;
}

TEST(RunServeBenchTest, MeasuresEveryLevelAgainstFakeServer) {
  FakeOpenAiServer server({});
  ServeBenchOptions o = Options(server.url());
  o.temperature = 0.0;
  o.seed = 42;
  int callbacks = 0;
  Result<ServeBenchReport> r =
      RunServeBench(o, DefaultPrompts(), "built-in", [&callbacks](const LevelReport&) { ++callbacks; });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(callbacks, 2);
  EXPECT_EQ(r->model, "fake-model");
  ASSERT_EQ(r->levels.size(), 2u);
  for (const LevelReport& l : r->levels) {
    EXPECT_EQ(l.requests, 8);
    EXPECT_EQ(l.ok, 8);
    EXPECT_TRUE(l.errors.empty());
    EXPECT_EQ(l.output_tokens, 40);
    EXPECT_EQ(l.prompt_tokens, 40);
    EXPECT_EQ(l.token_source, "usage");
    EXPECT_EQ(l.ttft_s.count, 8u);
    EXPECT_EQ(l.itl_s.count, 32u);
    EXPECT_GT(l.ttft_s.p50, 0);
    EXPECT_GE(l.e2e_s.p50, l.ttft_s.p50);
    EXPECT_GT(l.tokens_per_s, 0);
  }
  EXPECT_EQ(r->levels[1].concurrency, 4);

  const std::vector<json> bodies = server.bodies();
  ASSERT_EQ(bodies.size(), 17u);  // one warm-up request, then 8 per level
  std::set<std::string> prompts;
  for (const json& b : bodies) {
    EXPECT_EQ(b["model"], "fake-model");
    EXPECT_EQ(b["max_tokens"], 5);
    EXPECT_EQ(b["temperature"], 0.0);
    EXPECT_EQ(b["stream"], true);
    EXPECT_EQ(b["stream_options"]["include_usage"], true);
    prompts.insert(b["messages"].dump());
  }
  EXPECT_EQ(prompts.size(), bodies.size()) << "every request should carry a different prompt";
}

TEST(RunServeBenchTest, CountsChunksWhenTheServerSendsNoUsage) {
  FakeOpenAiServer server({.send_usage = false});
  ServeBenchOptions o = Options(server.url());
  o.concurrency = {2};
  Result<ServeBenchReport> r = RunServeBench(o, DefaultPrompts(), "built-in");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->levels[0].token_source, "chunks");
  EXPECT_EQ(r->levels[0].output_tokens, 40);
}

TEST(RunServeBenchTest, CountsErrorsByStatus) {
  FakeOpenAiServer server({.fail_every = 4});
  ServeBenchOptions o = Options(server.url());
  o.concurrency = {4};
  o.warmup = 0;
  Result<ServeBenchReport> r = RunServeBench(o, DefaultPrompts(), "built-in");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const LevelReport& l = r->levels[0];
  EXPECT_EQ(l.requests, 8);
  EXPECT_EQ(l.ok, 6);
  EXPECT_EQ(l.errors.at("429"), 2);
  EXPECT_EQ(l.error_examples.at("429"), "queue is full");
  EXPECT_EQ(l.output_tokens, 30);
}

TEST(RunServeBenchTest, SendsTheApiKeyAndFailsFastWithAWrongOne) {
  FakeOpenAiServer server({.api_key = "sekrit"});
  ServeBenchOptions o = Options(server.url());
  o.concurrency = {1};
  o.requests = 2;
  o.model = "named";
  o.api_key = "wrong";
  Result<ServeBenchReport> bad = RunServeBench(o, DefaultPrompts(), "built-in");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid api key"), std::string::npos) << bad.status().ToString();
  o.api_key = "sekrit";
  Result<ServeBenchReport> good = RunServeBench(o, DefaultPrompts(), "built-in");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->levels[0].ok, 2);
  EXPECT_EQ(server.bodies().back()["model"], "named");
}

TEST(RunServeBenchTest, DurationLimitStopsNewRequests) {
  FakeOpenAiServer server({.token_delay_ms = 5});
  ServeBenchOptions o = Options(server.url());
  o.concurrency = {2};
  o.requests = 0;
  o.duration_s = 0.3;
  o.warmup = 0;
  Result<ServeBenchReport> r = RunServeBench(o, DefaultPrompts(), "built-in");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const LevelReport& l = r->levels[0];
  EXPECT_GE(l.wall_s, 0.3);
  EXPECT_LT(l.wall_s, 5.0);
  EXPECT_GE(l.ok, 2);
  EXPECT_EQ(l.ok, l.requests);
}

TEST(RunServeBenchTest, UnreachableServerIsUnavailable) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);  // nothing listens on this port now
  ServeBenchOptions o = Options("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  Result<ServeBenchReport> r = RunServeBench(o, DefaultPrompts(), "built-in");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

TEST(RunServeBenchTest, RejectsBadOptions) {
  ServeBenchOptions o = Options("http://127.0.0.1:1");
  o.concurrency = {};
  EXPECT_EQ(RunServeBench(o, DefaultPrompts(), "x").status().code(), Code::kInvalidArgument);
  o = Options("http://127.0.0.1:1");
  o.concurrency = {0};
  EXPECT_EQ(ValidateOptions(o).code(), Code::kInvalidArgument);
  o = Options("http://127.0.0.1:1");
  o.max_tokens = 0;
  EXPECT_EQ(ValidateOptions(o).code(), Code::kInvalidArgument);
  o = Options("http://127.0.0.1:1");
  o.temperature = -1;
  EXPECT_EQ(ValidateOptions(o).code(), Code::kInvalidArgument);
  EXPECT_EQ(RunServeBench(Options("http://127.0.0.1:1"), {}, "x").status().code(), Code::kInvalidArgument);
}

TEST(RequestBudgetTest, DefaultsScaleWithConcurrency) {
  ServeBenchOptions o;
  EXPECT_EQ(RequestBudget(o, 1), 16);
  EXPECT_EQ(RequestBudget(o, 8), 32);
  o.duration_s = 5;
  EXPECT_EQ(RequestBudget(o, 8), 0);
  o.requests = 10;
  EXPECT_EQ(RequestBudget(o, 8), 10);
}

}  // namespace
}  // namespace ingot::bench
