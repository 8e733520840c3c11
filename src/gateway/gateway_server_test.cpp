// The gateway's HTTP front on loopback with fake upstreams: fallback, streaming passthrough, no fallback after
// the first byte, cancellation, queue limits, client keys, deprecation headers, defaults, hot reload, the admin
// API and upstream connection reuse.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/gateway_test_fixture.h"

namespace ingot::gateway {
namespace {

TEST_F(GatewayTest, ProxiesWithDefaultsUpstreamModelAndKey) {
  StartGateway(Yaml());
  auto res = Post(Chat("default-chat"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("x-ingot-route"), "chat");
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "a");
  EXPECT_NE(res->body.find("hello from a"), std::string::npos);
  auto seen = a_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].body["model"], "real-a");
  EXPECT_EQ(seen[0].body["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(seen[0].body["max_tokens"], 100);
  EXPECT_EQ(seen[0].authorization, "Bearer sk-up-a");
}

TEST_F(GatewayTest, FallsBackWhenThePrimaryFailsOrIsDown) {
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 500));
  auto res = Post(Chat("chat"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "b");
  EXPECT_NE(res->body.find("hello from b"), std::string::npos);

  auto down = Post(Chat("via-down"));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 200);
  EXPECT_EQ(down->get_header_value("x-ingot-target"), "b");

  b_.SetBehaviour(Behave("b", 503));
  auto both = Post(Chat("chat"));
  ASSERT_TRUE(both);
  EXPECT_EQ(both->status, 502);
  auto error = nlohmann::json::parse(both->body)["error"];
  EXPECT_EQ(error["type"], "upstream_error");
  EXPECT_EQ(error["target"], "b");
  EXPECT_EQ(error["upstream_status"], 503);
  EXPECT_EQ(error["upstream_body"]["error"]["message"], "b failed on purpose");
  EXPECT_EQ(both->get_header_value("x-ingot-target"), "b");
}

TEST_F(GatewayTest, FallsBackOnATimeoutBeforeTheFirstByte) {
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 0, 1.0));
  auto res = Post(Chat("slow-first"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "b");
}

TEST_F(GatewayTest, ActiveProbesSkipADeadUpstream) {
  StartGateway("health_interval: 0.05\n" + Yaml());
  httplib::Client client("127.0.0.1", port_);
  std::string circuit;
  for (int i = 0; i < 200 && circuit != "open"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto list = nlohmann::json::parse(client.Get("/v1/models")->body);
    for (const auto& m : list["data"]) {
      if (m["id"] == "down") circuit = m["targets"][0]["circuit"];
    }
  }
  EXPECT_EQ(circuit, "open");
  size_t before = b_.requests().size();
  auto res = Post(Chat("via-down"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "b");
  EXPECT_EQ(b_.requests().size(), before + 1);
}

TEST_F(GatewayTest, CompletionProbesFindAnUpstreamThatCannotGenerate) {
  a_.SetBehaviour(Behave("a", 500));  // /health still answers 200
  StartGateway("health_interval: 0.05\nlisten: {port: 0}\nmodels:\n"
               "  c: {upstream: {base_url: '" + a_.base_url() + "', health_probe: completion}}\n");
  httplib::Client client("127.0.0.1", port_);
  std::string circuit;
  for (int i = 0; i < 200 && circuit != "open"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto list = nlohmann::json::parse(client.Get("/v1/models")->body);
    circuit = list["data"][0]["targets"][0]["circuit"];
  }
  EXPECT_EQ(circuit, "open");
  auto seen = a_.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].body["model"], "c");
  EXPECT_EQ(seen[0].body["max_tokens"], 1);
}

