// A local GGUF model served inside the gateway's process: the engine (engine::LoadEngine) behind the server's
// own HTTP front (server::HttpServer: request parsing, chat templates, SSE, cancellation when the connection
// closes) listening on a loopback port that only the gateway calls. Serves 503 until WaitReady has loaded it.
#pragma once

#include <memory>
#include <thread>

#include "gateway/local_model.h"

namespace ingot::server {
class HttpServer;
}

namespace ingot::gateway {

class InProcessModel : public LocalModel {
 public:
  // Binds 127.0.0.1 on a free port and starts serving (503 until loaded).
  static Result<std::unique_ptr<InProcessModel>> Start(const ModelSpec& model);
  ~InProcessModel() override;  // stops the server (ending requests in flight) and releases the engine
  InProcessModel(const InProcessModel&) = delete;
  InProcessModel& operator=(const InProcessModel&) = delete;

  // Loads the engine on this thread (`cancel` is checked before; a load in progress runs to its end).
  Status WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) override;
  UpstreamSpec Upstream() const override;

 private:
  InProcessModel(ModelSpec spec, std::unique_ptr<server::HttpServer> server, int port, std::string key);

  ModelSpec spec_;
  std::string key_;  // the loopback server's API key
  std::unique_ptr<server::HttpServer> server_;
  int port_ = 0;
  std::thread thread_;  // server_->Run()
};

}  // namespace ingot::gateway
