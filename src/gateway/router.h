// The gateway's decision-only state machine: which target serves a request (health, circuit breaker, fallback
// order), when a local model loads and which idle ones are evicted (LRU under the memory budget, pinned never,
// idle TTL counted from last use with nothing in flight), the per-model concurrency limit with a bounded queue,
// and per-client rate limits. It never blocks, sleeps or opens sockets: time comes in as an argument and every
// side effect goes out through RouterEffects, so tests drive it synchronously with a recording fake.
// Not thread-safe: the HTTP front serialises calls with one mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "util/status.h"

namespace ingot::gateway {

using RequestId = uint64_t;

// Side effects the router asks for. Calls happen inside Router methods, under the caller's lock.
class RouterEffects {
 public:
  virtual ~RouterEffects() = default;
  virtual void StartModel(const std::string& model) = 0;  // answer with Router::OnModelLoaded
  virtual void StopModel(const std::string& model) = 0;
  virtual void Wake(RequestId id) = 0;                    // a queued request may run (its Acquire succeeded)
  virtual void Fail(RequestId id, const Status& status) = 0;  // a queued request cannot run (load failed)
  // Counters: "fallback", "circuit_open", "circuit_half_open", "circuit_closed", "load", "unload", "rejected",
  // "drain".
  virtual void Count(const std::string& event, const std::string& model) = 0;
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };
enum class LoadState { kUnloaded, kLoading, kLoaded };

const char* CircuitName(CircuitState state);
const char* LoadStateName(LoadState state);

// Why a request may not proceed, as the HTTP edge reports it.
struct Refusal {
  int http_status = 0;       // 401, 403, 404, 429, 503
  std::string type;          // OpenAI error type
  std::string message;
  double retry_after_seconds = 0;
};

struct Admission {
  bool ok = false;
  Refusal refusal;                   // when !ok
  const RouteSpec* route = nullptr;  // when ok; valid while Router::shared_config() is held
  std::vector<std::string> targets;  // when ok: candidates to try in order (open circuits left out)
};

enum class AcquireResult { kRun, kQueued, kRejected, kNoMemory, kDraining };

struct ModelStatus {
  LoadState load = LoadState::kLoaded;  // upstreams are always "loaded"
  CircuitState circuit = CircuitState::kClosed;
  int in_flight = 0;
  size_t queued = 0;
  double last_used = 0;
  bool draining = false;
};

class Router {
 public:
  Router(const GatewayConfig& config, RouterEffects& effects);

  // Replaces the configuration (hot reload). State of models that remain is kept; removed models stop.
  void Reconfigure(const GatewayConfig& config);
  const GatewayConfig& config() const { return *config_; }
  // The current configuration, kept alive for a request while a reload replaces it (Admission::route points
  // into it).
  std::shared_ptr<const GatewayConfig> shared_config() const { return config_; }

  // Authentication, route lookup, client route permission and rate limits (the request is counted against the
  // client's rpm and estimated tokens against tpm). api_key is the bearer token ("" when none).
  Admission Admit(const std::string& api_key, const std::string& model, int64_t estimated_tokens, double now);

  // Takes a concurrency slot on `model` for request `id`: kRun (go now), kQueued (wait for Wake; a cold local
  // model starts loading, evicting idle ones as needed), kRejected (queue full: 429 with retry_after_seconds())
  // kNoMemory (the model cannot fit even after evicting every idle model: 503) or kDraining (the admin drained it
  // since Admit: fall back).
  AcquireResult Acquire(RequestId id, const std::string& model, double now);
  // A queued request gave up (client left, queue timeout).
  void Abandon(RequestId id, const std::string& model);
  // The request that held a slot finished. `failed`: the target failed (connect error, 5xx, timeout) and counts
  // towards its circuit breaker; success closes a half-open circuit.
  void Release(RequestId id, const std::string& model, bool failed, double now);
  // An active health probe's answer: a failed probe opens the circuit, a good one closes it.
  void OnProbe(const std::string& model, bool healthy, double now);
  // Counts a fallback from one target to the next.
  void NoteFallback(const std::string& from_model);
  // Tokens actually used, added to the client's tpm window.
  void AddTokens(const std::string& api_key, int64_t tokens, double now);
  // The client finished a request (frees its concurrency slot).
  void ClientDone(const std::string& api_key);

  // Admin: loads a local model now (evicting idle ones as needed). Not-found / unsupported for other models,
  // resource-exhausted when it cannot fit; ok when it is already loaded or loading.
  ingot::Status RequestLoad(const std::string& model, double now);
  // Admin: unloads an idle local model. Unavailable while it has requests in flight or queued.
  ingot::Status RequestUnload(const std::string& model);
  // Admin: takes a model out of rotation: routes skip it (falling back to their next target), requests already
  // running or queued finish, and a local model unloads once it is idle. Stays drained until Resume (or a load).
  ingot::Status RequestDrain(const std::string& model);
  ingot::Status RequestResume(const std::string& model);

  void OnModelLoaded(const std::string& model, const Status& status, double now);
  // Idle TTL: unloads local models unused for their ttl with nothing in flight or queued.
  void Tick(double now);

  ModelStatus Inspect(const std::string& model) const;
  uint64_t ResidentBytes() const;
  double retry_after_seconds() const { return config_->retry_after_seconds; }

 private:
  struct ModelState {
    LoadState load = LoadState::kUnloaded;
    CircuitState circuit = CircuitState::kClosed;
    int consecutive_failures = 0;
    double open_until = 0;
    bool probe_in_flight = false;  // half-open: one request tests the target
    bool draining = false;         // admin drain: no new requests
    int in_flight = 0;
    std::deque<RequestId> queue;
    double last_used = 0;
  };
  struct ClientState {
    std::deque<double> request_times;                    // within the last minute
    std::deque<std::pair<double, int64_t>> token_times;  // (time, tokens) within the last minute
    int in_flight = 0;
  };

  bool IsLocal(const std::string& model) const;
  bool CircuitAllows(const std::string& model, ModelState& state, double now);
  bool MakeRoom(const std::string& model);
  void Unload(const std::string& model, ModelState& state);
  void Dispatch(const std::string& model, ModelState& state, double now);
  void FinishDrain(const std::string& model, ModelState& state);
  static void Prune(ClientState& client, double now);

  std::shared_ptr<const GatewayConfig> config_;
  RouterEffects& effects_;
  std::map<std::string, ModelState> models_;
  std::map<std::string, ClientState> clients_;  // by API key
};

}  // namespace ingot::gateway