TEST_F(GatewayTest, StopEndsStreamsInFlight) {
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 0, 0, 1000, 0.05));
  std::thread client([&] { Post(Chat("chat", true)); });
  for (int i = 0; i < 200 && a_.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto start = std::chrono::steady_clock::now();
  gateway_->Stop();
  thread_.join();
  gateway_.reset();
  client.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(GatewayTest, StreamsThroughAndNeverFallsBackAfterTheFirstByte) {
  StartGateway(Yaml());
  auto res = Post(Chat("chat", true));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  EXPECT_NE(res->body.find("tok0 "), std::string::npos);
  EXPECT_NE(res->body.find("tok2 "), std::string::npos);
  EXPECT_NE(res->body.find("data: [DONE]"), std::string::npos);
  // The gateway records the request after the last byte has gone out, so the client may see [DONE] first.
  httplib::Client client("127.0.0.1", port_);
  const std::string series = "vllm:generation_tokens_total{model_name=\"a\"} 3";
  bool counted = false;
  for (int i = 0; i < 200 && !counted; ++i) {
    counted = client.Get("/metrics")->body.find(series) != std::string::npos;
    if (!counted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(counted);

  a_.SetBehaviour(Behave("a", 0, 0, 3, 0, 1));  // breaks off after one chunk
  auto broken = Post(Chat("chat", true));
  ASSERT_TRUE(broken);
  EXPECT_NE(broken->body.find("tok0 "), std::string::npos);
  EXPECT_NE(broken->body.find("\"upstream_error\""), std::string::npos);
  EXPECT_EQ(broken->body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(b_.requests().size(), 0u);
}

TEST_F(GatewayTest, ClientDisconnectCancelsTheUpstream) {
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 0, 0, 200, 0.02));
  httplib::Client client("127.0.0.1", port_);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = Chat("chat", true).dump();
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [](const char*, size_t, uint64_t, uint64_t) { return false; };  // leave at once
  httplib::Response res;
  httplib::Error error;
  client.send(req, res, error);
  for (int i = 0; i < 200 && a_.cancelled_streams() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(a_.cancelled_streams(), 1);
  EXPECT_EQ(a_.completed_streams(), 0);
}

TEST_F(GatewayTest, ANonStreamingClientThatLeavesCancelsItsUpstreamCall) {
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 0, 2.0));  // 2 s before the status line
  auto start = std::chrono::steady_clock::now();
  {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(0, 300000);  // gives up after 0.3 s and closes its connection
    EXPECT_FALSE(client.Post("/v1/chat/completions", Chat("a").dump(), "application/json"));
  }
  // The gateway notices within its grace time plus a maintenance period and frees a's only slot, well before the
  // upstream would have answered.
  int in_flight = 1;
  while (in_flight != 0 && std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1900)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    httplib::Client client("127.0.0.1", port_);
    nlohmann::json list = nlohmann::json::parse(client.Get("/v1/models")->body);
    for (const auto& m : list["data"]) {
      if (m["id"] == "a") in_flight = m["targets"][0]["in_flight"];
    }
  }
  EXPECT_EQ(in_flight, 0);
  EXPECT_TRUE(b_.requests().empty());  // no fallback for a client that left
}

