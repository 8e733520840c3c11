// InProcessModel: server::HttpServer on loopback + engine::LoadEngine + server::MakeServedModel.
#include "gateway/in_process_model.h"

#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "engine/load.h"
#include "gateway/local_process.h"
#include "server/http_server.h"
#include "server/served_model.h"

namespace ingot::gateway {

Result<std::unique_ptr<LocalModel>> StartLocalModel(const std::string& local_binary, const ModelSpec& model) {
  if (!local_binary.empty()) {
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<LocalProcess> process, LocalProcess::Spawn(local_binary, model));
    return std::unique_ptr<LocalModel>(std::move(process));
  }
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<InProcessModel> in_process, InProcessModel::Start(model));
  return std::unique_ptr<LocalModel>(std::move(in_process));
}

std::string RandomKey() {
  std::random_device device;
  std::string key;
  char hex[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(hex, sizeof(hex), "%08x", device());
    key += hex;
  }
  return key;
}

InProcessModel::InProcessModel(ModelSpec spec, std::unique_ptr<server::HttpServer> server, int port, std::string key)
    : spec_(std::move(spec)), key_(std::move(key)), server_(std::move(server)), port_(port) {
  thread_ = std::thread([this] { server_->Run(); });
}

Result<std::unique_ptr<InProcessModel>> InProcessModel::Start(const ModelSpec& model) {
  if (!model.local) return InvalidArgument("model '" + model.name + "' is not local");
  server::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  // The gateway limits concurrency (max_concurrent, max_queue); this only needs a thread per connection it opens.
  options.http_threads = std::clamp(model.local->parallel + std::max(model.max_queue, 0) + 8, 16, 512);
  options.api_key = RandomKey();
  std::string key = options.api_key;
  auto server = std::make_unique<server::HttpServer>(options);
  INGOT_ASSIGN_OR_RETURN(int port, server->Bind());
  std::unique_ptr<InProcessModel> out(new InProcessModel(model, std::move(server), port, key));
  // httplib's stop() is a no-op until the listen loop runs: an answer (503 while loading) shows that it does.
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  if (!client.Get("/health")) return Unavailable("the server for '" + model.name + "' did not start listening");
  return out;
}

InProcessModel::~InProcessModel() {
  server_->Stop();
  thread_.join();
}

Status InProcessModel::WaitReady(double /*timeout_seconds*/, const std::atomic<bool>& cancel) {
  if (cancel) return Cancelled("gateway stopping");
  engine::EngineOptions options;
  options.model_path = spec_.local->path;
  options.n_ctx = static_cast<int32_t>(spec_.local->ctx);
  options.n_parallel = spec_.local->parallel;
  options.n_threads = spec_.local->threads;
  if (!spec_.local->kv_type.empty()) options.kv_type = spec_.local->kv_type;
  Result<std::unique_ptr<engine::Engine>> engine = engine::LoadEngine(options);
  if (!engine.ok()) {
    server_->SetLoadError(engine.status());
    return engine.status();
  }
  server::ServedModelSettings settings{spec_.local->path, "", spec_.name, ""};
  Result<std::unique_ptr<server::ServedModel>> served = server::MakeServedModel(settings, std::move(engine).value());
  if (!served.ok()) {
    server_->SetLoadError(served.status());
    return served.status();
  }
  server_->SetModel(std::move(served).value());
  return Status::Ok();
}

UpstreamSpec InProcessModel::Upstream() const {
  UpstreamSpec up;
  up.base_url = "http://127.0.0.1:" + std::to_string(port_);
  up.model = spec_.name;
  up.api_key = key_;
  up.connect_timeout_seconds = 5;
  up.read_timeout_seconds = 3600;
  return up;
}

}  // namespace ingot::gateway
