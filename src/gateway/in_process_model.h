// A local GGUF model served inside the gateway's process: the engine (engine::LoadEngine) behind the server's
// own OpenAI handlers (server::HttpServer::Handle: request parsing, chat templates, SSE, cancellation when the
// client's connection closes), called on the proxy's thread with no socket in between. Answers 503 until
// WaitReady has loaded it.
#pragma once

#include <memory>

#include "gateway/local_model.h"

namespace ingot::gateway {

class InProcessModel : public LocalModel {
 public:
  explicit InProcessModel(ModelSpec spec);
  ~InProcessModel() override;  // ends requests in flight and releases the engine
  InProcessModel(const InProcessModel&) = delete;
  InProcessModel& operator=(const InProcessModel&) = delete;

  // Loads the engine on this thread (`cancel` is checked before; a load in progress runs to its end).
  Status WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) override;
  server::HttpServer* server() override { return server_.get(); }

 private:
  ModelSpec spec_;
  std::unique_ptr<server::HttpServer> server_;  // never listens: only Handle() is used
};

}  // namespace ingot::gateway
