// GatewayServer: wires the HTTP routes to the router, the proxy handler and the status endpoints.
#include "gateway/gateway_server.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

#include "gateway/gateway_state.h"
#include "gateway/planned_memory.h"
#include "server/http_server.h"
#include "util/log.h"

namespace ingot::gateway {

void FrontEffects::Wake(RequestId id) {
  auto it = waiters.find(id);
  if (it == waiters.end()) return;
  it->second.woken = true;
  cv.notify_all();
}

void FrontEffects::Fail(RequestId id, const Status& status) {
  auto it = waiters.find(id);
  if (it == waiters.end()) return;
  it->second.failed = true;
  it->second.error = status.message();
  cv.notify_all();
}

GatewayState::GatewayState(GatewayConfig config) : router(config, effects) {}

double GatewayState::Now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void GatewayState::SettleLoads() {
  std::vector<std::string> stops, loads;
  stops.swap(effects.pending_stops);
  loads.swap(effects.pending_loads);
  for (const std::string& model : stops) {
    auto it = locals.find(model);
    if (it == locals.end()) continue;
    LogInfo("gateway: unloading " + model);
    if (std::optional<UpstreamSpec> upstream = it->second->upstream()) pool.Drop(*upstream);
    workers.emplace_back([this, model, process = std::move(it->second)]() mutable {
      auto start = std::chrono::steady_clock::now();
      process.reset();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics.Observe("ingot_gateway_unload_seconds", model, seconds);
    });
    locals.erase(it);
  }
  for (const std::string& model : loads) {
    auto spec = router.config().models.find(model);
    if (spec == router.config().models.end()) continue;
    LogInfo("gateway: loading " + model);
    workers.emplace_back([this, spec = spec->second, binary = router.config().local_binary,
                          timeout = router.config().load_timeout_seconds] {
      auto start = std::chrono::steady_clock::now();
      Result<std::unique_ptr<LocalModel>> process = StartLocalModel(binary, spec);
      Status status = process.ok() ? (*process)->WaitReady(timeout, cancel_loads) : process.status();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::unique_ptr<LocalModel> failed;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (status.ok()) {
          locals[spec.name] = std::move(process).value();
        } else if (process.ok()) {
          failed = std::move(process).value();
        }
        router.OnModelLoaded(spec.name, status, Now());
      }
      if (status.ok()) {
        metrics.Observe("ingot_gateway_load_seconds", spec.name, seconds);
        LogInfo("gateway: " + spec.name + " ready in " + std::to_string(seconds) + " s");
      } else {
        LogError("gateway: loading " + spec.name + " failed: " + status.ToString());
      }
    });
  }
}

std::shared_ptr<LocalModel> GatewayState::Local(const std::string& model) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = locals.find(model);
  return it == locals.end() ? nullptr : it->second;
}

void GatewayState::ShutdownLocals() {
  cancel_loads = true;
  pool.DropAll();
  std::vector<std::thread> running;
  {
    std::lock_guard<std::mutex> lock(mu);
    running.swap(workers);
  }
  for (std::thread& t : running) t.join();
  std::map<std::string, std::shared_ptr<LocalModel>> processes;
  {
    std::lock_guard<std::mutex> lock(mu);
    processes.swap(locals);
  }
  processes.clear();
}

void GatewayState::Track(const std::shared_ptr<UpstreamCall>& call) {
  std::lock_guard<std::mutex> lock(calls_mu);
  calls.erase(std::remove_if(calls.begin(), calls.end(), [](const auto& c) { return c.expired(); }), calls.end());
  calls.push_back(call);
}

void GatewayState::CancelAll() {
  {
    std::lock_guard<std::mutex> lock(calls_mu);
    for (const auto& weak : calls) {
      if (auto call = weak.lock()) call->Cancel();
    }
  }
  // In-process generations run on the HTTP threads that http.stop() waits for: end them too.
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [name, model] : locals) {
    if (server::HttpServer* server = model->server()) server->Stop();
  }
}

bool GatewayState::SleepUnlessStopping(double seconds) {
  std::unique_lock<std::mutex> lock(probe_mu);
  auto wait = std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  return !probe_cv.wait_for(lock, wait, [this] { return stopping; });
}

void GatewayState::ProbeLoop() {
  constexpr double kIdleCheck = 0.25;  // how soon a health_interval set by a reload takes effect
  while (true) {
    double interval = 0;
    std::vector<std::pair<std::string, UpstreamSpec>> upstreams;
    {
      std::lock_guard<std::mutex> lock(mu);
      interval = router.config().health_interval_seconds;
      for (const auto& [name, spec] : router.config().models) {
        if (spec.upstream) upstreams.emplace_back(name, *spec.upstream);
      }
    }
    if (!SleepUnlessStopping(interval > 0 ? interval : kIdleCheck)) return;
    if (interval <= 0) continue;
    for (const auto& [name, upstream] : upstreams) {
      bool healthy = ProbeUpstream(upstream, name);
      std::lock_guard<std::mutex> lock(mu);
      router.OnProbe(name, healthy, Now());
    }
  }
}

