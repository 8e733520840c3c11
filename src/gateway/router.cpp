// The gateway router's decisions (see router.h). Every time is seconds on the caller's monotonic clock.
#include "gateway/router.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ingot::gateway {
namespace {

constexpr double kMinute = 60.0;

Refusal MakeRefusal(int status, std::string type, std::string message, double retry_after = 0) {
  return Refusal{status, std::move(type), std::move(message), retry_after};
}

}  // namespace

const char* CircuitName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "closed";
}

const char* LoadStateName(LoadState state) {
  switch (state) {
    case LoadState::kUnloaded: return "unloaded";
    case LoadState::kLoading: return "loading";
    case LoadState::kLoaded: return "loaded";
  }
  return "unloaded";
}

Router::Router(const GatewayConfig& config, RouterEffects& effects)
    : config_(std::make_shared<const GatewayConfig>(config)), effects_(effects) {}

void Router::Reconfigure(const GatewayConfig& config) {
  std::vector<std::string> removed;
  for (auto& [name, state] : models_) {
    if (!config.models.count(name) && IsLocal(name) && state.load != LoadState::kUnloaded) removed.push_back(name);
  }
  for (const std::string& name : removed) Unload(name, models_[name]);
  config_ = std::make_shared<const GatewayConfig>(config);
}

bool Router::IsLocal(const std::string& model) const {
  auto it = config_->models.find(model);
  return it != config_->models.end() && it->second.local.has_value();
}

void Router::Prune(ClientState& client, double now) {
  while (!client.request_times.empty() && now - client.request_times.front() >= kMinute)
    client.request_times.pop_front();
  while (!client.token_times.empty() && now - client.token_times.front().first >= kMinute)
    client.token_times.pop_front();
}

bool Router::CircuitAllows(const std::string& model, ModelState& state, double now) {
  if (state.circuit == CircuitState::kOpen && now >= state.open_until) {
    state.circuit = CircuitState::kHalfOpen;
    state.probe_in_flight = false;
    effects_.Count("circuit_half_open", model);
  }
  if (state.circuit == CircuitState::kOpen) return false;
  if (state.circuit == CircuitState::kHalfOpen) return !state.probe_in_flight;
  return true;
}

Admission Router::Admit(const std::string& api_key, const std::string& model, int64_t estimated_tokens, double now) {
  Admission out;
  const ClientSpec* client = nullptr;
  if (!config_->clients.empty()) {
    client = config_->FindClient(api_key);
    if (client == nullptr) {
      out.refusal = MakeRefusal(401, "authentication_error", "invalid or missing API key");
      return out;
    }
  }
  const RouteSpec* route = config_->FindRoute(model);
  if (route == nullptr) {
    out.refusal = MakeRefusal(404, "not_found_error", "the model '" + model + "' does not exist");
    return out;
  }
  if (client != nullptr && !client->routes.empty() &&
      std::find(client->routes.begin(), client->routes.end(), route->name) == client->routes.end()) {
    out.refusal = MakeRefusal(403, "permission_error",
                              "client '" + client->name + "' may not use the model '" + model + "'");
    return out;
  }
  double soonest_open = std::numeric_limits<double>::infinity();
  for (const std::string& target : ActiveTargets(*route)) {
    ModelState& state = models_[target];
    if (state.draining) continue;
    if (CircuitAllows(target, state, now)) {
      out.targets.push_back(target);
    } else if (state.circuit == CircuitState::kOpen) {
      soonest_open = std::min(soonest_open, state.open_until - now);
    }
  }
  if (out.targets.empty()) {
    double retry = std::isinf(soonest_open) ? config_->retry_after_seconds : std::max(1.0, soonest_open);
    out.refusal = MakeRefusal(503, "gateway_error", "every target of '" + route->name + "' is unavailable", retry);
    return out;
  }
  if (client != nullptr) {
    ClientState& cs = clients_[client->api_key];
    Prune(cs, now);
    if (client->rpm > 0 && cs.request_times.size() >= static_cast<size_t>(client->rpm)) {
      out.refusal =
          MakeRefusal(429, "rate_limit_error", "client '" + client->name + "' is over its requests per minute",
                      std::max(1.0, kMinute - (now - cs.request_times.front())));
      out.targets.clear();
      return out;
    }
    int64_t used = 0;
    for (const auto& [t, n] : cs.token_times) used += n;
    if (client->tpm > 0 && used + estimated_tokens > client->tpm) {
      double retry = cs.token_times.empty() ? kMinute : std::max(1.0, kMinute - (now - cs.token_times.front().first));
      out.refusal =
          MakeRefusal(429, "rate_limit_error", "client '" + client->name + "' is over its tokens per minute", retry);
      out.targets.clear();
      return out;
    }
    if (client->max_concurrent > 0 && cs.in_flight >= client->max_concurrent) {
      out.refusal =
          MakeRefusal(429, "rate_limit_error", "client '" + client->name + "' has too many requests in flight",
                      config_->retry_after_seconds);
      out.targets.clear();
      return out;
    }
    cs.request_times.push_back(now);
    if (estimated_tokens > 0) cs.token_times.emplace_back(now, estimated_tokens);
    ++cs.in_flight;
  }
  out.ok = true;
  out.route = route;
  return out;
}

