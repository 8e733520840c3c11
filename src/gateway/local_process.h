// A local GGUF model served by a child `ingot serve` process on a loopback port (the server's own request
// handling, reused whole; llama-swap runs its models the same way). Spawned on demand by the gateway, ready when
// its /health answers 200, stopped with SIGTERM (then SIGKILL after a grace period).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/local_model.h"
#include "util/status.h"

namespace ingot::gateway {

class LocalProcess : public LocalModel {
 public:
  // Starts `<binary> serve <path> --host 127.0.0.1 --port <free port> --alias <name> [--ctx-size, --parallel,
  // --threads, --kv-type]` with a random INGOT_API_KEY. `binary` empty: this executable.
  static Result<std::unique_ptr<LocalProcess>> Spawn(const std::string& binary, const ModelSpec& model);
  ~LocalProcess() override;  // Stop()
  LocalProcess(const LocalProcess&) = delete;
  LocalProcess& operator=(const LocalProcess&) = delete;

  // Polls /health until 200, the process exits, `cancel` is set or `timeout_seconds` pass.
  Status WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) override;
  void Stop();
  int port() const { return port_; }
  // The upstream the proxy talks to.
  std::optional<UpstreamSpec> upstream() const override;

 private:
  LocalProcess(pid_t pid, int port, std::string name, std::string key)
      : pid_(pid), port_(port), name_(std::move(name)), key_(std::move(key)) {}
  pid_t pid_ = -1;
  int port_ = 0;
  std::string name_;
  std::string key_;  // INGOT_API_KEY of the child: only the gateway may call it
};

}  // namespace ingot::gateway