void GatewayState::MaintenanceLoop() {
  constexpr double kPeriod = 0.25;
  while (SleepUnlessStopping(kPeriod)) {
    {
      std::lock_guard<std::mutex> lock(mu);
      router.Tick(Now());
      SettleLoads();
    }
    clients.CancelDeparted(Now());
  }
}

namespace {

nlohmann::json ModelsList(GatewayState& state) {
  std::lock_guard<std::mutex> lock(state.mu);
  const GatewayConfig& config = state.router.config();
  nlohmann::json data = nlohmann::json::array();
  for (const auto& [name, route] : config.routes) {
    bool implicit = config.models.count(name) && route.aliases.empty() && route.targets.size() == 1 &&
                    route.targets[0] == name && !route.deprecated;
    nlohmann::json targets = nlohmann::json::array();
    for (const std::string& t : ActiveTargets(route)) {
      ModelStatus s = state.router.Inspect(t);
      targets.push_back({{"model", t},
                         {"state", LoadStateName(s.load)},
                         {"circuit", CircuitName(s.circuit)},
                         {"in_flight", s.in_flight},
                         {"memory_bytes", config.models.at(t).memory_bytes},
                         {"queued", s.queued}});
    }
    nlohmann::json entry = {{"id", name},          {"object", "model"},       {"created", 0},
                            {"owned_by", "ingot"}, {"kind", implicit ? "model" : "route"},
                            {"aliases", route.aliases}, {"targets", targets}, {"rolled_back", route.rollback}};
    entry["status"] = route.deprecated ? "deprecated" : std::string(targets[0]["state"]);
    if (route.deprecated) {
      entry["replacement"] = route.deprecated->replacement;
      entry["sunset"] = route.deprecated->sunset;
    }
    data.push_back(entry);
  }
  return {{"object", "list"}, {"data", data}};
}

// Every model with its live state, and the memory the loaded local ones hold against the budget.
nlohmann::json AdminList(GatewayState& state) {
  std::lock_guard<std::mutex> lock(state.mu);
  const GatewayConfig& config = state.router.config();
  nlohmann::json models = nlohmann::json::array();
  double now = state.Now();
  for (const auto& [name, spec] : config.models) {
    ModelStatus s = state.router.Inspect(name);
    nlohmann::json entry = {{"model", name},
                            {"kind", spec.local ? "local" : "upstream"},
                            {"state", LoadStateName(s.load)},
                            {"circuit", CircuitName(s.circuit)},
                            {"draining", s.draining},
                            {"in_flight", s.in_flight},
                            {"queued", s.queued},
                            {"pinned", spec.pinned},
                            {"memory_bytes", spec.memory_bytes}};
    if (s.last_used > 0) entry["idle_seconds"] = now - s.last_used;
    if (spec.upstream) entry["base_url"] = spec.upstream->base_url;
    if (spec.local) entry["path"] = spec.local->path;
    models.push_back(entry);
  }
  return {{"models", models},
          {"resident_bytes", state.router.ResidentBytes()},
          {"memory_budget_bytes", config.memory_budget_bytes}};
}

std::string RenderMetrics(GatewayState& state) {
  {
    std::lock_guard<std::mutex> lock(state.mu);
    for (const auto& [name, spec] : state.router.config().models) {
      ModelStatus s = state.router.Inspect(name);
      state.metrics.SetGauge("vllm:num_requests_running", name, s.in_flight);
      state.metrics.SetGauge("vllm:num_requests_waiting", name, static_cast<double>(s.queued));
      state.metrics.SetGauge("ingot_gateway_circuit_state", name, static_cast<double>(s.circuit));
      state.metrics.SetGauge("ingot_gateway_model_loaded", name, s.load == LoadState::kLoaded ? 1 : 0);
    }
  }
  return state.metrics.Render();
}

}  // namespace

namespace {

GatewayConfig Planned(GatewayConfig config) {
  FillPlannedMemory(config);
  return config;
}

}  // namespace

