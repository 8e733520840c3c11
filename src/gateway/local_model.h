// A local model the gateway serves: in this process by default (InProcessModel: the engine and the server's own
// OpenAI handling on a loopback port), or as a child `ingot serve` when `local_binary` is set (LocalProcess:
// crash isolation, another build). Either way the proxy reaches it as an upstream over a kept-alive loopback
// connection, so requests, streaming, cancellation and errors take one path for local and remote targets.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "gateway/config.h"
#include "util/status.h"

namespace ingot::gateway {

class LocalModel {
 public:
  virtual ~LocalModel() = default;  // stops serving and releases the model
  // Blocks until the model serves requests; fails when loading fails, `cancel` is set or the time is up.
  virtual Status WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) = 0;
  // Where the proxy sends the model's requests.
  virtual UpstreamSpec Upstream() const = 0;
};

// Starts serving `model` (loading happens in WaitReady): a child `<local_binary> serve ...` when local_binary is
// set, else in this process. Either way the loopback server requires a random API key that only the gateway
// knows, so that other local processes cannot bypass its keys and limits.
Result<std::unique_ptr<LocalModel>> StartLocalModel(const std::string& local_binary, const ModelSpec& model);

// 128 random bits as hex, for the loopback servers' API keys.
std::string RandomKey();

}  // namespace ingot::gateway