void Router::AddTokens(const std::string& api_key, int64_t tokens, double now) {
  auto it = clients_.find(api_key);
  if (it == clients_.end() || tokens <= 0) return;
  it->second.token_times.emplace_back(now, tokens);
}

void Router::ClientDone(const std::string& api_key) {
  auto it = clients_.find(api_key);
  if (it != clients_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

uint64_t Router::ResidentBytes() const {
  uint64_t total = 0;
  for (const auto& [name, state] : models_) {
    auto it = config_->models.find(name);
    if (it != config_->models.end() && it->second.local && state.load != LoadState::kUnloaded)
      total += it->second.memory_bytes;
  }
  return total;
}

bool Router::MakeRoom(const std::string& model) {
  if (config_->memory_budget_bytes == 0) return true;
  uint64_t need = config_->models.at(model).memory_bytes;
  if (need > config_->memory_budget_bytes) return false;
  while (ResidentBytes() + need > config_->memory_budget_bytes) {
    const std::string* victim = nullptr;
    double oldest = std::numeric_limits<double>::infinity();
    for (auto& [name, state] : models_) {
      auto it = config_->models.find(name);
      if (it == config_->models.end() || !it->second.local || it->second.pinned) continue;
      if (state.load != LoadState::kLoaded || state.in_flight > 0 || !state.queue.empty()) continue;
      if (state.last_used < oldest) {
        oldest = state.last_used;
        victim = &name;
      }
    }
    if (victim == nullptr) return false;
    Unload(*victim, models_[*victim]);
  }
  return true;
}

void Router::Unload(const std::string& model, ModelState& state) {
  state.load = LoadState::kUnloaded;
  effects_.StopModel(model);
  effects_.Count("unload", model);
}

AcquireResult Router::Acquire(RequestId id, const std::string& model, double now) {
  auto spec_it = config_->models.find(model);
  if (spec_it == config_->models.end()) return AcquireResult::kRejected;
  const ModelSpec& spec = spec_it->second;
  ModelState& state = models_[model];
  if (state.draining) return AcquireResult::kDraining;
  bool ready = !spec.local || state.load == LoadState::kLoaded;
  bool slot_free = spec.max_concurrent <= 0 || state.in_flight < spec.max_concurrent;
  if (ready && slot_free && state.queue.empty()) {
    ++state.in_flight;
    state.last_used = now;
    if (state.circuit == CircuitState::kHalfOpen) state.probe_in_flight = true;
    return AcquireResult::kRun;
  }
  if (state.queue.size() >= static_cast<size_t>(std::max(0, spec.max_queue))) {
    effects_.Count("rejected", model);
    return AcquireResult::kRejected;
  }
  if (spec.local && state.load == LoadState::kUnloaded) {
    if (!MakeRoom(model)) return AcquireResult::kNoMemory;
    state.load = LoadState::kLoading;
    effects_.Count("load", model);
    effects_.StartModel(model);
  }
  state.queue.push_back(id);
  return AcquireResult::kQueued;
}

void Router::Abandon(RequestId id, const std::string& model) {
  auto it = models_.find(model);
  if (it == models_.end()) return;
  auto& queue = it->second.queue;
  queue.erase(std::remove(queue.begin(), queue.end(), id), queue.end());
}

void Router::Dispatch(const std::string& model, ModelState& state, double now) {
  auto spec_it = config_->models.find(model);
  if (spec_it == config_->models.end()) return;
  const ModelSpec& spec = spec_it->second;
  if (spec.local && state.load != LoadState::kLoaded) return;
  while (!state.queue.empty() && (spec.max_concurrent <= 0 || state.in_flight < spec.max_concurrent)) {
    RequestId next = state.queue.front();
    state.queue.pop_front();
    ++state.in_flight;
    state.last_used = now;
    effects_.Wake(next);
  }
}

Status Router::RequestLoad(const std::string& model, double now) {
  if (!config_->models.count(model)) return NotFound("no model '" + model + "'");
  if (!IsLocal(model)) return Unsupported("'" + model + "' is an upstream; only local models load");
  ModelState& state = models_[model];
  state.draining = false;
  if (state.load != LoadState::kUnloaded) return Status::Ok();
  if (!MakeRoom(model)) return ResourceExhausted("'" + model + "' does not fit in the memory budget now");
  state.load = LoadState::kLoading;
  state.last_used = now;
  effects_.Count("load", model);
  effects_.StartModel(model);
  return Status::Ok();
}

Status Router::RequestUnload(const std::string& model) {
  if (!config_->models.count(model)) return NotFound("no model '" + model + "'");
  if (!IsLocal(model)) return Unsupported("'" + model + "' is an upstream; only local models unload");
  ModelState& state = models_[model];
  if (state.load == LoadState::kUnloaded) return Status::Ok();
  if (state.load == LoadState::kLoading || state.in_flight > 0 || !state.queue.empty())
    return Unavailable("'" + model + "' is busy");
  Unload(model, state);
  return Status::Ok();
}

Status Router::RequestDrain(const std::string& model) {
  if (!config_->models.count(model)) return NotFound("no model '" + model + "'");
  ModelState& state = models_[model];
  if (!state.draining) effects_.Count("drain", model);
  state.draining = true;
  FinishDrain(model, state);
  return Status::Ok();
}

Status Router::RequestResume(const std::string& model) {
  if (!config_->models.count(model)) return NotFound("no model '" + model + "'");
  models_[model].draining = false;
  return Status::Ok();
}

void Router::FinishDrain(const std::string& model, ModelState& state) {
  if (state.draining && IsLocal(model) && state.load == LoadState::kLoaded && state.in_flight == 0 &&
      state.queue.empty())
    Unload(model, state);
}

void Router::Release(RequestId /*id*/, const std::string& model, bool failed, double now) {
  auto it = models_.find(model);
  if (it == models_.end()) return;
  ModelState& state = it->second;
  if (state.in_flight > 0) --state.in_flight;
  state.last_used = now;
  if (failed) {
    ++state.consecutive_failures;
    bool was_half_open = state.circuit == CircuitState::kHalfOpen;
    if (was_half_open ||
        (state.circuit == CircuitState::kClosed && state.consecutive_failures >= config_->circuit_failures)) {
      state.circuit = CircuitState::kOpen;
      state.open_until = now + config_->circuit_open_seconds;
      effects_.Count("circuit_open", model);
    }
  } else {
    state.consecutive_failures = 0;
    if (state.circuit == CircuitState::kHalfOpen) {
      state.circuit = CircuitState::kClosed;
      effects_.Count("circuit_closed", model);
    }
  }
  state.probe_in_flight = false;
  Dispatch(model, state, now);
  FinishDrain(model, state);
}

void Router::OnProbe(const std::string& model, bool healthy, double now) {
  ModelState& state = models_[model];
  if (!healthy) {
    if (state.circuit != CircuitState::kOpen) effects_.Count("circuit_open", model);
    state.circuit = CircuitState::kOpen;
    state.open_until = now + config_->circuit_open_seconds;
    return;
  }
  state.consecutive_failures = 0;
  if (state.circuit != CircuitState::kClosed) {
    state.circuit = CircuitState::kClosed;
    state.probe_in_flight = false;
    effects_.Count("circuit_closed", model);
  }
}

void Router::NoteFallback(const std::string& from_model) { effects_.Count("fallback", from_model); }

void Router::OnModelLoaded(const std::string& model, const Status& status, double now) {
  auto it = models_.find(model);
  if (it == models_.end()) return;
  ModelState& state = it->second;
  if (status.ok()) {
    state.load = LoadState::kLoaded;
    state.last_used = now;
    Dispatch(model, state, now);
    FinishDrain(model, state);
    return;
  }
  state.load = LoadState::kUnloaded;
  std::deque<RequestId> waiting;
  waiting.swap(state.queue);
  for (RequestId id : waiting) effects_.Fail(id, status);
}

void Router::Tick(double now) {
  for (auto& [name, state] : models_) {
    auto it = config_->models.find(name);
    if (it == config_->models.end() || !it->second.local || it->second.pinned) continue;
    if (state.load != LoadState::kLoaded || state.in_flight > 0 || !state.queue.empty()) continue;
    double ttl = it->second.ttl_seconds >= 0 ? it->second.ttl_seconds : config_->idle_ttl_seconds;
    if (ttl > 0 && now - state.last_used >= ttl) Unload(name, state);
  }
}

ModelStatus Router::Inspect(const std::string& model) const {
  ModelStatus out;
  auto it = models_.find(model);
  bool local = IsLocal(model);
  out.load = local ? LoadState::kUnloaded : LoadState::kLoaded;
  if (it == models_.end()) return out;
  if (local) out.load = it->second.load;
  out.circuit = it->second.circuit;
  out.in_flight = it->second.in_flight;
  out.queued = it->second.queue.size();
  out.last_used = it->second.last_used;
  out.draining = it->second.draining;
  return out;
}

}  // namespace ingot::gateway