TEST_F(GatewayTest, FullQueueFallsBackThenAnswers429) {
  StartGateway(Yaml("  only-a: {targets: [a]}\n"));
  a_.SetBehaviour(Behave("a", 0, 0.5));
  std::thread slow([&] { Post(Chat("only-a")); });
  for (int i = 0; i < 200 && a_.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto spill = Post(Chat("chat"));  // a is busy with no queue: b serves
  ASSERT_TRUE(spill);
  EXPECT_EQ(spill->get_header_value("x-ingot-target"), "b");
  auto full = Post(Chat("only-a"));
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 429);
  EXPECT_EQ(full->get_header_value("Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(full->body)["error"]["type"], "rate_limit_error");
  slow.join();
}

TEST_F(GatewayTest, AnOverloadedUpstreamIs429AndKeepsItsCircuitClosed) {
  StartGateway("circuit_breaker: {failures: 1}\n" + Yaml());
  b_.SetBehaviour(Behave("b", 429));
  for (int i = 0; i < 2; ++i) {
    auto res = Post(Chat("b"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 429);
    EXPECT_EQ(res->get_header_value("Retry-After"), "1");
    EXPECT_NE(res->body.find("\"upstream_status\":429"), std::string::npos) << res->body;
  }
  EXPECT_EQ(b_.requests().size(), 2u);  // the second request was still sent: no open circuit
}

TEST_F(GatewayTest, ClientKeysAndAllowedRoutes) {
  StartGateway(Yaml("clients:\n  - {name: app, api_key: k-app, routes: [chat]}\n"));
  EXPECT_EQ(Post(Chat("chat"))->status, 401);
  EXPECT_EQ(Post(Chat("chat"), "wrong")->status, 401);
  EXPECT_EQ(Post(Chat("old"), "k-app")->status, 403);
  EXPECT_EQ(Post(Chat("chat"), "k-app")->status, 200);
  EXPECT_EQ(Post(Chat("nope"), "k-app")->status, 404);
}

TEST_F(GatewayTest, RequestsPerMinuteLimit) {
  StartGateway(Yaml("clients:\n  - {name: app, api_key: k-app, rpm: 2}\n"));
  EXPECT_EQ(Post(Chat("chat"), "k-app")->status, 200);
  EXPECT_EQ(Post(Chat("chat"), "k-app")->status, 200);
  auto over = Post(Chat("chat"), "k-app");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 429);
  EXPECT_FALSE(over->get_header_value("Retry-After").empty());
  EXPECT_EQ(nlohmann::json::parse(over->body)["error"]["type"], "rate_limit_error");
}

TEST_F(GatewayTest, DeprecatedRouteHeaders) {
  StartGateway(Yaml());
  auto res = Post(Chat("old"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Deprecation"), "true");
  EXPECT_EQ(res->get_header_value("Sunset"), "Thu, 31 Dec 2026 00:00:00 GMT");
  EXPECT_EQ(res->get_header_value("Link"), "<chat>; rel=\"successor-version\"");
}

TEST_F(GatewayTest, ModelsHealthAndMetrics) {
  StartGateway(Yaml());
  ASSERT_EQ(Post(Chat("chat"))->status, 200);
  httplib::Client client("127.0.0.1", port_);
  auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  auto list = nlohmann::json::parse(models->body);
  bool saw_old = false;
  for (const auto& m : list["data"]) {
    if (m["id"] == "old") {
      saw_old = true;
      EXPECT_EQ(m["status"], "deprecated");
    }
  }
  EXPECT_TRUE(saw_old);
  EXPECT_EQ(client.Get("/health")->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("ingot_gateway_requests_total{route=\"chat\",target=\"a\",status=\"200\"} 1"),
            std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("vllm:prompt_tokens_total{model_name=\"a\"} 5"), std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE vllm:time_to_first_token_seconds histogram"), std::string::npos);
  EXPECT_NE(metrics->body.find("vllm:e2e_request_latency_seconds_bucket{model_name=\"a\",le=\"+Inf\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("vllm:e2e_request_latency_seconds_count{model_name=\"a\"} 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("ingot_gateway_route_request_seconds_count{route=\"chat\"} 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("ingot_gateway_route_prompt_tokens_total{route=\"chat\"} 5"), std::string::npos);
}

TEST_F(GatewayTest, ReloadKeepsTheOldConfigWhenTheNewOneIsInvalid) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  std::string path = std::string(INGOT_TEST_TMP) + "/gateway_reload.yaml";
  StartGateway(Yaml());
  std::ofstream(path) << "models: {x: {upstream: {base_url: 'nope'}}}\n";
  Status bad = gateway_->Reload(path);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("models.x.upstream.base_url"), std::string::npos);
  EXPECT_EQ(Post(Chat("chat"))->status, 200);  // old config still serves

  std::ofstream(path) << "models: {b: {upstream: {base_url: '" + b_.base_url() + "'}}}\n"
                         "routes: {fresh: {targets: [b]}}\n";
  ASSERT_TRUE(gateway_->Reload(path).ok());
  EXPECT_EQ(Post(Chat("fresh"))->status, 200);
  EXPECT_EQ(Post(Chat("chat"))->status, 404);
}

TEST_F(GatewayTest, RequestsInFlightFinishOnTheOldConfig) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  std::string path = std::string(INGOT_TEST_TMP) + "/gateway_inflight.yaml";
  StartGateway(Yaml());
  a_.SetBehaviour(Behave("a", 0, 0.3));
  int status = 0;
  std::thread slow([&] {
    auto res = Post(Chat("chat"));
    status = res ? res->status : -1;
  });
  for (int i = 0; i < 200 && a_.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::ofstream(path) << "models: {b: {upstream: {base_url: '" + b_.base_url() + "'}}}\n";
  ASSERT_TRUE(gateway_->Reload(path).ok());
  EXPECT_EQ(Post(Chat("chat"))->status, 404);
  slow.join();
  EXPECT_EQ(status, 200);
}

TEST_F(GatewayTest, AdminDrainsResumesAndListsTargets) {
  StartGateway(Yaml("admin_key: adm\n"));
  httplib::Client client("127.0.0.1", port_);
  EXPECT_EQ(client.Get("/admin/models")->status, 401);
  httplib::Headers admin = {{"Authorization", "Bearer adm"}};
  EXPECT_EQ(client.Post("/admin/models/a/drain", admin, "", "application/json")->status, 200);
  auto res = Post(Chat("chat"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "b");  // a is out of rotation
  EXPECT_TRUE(a_.requests().empty());
  auto list = client.Get("/admin/models", admin);
  ASSERT_TRUE(list);
  nlohmann::json models = nlohmann::json::parse(list->body)["models"];
  ASSERT_EQ(models[0]["model"], "a");
  EXPECT_EQ(models[0]["draining"], true);
  EXPECT_EQ(models[0]["kind"], "upstream");
  EXPECT_EQ(client.Post("/admin/models/a/resume", admin, "", "application/json")->status, 200);
  EXPECT_EQ(Post(Chat("chat"))->get_header_value("x-ingot-target"), "a");
}

TEST_F(GatewayTest, ReusesUpstreamConnectionsAndSurvivesTheirClosing) {
  StartGateway(Yaml());
  for (int i = 0; i < 12; ++i) {  // streams and plain answers over the pooled connection
    auto res = Post(Chat("b", i % 2 == 1));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
  // The fake closes idle connections after 1 s, the pool keeps them for 2 s: the next request finds its pooled
  // connection closed by the peer and retries on a new one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto res = Post(Chat("b"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

}  // namespace
}  // namespace ingot::gateway
