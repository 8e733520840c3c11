// Internal to the gateway's HTTP front: the state its handlers share (router under one mutex, queue waiters,
// metrics) and the proxy handler that gateway_server.cpp registers.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "gateway/gateway_metrics.h"
#include "gateway/router.h"
#include "gateway/upstream_call.h"

namespace ingot::gateway {

// The router's effects: wakes queued requests and counts events. Local models are not served in-process yet, so
// a start request is answered (after the router call returns) with a failed load.
class FrontEffects : public RouterEffects {
 public:
  explicit FrontEffects(GatewayMetrics& metrics) : metrics_(metrics) {}
  void StartModel(const std::string& model) override { pending_loads.push_back(model); }
  void StopModel(const std::string&) override {}
  void Wake(RequestId id) override;
  void Fail(RequestId id, const Status& status) override;
  void Count(const std::string& event, const std::string& model) override { metrics_.CountEvent(event, model); }

  struct Waiter {
    bool woken = false;
    bool failed = false;
    std::string error;
  };
  std::map<RequestId, Waiter> waiters;     // guarded by GatewayState::mu
  std::vector<std::string> pending_loads;  // guarded by GatewayState::mu
  std::condition_variable cv;

 private:
  GatewayMetrics& metrics_;
};

struct GatewayState {
  explicit GatewayState(GatewayConfig config);

  double Now() const;
  // Answers pending model loads; call with `mu` held after every router call that may start a model.
  void SettleLoads();
  // Remembers an upstream call so that CancelAll() (on Stop) can end it.
  void Track(const std::shared_ptr<UpstreamCall>& call);
  void CancelAll();

  std::mutex mu;
  GatewayMetrics metrics;
  FrontEffects effects{metrics};
  Router router;
  RequestId next_id = 1;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  httplib::Server http;
  // The active health prober (runs while the server runs; wakes every health_interval).
  void ProbeLoop();
  std::mutex probe_mu;
  std::condition_variable probe_cv;
  bool stopping = false;  // guarded by probe_mu

  std::mutex calls_mu;
  std::vector<std::weak_ptr<UpstreamCall>> calls;  // guarded by calls_mu
};

// POST handler for the proxied endpoints (`path` is the request path sent upstream).
void HandleProxy(GatewayState& state, const std::string& path, const httplib::Request& req, httplib::Response& res);

// Writes the OpenAI error body {"error":{"message","type","code"}} (plus Retry-After when > 0).
void SendError(httplib::Response& res, int status, const std::string& type, const std::string& message,
               double retry_after_seconds = 0);

}  // namespace ingot::gateway
