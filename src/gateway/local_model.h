// A local model the gateway serves: in this process by default (InProcessModel: the engine behind the server's
// own OpenAI handlers, called on the proxy's thread), or as a child `ingot serve` when `local_binary` is set
// (LocalProcess: crash isolation, another build; reached over a kept-alive loopback connection with a random API
// key that only the gateway knows).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "gateway/config.h"
#include "util/status.h"

namespace ingot::server {
class HttpServer;
}

namespace ingot::gateway {

class LocalModel {
 public:
  virtual ~LocalModel() = default;  // stops serving and releases the model
  // Blocks until the model serves requests; fails when loading fails, `cancel` is set or the time is up.
  virtual Status WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) = 0;
  // How the proxy reaches it: a child's loopback server as an upstream, or (in-process) the server whose
  // Handle() serves a request on the caller's thread. Exactly one is set.
  virtual std::optional<UpstreamSpec> upstream() const { return std::nullopt; }
  virtual server::HttpServer* server() { return nullptr; }
};

// Starts serving `model` (loading happens in WaitReady): a child `<local_binary> serve ...` when local_binary is
// set, else in this process.
Result<std::unique_ptr<LocalModel>> StartLocalModel(const std::string& local_binary, const ModelSpec& model);

// 128 random bits as hex, for the API keys of child processes' loopback servers.
std::string RandomKey();

}  // namespace ingot::gateway
