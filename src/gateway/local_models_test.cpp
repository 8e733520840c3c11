// Local models behind the gateway: in-process (stories260K: load on demand, streaming, cancellation, unload
// metrics) and as child processes (ingot_fake_upstream standing in for `ingot serve`: eviction under the memory
// budget, idle TTL, admin load/unload, a child that fails to start).
#include <chrono>
#include <thread>

#include "gateway/gateway_test_fixture.h"

namespace ingot::gateway {
namespace {

TEST_F(GatewayTest, LocalModelsLoadOnDemandEvictAndUnloadWhenIdle) {
  StartGateway(LocalYaml(INGOT_FAKE_UPSTREAM));
  EXPECT_EQ(StateOf(port_, "l1"), "unloaded");
  auto first = Post(Chat("l1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->get_header_value("x-ingot-target"), "l1");
  EXPECT_NE(first->body.find("\"model\":\"l1\""), std::string::npos);  // the alias the child serves
  EXPECT_EQ(StateOf(port_, "l1"), "loaded");

  auto second = Post(Chat("l2", true));  // 600 + 600 > 1000: l1 (idle) is evicted
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(StateOf(port_, "l1"), "unloaded");

  std::string state;  // l2's ttl is 0.3 s after last use
  for (int i = 0; i < 300 && state != "unloaded"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    state = StateOf(port_, "l2");
  }
  EXPECT_EQ(state, "unloaded");
}

TEST_F(GatewayTest, LocalModelMemoryComesFromThePlanner) {
  std::string model = std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf";
  StartGateway("listen: {port: 0}\nmodels: {s: {local: {path: '" + model + "', ctx: 256}}}\n");
  httplib::Client client("127.0.0.1", port_);
  nlohmann::json list = nlohmann::json::parse(client.Get("/v1/models")->body);
  ASSERT_EQ(list["data"].size(), 1u);
  uint64_t bytes = list["data"][0]["targets"][0]["memory_bytes"];
  EXPECT_GT(bytes, 1000000u);  // ~1 MiB of weights plus the planner's fixed 64 MiB runtime estimate
}

TEST_F(GatewayTest, LocalModelsRunInProcessByDefault) {
  std::string model = std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf";
  StartGateway("listen: {port: 0}\nadmin_key: adm\nmodels: {s: {local: {path: '" + model +
               "', ctx: 256, parallel: 2, kv_type: f32}}}\n");
  nlohmann::json chat = Chat("s");
  chat["max_tokens"] = 4;
  auto res = Post(chat);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("x-ingot-target"), "s");
  nlohmann::json body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["model"], "s");
  EXPECT_GT(body["usage"]["completion_tokens"].get<int>(), 0);
  chat["stream"] = true;
  auto streamed = Post(chat);
  ASSERT_TRUE(streamed);
  EXPECT_NE(streamed->body.find("[DONE]"), std::string::npos);
  httplib::Client client("127.0.0.1", port_);
  httplib::Headers admin = {{"Authorization", "Bearer adm"}};
  int status = 0;  // 409 until the stream's slot is released, just after its last byte
  for (int i = 0; i < 200 && status != 200; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = client.Post("/admin/models/s/unload", admin, "", "application/json")->status;
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(StateOf(port_, "s"), "unloaded");
  std::string metrics;  // the unload runs on a worker thread
  for (int i = 0;
       i < 200 && metrics.find("ingot_gateway_unload_seconds_count{model_name=\"s\"} 1") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    metrics = client.Get("/metrics")->body;
  }
  EXPECT_NE(metrics.find("ingot_gateway_load_seconds_count{model_name=\"s\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ingot_gateway_unload_seconds_count{model_name=\"s\"} 1"), std::string::npos);
}

TEST_F(GatewayTest, AClientThatLeavesCancelsItsInProcessGeneration) {
  std::string model = std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf";
  StartGateway("listen: {port: 0}\nmodels: {s: {local: {path: '" + model + "', ctx: 32768, parallel: 1}}}\n");
  nlohmann::json chat = Chat("s");
  chat["max_tokens"] = 30000;  // seconds of generation
  chat["ignore_eos"] = true;
  auto start = std::chrono::steady_clock::now();
  {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(0, 500000);  // gives up after 0.5 s (the model loads first) and closes its connection
    client.Post("/v1/chat/completions", chat.dump(), "application/json");
  }
  // The server's own ConnectionWatch finds the client's socket in this process and cancels the sequence: the
  // request ends as 499 long before 30000 tokens.
  httplib::Client client("127.0.0.1", port_);
  std::string metrics;
  const std::string cancelled = "ingot_gateway_requests_total{route=\"s\",target=\"s\",status=\"499\"} 1";
  while (metrics.find(cancelled) == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    metrics = client.Get("/metrics")->body;
  }
  EXPECT_NE(metrics.find(cancelled), std::string::npos) << metrics;
}

TEST_F(GatewayTest, StopEndsInProcessGenerationsInFlight) {
  std::string model = std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf";
  StartGateway("listen: {port: 0}\nmodels: {s: {local: {path: '" + model + "', ctx: 32768, parallel: 1}}}\n");
  nlohmann::json chat = Chat("s");
  chat["max_tokens"] = 30000;  // seconds of generation
  chat["ignore_eos"] = true;
  std::thread client([&] { Post(chat); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  gateway_->Stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));  // the generation would take longer
  client.join();
}

TEST_F(GatewayTest, AdminLoadsAndUnloadsLocalModels) {
  StartGateway(LocalYaml(INGOT_FAKE_UPSTREAM, "admin_key: adm\n"));
  httplib::Client client("127.0.0.1", port_);
  EXPECT_EQ(client.Post("/admin/models/l1/load", "", "application/json")->status, 401);
  httplib::Headers admin = {{"Authorization", "Bearer adm"}};
  EXPECT_EQ(client.Post("/admin/models/nope/load", admin, "", "application/json")->status, 404);
  EXPECT_EQ(client.Post("/admin/models/l1/load", admin, "", "application/json")->status, 200);
  std::string state;
  for (int i = 0; i < 300 && state != "loaded"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    state = StateOf(port_, "l1");
  }
  EXPECT_EQ(state, "loaded");
  EXPECT_EQ(client.Post("/admin/models/l1/unload", admin, "", "application/json")->status, 200);
  EXPECT_EQ(StateOf(port_, "l1"), "unloaded");
}

TEST_F(GatewayTest, LocalModelThatFailsToStartAnswers503) {
  StartGateway(LocalYaml("/bin/false"));
  auto res = Post(Chat("l1"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("exited during loading"), std::string::npos) << res->body;
  EXPECT_EQ(StateOf(port_, "l1"), "unloaded");
}

}  // namespace
}  // namespace ingot::gateway