GatewayServer::GatewayServer(GatewayConfig config)
    : state_(std::make_unique<GatewayState>(Planned(std::move(config)))) {
  GatewayState& st = *state_;
  const size_t threads = static_cast<size_t>(std::max(1, st.router.config().http_threads));
  st.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  st.http.set_tcp_nodelay(true);  // SSE chunks go out as they come, not held back by Nagle's algorithm
  st.http.set_keep_alive_max_count(1000);  // cpp-httplib's default closes a client's connection every 5 requests
  st.backlog.Install(st.http);
  for (const char* path : {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/apply-template"}) {
    std::string upstream_path = path;
    auto handler = [&st, upstream_path](const httplib::Request& req, httplib::Response& res) {
      HandleProxy(st, upstream_path, req, res);
    };
    st.http.Post(path, handler);
    if (upstream_path.rfind("/v1/", 0) == 0) st.http.Post(upstream_path.substr(3), handler);
  }
  st.http.Get("/v1/models", [&st](const httplib::Request&, httplib::Response& res) {
    res.set_content(ModelsList(st).dump(), "application/json");
  });
  st.http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  st.http.Get("/metrics", [&st](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(st), "text/plain; version=0.0.4");
  });
  // The admin key check: false (with the error written) when the admin API is off or the key is wrong.
  auto admin_allowed = [&st](const httplib::Request& req, httplib::Response& res) {
    std::string key;
    {
      std::lock_guard<std::mutex> lock(st.mu);
      key = st.router.config().admin_key;
    }
    if (key.empty()) {
      SendError(res, 404, "not_found_error", "the admin API is off (no admin_key)");
      return false;
    }
    if (req.get_header_value("Authorization") != "Bearer " + key) {
      SendError(res, 401, "authentication_error", "invalid admin key");
      return false;
    }
    return true;
  };
  auto admin = [&st, admin_allowed](const std::string& action) {
    return [&st, admin_allowed, action](const httplib::Request& req, httplib::Response& res) {
      if (!admin_allowed(req, res)) return;
      std::string model = req.matches[1];
      Status status;
      {
        std::lock_guard<std::mutex> lock(st.mu);
        if (action == "load") status = st.router.RequestLoad(model, st.Now());
        else if (action == "unload") status = st.router.RequestUnload(model);
        else if (action == "drain") status = st.router.RequestDrain(model);
        else status = st.router.RequestResume(model);
        st.SettleLoads();
      }
      if (!status.ok()) {
        int http = status.code() == Code::kNotFound ? 404 : status.code() == Code::kUnavailable ? 409 : 400;
        return SendError(res, http, "gateway_error", status.message());
      }
      LogInfo("gateway: admin " + action + " " + model);
      res.set_content(nlohmann::json({{"model", model}, {"action", action}, {"ok", true}}).dump(), "application/json");
    };
  };
  for (const char* action : {"load", "unload", "drain", "resume"})
    st.http.Post("/admin/models/([^/]+)/" + std::string(action), admin(action));
  st.http.Get("/admin/models", [&st, admin_allowed](const httplib::Request& req, httplib::Response& res) {
    if (admin_allowed(req, res)) res.set_content(AdminList(st).dump(), "application/json");
  });
  st.http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) SendError(res, 404, "not_found_error", "no route for " + req.path);
  });
}

GatewayServer::~GatewayServer() = default;

Result<int> GatewayServer::Bind() {
  std::string host;
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    host = state_->router.config().host;
    port = state_->router.config().port;
  }
  if (port == 0) {
    port = state_->http.bind_to_any_port(host);
    if (port <= 0) return Unavailable("cannot listen on " + host);
  } else if (!state_->http.bind_to_port(host, port)) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  state_->backlog.Widen();
  return port;
}

void GatewayServer::Run() {
  state_->run_phase = 1;
  std::thread prober([this] { state_->ProbeLoop(); });
  std::thread maintenance([this] { state_->MaintenanceLoop(); });
  if (!state_->stop_requested) state_->http.listen_after_bind();
  {
    std::lock_guard<std::mutex> lock(state_->probe_mu);
    state_->stopping = true;
  }
  state_->probe_cv.notify_all();
  prober.join();
  maintenance.join();
  state_->ShutdownLocals();
  state_->run_phase = 2;
}

void GatewayServer::Stop() {
  GatewayState& st = *state_;
  st.stop_requested = true;
  st.CancelAll();
  // httplib's stop() is a no-op until listening began: wait for that when Run() is on its way there.
  while (st.run_phase == 1 && !st.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  st.http.stop();
}

void GatewayServer::Apply(GatewayConfig config) {
  FillPlannedMemory(config);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->router.Reconfigure(config);
  state_->SettleLoads();
}

Status GatewayServer::Reload(const std::string& path, const LocalPathResolver& resolve) {
  Result<GatewayConfig> config = LoadConfigFile(path, resolve);
  if (!config.ok()) {
    LogError("gateway: reload rejected, keeping the old configuration: " + config.status().ToString());
    return config.status();
  }
  Apply(std::move(config).value());
  LogInfo("gateway: configuration reloaded from " + path);
  return Status::Ok();
}

}  // namespace ingot::gateway
