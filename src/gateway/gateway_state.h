// Internal to the gateway's HTTP front: the state its handlers share (router under one mutex, queue waiters,
// metrics) and the proxy handler that gateway_server.cpp registers.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>
#include <mutex>

#include "gateway/departed_clients.h"
#include "gateway/gateway_metrics.h"
#include "gateway/listen_backlog.h"
#include "gateway/local_model.h"
#include "gateway/router.h"
#include "gateway/upstream_call.h"
#include "gateway/upstream_pool.h"

namespace ingot::gateway {

// The router's effects: wakes queued requests and counts events; model starts and stops are queued here and
// carried out by GatewayState::SettleLoads once the router call has returned.
class FrontEffects : public RouterEffects {
 public:
  explicit FrontEffects(GatewayMetrics& metrics) : metrics_(metrics) {}
  void StartModel(const std::string& model) override { pending_loads.push_back(model); }
  void StopModel(const std::string& model) override { pending_stops.push_back(model); }
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
  std::vector<std::string> pending_stops;  // guarded by GatewayState::mu
  std::condition_variable cv;

 private:
  GatewayMetrics& metrics_;
};

struct GatewayState {
  explicit GatewayState(GatewayConfig config);

  double Now() const;
  // Starts and stops the local models the router asked for (on background threads); call with `mu` held after
  // every router call that may start or stop a model.
  void SettleLoads();
  // A running local model (shared: a request keeps it alive to its end); nullptr when it is not loaded.
  std::shared_ptr<LocalModel> Local(const std::string& model);
  // Ends loads in progress and stops every local model (after the HTTP server stopped).
  void ShutdownLocals();
  // Remembers an upstream call so that CancelAll() (on Stop) can end it.
  void Track(const std::shared_ptr<UpstreamCall>& call);
  // Ends upstream calls and in-process generations in flight.
  void CancelAll();

  std::mutex mu;
  GatewayMetrics metrics;
  FrontEffects effects{metrics};
  Router router;
  RequestId next_id = 1;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  httplib::Server http;
  ListenBacklog backlog;
  std::atomic<int> run_phase{0};         // 0: Run() not called, 1: running, 2: returned
  std::atomic<bool> stop_requested{false};
  // The active health prober (runs while the server runs; wakes every health_interval).
  void ProbeLoop();
  // Idle TTL unloads and clients that left (runs while the server runs, every 250 ms).
  void MaintenanceLoop();
  // False when Stop() came first.
  bool SleepUnlessStopping(double seconds);
  DepartedClients clients;
  std::mutex probe_mu;
  std::condition_variable probe_cv;
  bool stopping = false;  // guarded by probe_mu

  std::map<std::string, std::shared_ptr<LocalModel>> locals;  // running local models, guarded by mu
  std::vector<std::thread> workers;                               // loads and stops, guarded by mu
  std::atomic<bool> cancel_loads{false};

  UpstreamPool pool;  // keep-alive connections to upstreams (and local model servers)
  std::mutex calls_mu;
  std::vector<std::weak_ptr<UpstreamCall>> calls;  // guarded by calls_mu
};

// POST handler for the proxied endpoints (`path` is the request path sent upstream).
void HandleProxy(GatewayState& state, const std::string& path, const httplib::Request& req, httplib::Response& res);

// Writes the OpenAI error body {"error":{"message","type","code"}} (plus Retry-After when > 0).
void SendError(httplib::Response& res, int status, const std::string& type, const std::string& message,
               double retry_after_seconds = 0);

}  // namespace ingot::gateway
