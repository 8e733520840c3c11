// The gateway's HTTP front (cpp-httplib): one OpenAI-compatible endpoint in front of the configured routes.
// /v1/chat/completions, /v1/completions, /v1/embeddings and /apply-template are admitted by the Router (API key,
// route, rate limits, circuit state), get the route's defaults merged in, and are proxied to the route's targets
// in order: a connect error, timeout, 5xx or 429 before the first byte falls back to the next target; once bytes
// were sent, a failure ends the stream with an error event. Streams pass through chunk by chunk and a client that
// disconnects closes the upstream request. /v1/models lists routes and models with their state, /health and
// /metrics report on the gateway. With an admin_key, GET /admin/models lists every model's state and
// POST /admin/models/NAME/load|unload|drain|resume act on one. Upstream connections are kept alive and reused.
// Reload() swaps the configuration; requests in flight finish on the old one.
#pragma once

#include <memory>
#include <string>

#include "gateway/config.h"
#include "util/status.h"

namespace ingot::gateway {

struct GatewayState;

class GatewayServer {
 public:
  explicit GatewayServer(GatewayConfig config);
  ~GatewayServer();  // Run() must have returned
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds host:port from the config (port 0: any free port); returns the port.
  Result<int> Bind();
  void Run();   // serves until Stop()
  void Stop();  // thread-safe

  // Replaces the configuration. Never fails half-way: an invalid config is rejected before anything changes.
  void Apply(GatewayConfig config);
  // Loads `path` and applies it; on error the old configuration stays and the error is returned (and logged).
  Status Reload(const std::string& path, const LocalPathResolver& resolve = {});

 private:
  std::unique_ptr<GatewayState> state_;
};

}  // namespace ingot::gateway
