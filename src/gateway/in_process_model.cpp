// InProcessModel: server::HttpServer (not listening) + engine::LoadEngine + server::MakeServedModel.
#include "gateway/in_process_model.h"

#include "engine/load.h"
#include "gateway/local_process.h"
#include "server/http_server.h"
#include "server/served_model.h"

namespace ingot::gateway {

Result<std::unique_ptr<LocalModel>> StartLocalModel(const std::string& local_binary, const ModelSpec& model) {
  if (!model.local) return InvalidArgument("model '" + model.name + "' is not local");
  if (!local_binary.empty()) {
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<LocalProcess> process, LocalProcess::Spawn(local_binary, model));
    return std::unique_ptr<LocalModel>(std::move(process));
  }
  return std::unique_ptr<LocalModel>(std::make_unique<InProcessModel>(model));
}

InProcessModel::InProcessModel(ModelSpec spec)
    : spec_(std::move(spec)), server_(std::make_unique<server::HttpServer>(server::ServerOptions{})) {}

InProcessModel::~InProcessModel() { server_->Stop(); }

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

}  // namespace ingot::gateway
