// Test fixture of the gateway's HTTP tests: two fake upstreams on loopback, a gateway built from YAML on a free
// port, and helpers for requests, local-model configs and model states.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "gateway/config.h"
#include "gateway/fake_upstream.h"
#include "gateway/gateway_server.h"

namespace ingot::gateway {

// A port nothing listens on: bound without listening, read back, then closed.
inline int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot bind a probe socket";
  }
  close(fd);
  return ntohs(addr.sin_port);
}

inline FakeBehaviour Behave(const std::string& name, int fail_status = 0, double delay = 0, int chunks = 3,
                     double chunk_delay = 0, int break_after = -1) {
  FakeBehaviour b;
  b.name = name;
  b.fail_status = fail_status;
  b.delay_seconds = delay;
  b.stream_chunks = chunks;
  b.chunk_delay_seconds = chunk_delay;
  b.break_after_chunks = break_after;
  return b;
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_.Start().ok());
    ASSERT_TRUE(b_.Start().ok());
  }
  void TearDown() override {
    if (gateway_ && thread_.joinable()) {
      gateway_->Stop();
      thread_.join();
    }
  }

  std::string Yaml(const std::string& extra = "") {
    return "listen: {host: 127.0.0.1, port: 0}\n"
           "models:\n"
           "  a: {upstream: {base_url: '" + a_.base_url() + "/v1', model: real-a, api_key: sk-up-a},\n"
           "      max_concurrent: 1, max_queue: 0}\n"
           "  b: {upstream: {base_url: '" + b_.base_url() + "'}}\n"
           "  down: {upstream: {base_url: 'http://127.0.0.1:" + std::to_string(ClosedPort()) +
           "', connect_timeout: 1}}\n"
           "  slow: {upstream: {base_url: '" + a_.base_url() + "', read_timeout: 0.2}}\n"
           "routes:\n"
           "  chat:\n"
           "    aliases: [default-chat]\n"
           "    targets: [a, b]\n"
           "    defaults: {chat_template_kwargs: {enable_thinking: false}}\n"
           "    max_tokens: 100\n"
           "  via-down: {targets: [down, b]}\n"
           "  old: {targets: [b], deprecated: {replacement: chat, sunset: '2026-12-31'}}\n"
           "  slow-first: {targets: [slow, b]}\n" + extra;
  }

  void StartGateway(const std::string& yaml) {
    auto config = ParseConfig(yaml);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    gateway_ = std::make_unique<GatewayServer>(*config);
    auto port = gateway_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { gateway_->Run(); });
  }

  httplib::Result Post(const nlohmann::json& body, const std::string& key = "",
                       const std::string& path = "/v1/chat/completions") {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    return client.Post(path.c_str(), headers, body.dump(), "application/json");
  }

  static nlohmann::json Chat(const std::string& model, bool stream = false) {
    return {{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  }

  FakeUpstream a_{Behave("a")};
  FakeUpstream b_{Behave("b")};
  std::unique_ptr<GatewayServer> gateway_;
  std::thread thread_;
  int port_ = 0;
};

// Local models run as child `serve` processes; ingot_fake_upstream stands in for `ingot serve`.
inline std::string LocalYaml(const std::string& binary, const std::string& extra = "") {
  return "listen: {host: 127.0.0.1, port: 0}\n"
         "local_binary: " + binary + "\n"
         "memory_budget: 1000\n"
         "load_timeout: 10\n"
         "models:\n"
         "  l1: {local: {path: /models/one.gguf, ctx: 512}, memory: 600}\n"
         "  l2: {local: {path: /models/two.gguf}, memory: 600, ttl: 0.3}\n" + extra;
}

inline std::string StateOf(int port, const std::string& model) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/v1/models");
  if (!res) return "";
  nlohmann::json list = nlohmann::json::parse(res->body);
  for (const auto& m : list["data"]) {
    if (m["id"] == model) return m["targets"][0]["state"];
  }
  return "";
}

}  // namespace ingot::gateway
