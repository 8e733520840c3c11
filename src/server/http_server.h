// The OpenAI-compatible HTTP server (cpp-httplib): routes, API-key check, health while loading, metrics, and
// the generation endpoints that adapt engine callbacks to JSON / SSE. Listens before the model is ready:
// until SetModel() every model endpoint answers 503 and /health reports loading.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "chat/reasoning.h"
#include "engine/engine.h"
#include "server/metrics.h"
#include "server/model_text.h"
#include "util/status.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ingot::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                     // 0: any free port (see Bind)
  std::string api_key;                 // empty: no authentication
  bool metrics = false;                // expose GET /metrics
  double timeout_seconds = 0;          // per-request generation limit; 0: none
  size_t max_body_bytes = 8u << 20;    // larger request bodies get 413
  int http_threads = 32;               // concurrent connections served (streams hold one each)
  chat::ReasoningFormat reasoning_format = chat::ReasoningFormat::kAuto;
};

// The loaded model and what the server needs around it.
struct ServedModel {
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<TextCodec> codec;
  std::unique_ptr<PromptRenderer> renderer;
  std::string id;                      // reported in responses and /v1/models (alias or file name)
  std::vector<std::string> names;      // accepted in a request's `model` (alias, file name, general.name)
};

struct ServerState;

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();  // stops serving, then releases the model; Run() must have returned
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port (useful with port 0).
  Result<int> Bind();
  // Serves until Stop(). Call after a successful Bind().
  void Run();
  // Thread-safe; in-flight generations are cancelled and their streams end.
  void Stop();

  // Serves one POST on the caller's thread as if it had arrived on `path` (/v1/chat/completions,
  // /v1/completions, /v1/embeddings, /apply-template; 404 otherwise), without this server's socket or API key:
  // the gateway's in-process models. `req`'s addresses name the real client's connection, so that a client
  // that leaves is noticed as on a socket of this server. Thread-safe.
  void Handle(const std::string& path, const httplib::Request& req, httplib::Response& res);

  // Makes the server ready. Call once.
  void SetModel(std::unique_ptr<ServedModel> model);
  // Loading failed: /health answers 500 with the error from now on.
  void SetLoadError(const Status& status);

  const ServedModel* model() const;

 private:
  std::unique_ptr<ServerState> state_;
};

}  // namespace ingot::server
