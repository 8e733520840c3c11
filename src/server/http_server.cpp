// HTTP routes of `ingot serve`: setup, authentication, health, models, metrics, tokenize/detokenize,
// embeddings and /apply-template. Generation endpoints live in http_generate.cpp.
#include "server/http_server.h"

#include <csignal>

#include "server/chat_prompt.h"
#include "server/http_internal.h"
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "util/log.h"

namespace ingot::server {
namespace {

using nlohmann::json;

bool Authorized(const ServerOptions& options, const httplib::Request& req) {
  if (options.api_key.empty() || req.method == "OPTIONS" || req.path == "/health" || req.path == "/v1/health") {
    return true;  // CORS preflights carry no credentials
  }
  const std::string expected = "Bearer " + options.api_key;
  const std::string got = req.get_header_value("Authorization");
  // Compare without an early exit so the time does not reveal the matching prefix.
  unsigned diff = static_cast<unsigned>(got.size() ^ expected.size());
  for (size_t i = 0; i < got.size(); ++i) diff |= static_cast<unsigned char>(got[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

// Reads an optional boolean field (absent or null keeps *out); sends 400 and returns false when mistyped.
bool OptionalBool(const nlohmann::ordered_json& body, const char* key, httplib::Response& res, bool* out) {
  if (!body.contains(key) || body[key].is_null()) return true;
  if (!body[key].is_boolean()) {
    SendError(res, InvalidField(key, "must be a boolean"));
    return false;
  }
  *out = body[key].get<bool>();
  return true;
}

// Reads a token-id array field; sends 400 and returns false when it is not one.
bool TokenArray(const nlohmann::ordered_json& body, const char* key, int32_t vocab, httplib::Response& res, std::vector<int32_t>* out) {
  if (!body.contains(key) || !body[key].is_array()) {
    SendError(res, InvalidField(key, "must be an array of token ids"));
    return false;
  }
  for (const nlohmann::ordered_json& t : body[key]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= vocab) {
      SendError(res, InvalidField(key, "must contain token ids in [0, " + std::to_string(vocab) + ")"));
      return false;
    }
    out->push_back(t.get<int32_t>());
  }
  return true;
}

void HandleHealth(ServerState& state, httplib::Response& res) {
  if (state.ready.load() != nullptr) return SendJson(res, {{"status", "ok"}});
  std::lock_guard<std::mutex> lock(state.mu);
  if (!state.load_error.ok()) return SendError(res, InternalError("model failed to load: " + state.load_error.ToString()));
  SendError(res, Loading());
}

void HandleModels(ServerState& state, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  if (model == nullptr) return;
  const engine::ModelSummary& s = model->engine->summary();
  ModelInfo info;
  info.id = model->id;
  info.created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  info.meta = {{"architecture", s.architecture}, {"quantization", s.quantization}, {"n_params", s.n_params},
               {"n_ctx", s.n_ctx}, {"n_ctx_train", s.n_ctx_train}, {"n_vocab", s.n_vocab}, {"n_embd", s.n_embd},
               {"size", s.weight_bytes}};
  SendJson(res, ModelsJson(info));
}

void HandleMetrics(ServerState& state, httplib::Response& res) {
  if (!state.options.metrics) {
    return SendError(res, RouteNotFound("/metrics (metrics are disabled; start the server with --metrics)"));
  }
  std::optional<engine::EngineStats> stats;
  std::string model_name;
  if (const ServedModel* model = state.ready.load()) {
    stats = model->engine->GetStats();
    model_name = model->id;
  }
  res.set_content(state.metrics.Render(stats, model_name), "text/plain; version=0.0.4; charset=utf-8");
}

void HandleTokenize(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  if (!body.contains("content") || !body["content"].is_string()) {
    return SendError(res, InvalidField("content", "must be a string"));
  }
  bool add_special = false, parse_special = true, with_pieces = false;
  if (!OptionalBool(body, "add_special", res, &add_special) || !OptionalBool(body, "parse_special", res, &parse_special) ||
      !OptionalBool(body, "with_pieces", res, &with_pieces)) {
    return;
  }
  std::vector<int32_t> tokens = model->codec->Encode(body["content"].get<std::string>(), add_special, parse_special);
  json out = json::array();
  for (int32_t t : tokens) {
    out.push_back(with_pieces ? json{{"id", t}, {"piece", model->codec->TokenPiece(t)}} : json(t));
  }
  SendJson(res, {{"tokens", out}});
}

void HandleDetokenize(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  std::vector<int32_t> tokens;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  if (!TokenArray(body, "tokens", model->codec->vocab_size(), res, &tokens)) return;
  SendJson(res, {{"content", model->codec->Decode(tokens)}});
}

void HandleEmbeddings(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  if (body.contains("model") && body["model"].is_string() &&
      !CheckModelName(*model, body["model"].get<std::string>(), res)) {
    return;
  }
  bool base64 = false;
  if (body.contains("encoding_format") && !body["encoding_format"].is_null()) {
    base64 = body["encoding_format"] == "base64";
    if (!base64 && body["encoding_format"] != "float") {
      return SendError(res, InvalidField("encoding_format", "must be 'float' or 'base64'"));
    }
  }
  if (body.contains("dimensions") && !body["dimensions"].is_null()) {
    return SendError(res, UnsupportedField("dimensions", "shortened embeddings"));
  }
  if (!body.contains("input")) return SendError(res, InvalidField("input", "is required"));
  nlohmann::ordered_json input = body["input"];
  if (input.is_string() || (input.is_array() && !input.empty() && input[0].is_number_integer())) {
    input = nlohmann::ordered_json::array({input});
  }
  if (!input.is_array() || input.empty()) return SendError(res, InvalidField("input", "must be a string or an array"));
  json data = json::array();
  int64_t prompt_tokens = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    std::vector<int32_t> tokens;
    if (input[i].is_string()) {
      tokens = model->codec->Encode(input[i].get<std::string>(), /*add_special=*/true, /*parse_special=*/false);
    } else if (!TokenArray(nlohmann::ordered_json{{"input", input[i]}}, "input", model->codec->vocab_size(), res, &tokens)) {
      return;
    }
    if (tokens.empty()) return SendError(res, InvalidField("input", "must not be empty"));
    if (static_cast<int32_t>(tokens.size()) > model->engine->summary().n_ctx) {
      return SendError(res, PromptTooLong(static_cast<int>(tokens.size()), model->engine->summary().n_ctx));
    }
    Result<std::vector<float>> embedding = model->engine->Embed(tokens);
    if (!embedding.ok()) return SendError(res, FromStatus(embedding.status()));
    prompt_tokens += static_cast<int64_t>(tokens.size());
    json vector = base64 ? json(Base64Floats(*embedding)) : json(*embedding);
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vector)}});
  }
  SendJson(res, {{"object", "list"}, {"data", data}, {"model", model->id},
                 {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
}

void HandleApplyTemplate(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const ServedModel* model = RequireModel(state, res);
  nlohmann::ordered_json body;
  if (model == nullptr || !ParseBody(req, res, &body)) return;
  ChatRequest chat;
  if (std::optional<ApiError> e = ParseTemplateRequest(body, &chat)) return SendError(res, *e);
  Result<std::string> prompt = RenderChatPrompt(chat.render, *model->renderer);
  if (!prompt.ok()) return SendError(res, FromStatus(prompt.status()));
  SendJson(res, {{"prompt", *prompt}});
}

// Fills in a JSON body for errors httplib produces itself (unknown route, body too large, bad request line).
httplib::Server::HandlerResponse FillErrorBody(const ServerOptions& options, const httplib::Request& req,
                                               httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  ApiError error;
  if (res.status == 404) {
    error = RouteNotFound(req.method + " " + req.path);
  } else if (res.status == 413) {
    error = BodyTooLarge(options.max_body_bytes);
  } else {
    error = InvalidField("request", "rejected with HTTP status " + std::to_string(res.status));
    error.http_status = res.status;
  }
  SendError(res, error);
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

bool ParseBody(const httplib::Request& req, httplib::Response& res, nlohmann::ordered_json* body) {
  if (std::optional<ApiError> e = ParseJsonObject(req.body, body)) {
    SendError(res, *e);
    return false;
  }
  return true;
}

void SendJson(httplib::Response& res, const json& body, int status) {
  res.status = status;
  res.set_content(DumpJson(body), "application/json");
}

void SendError(httplib::Response& res, const ApiError& error) {
  if (error.retry_after_seconds > 0) res.set_header("Retry-After", std::to_string(error.retry_after_seconds));
  SendJson(res, error.ToJson(), error.http_status);
}

const ServedModel* RequireModel(ServerState& state, httplib::Response& res) {
  const ServedModel* model = state.ready.load();
  if (model == nullptr) HandleHealth(state, res);
  return model;
}

bool CheckModelName(const ServedModel& model, const std::string& requested, httplib::Response& res) {
  if (requested.empty()) return true;
  for (const std::string& name : model.names) {
    if (name == requested) return true;
  }
  SendError(res, ModelNotFound(requested));
  return false;
}

HttpServer::HttpServer(ServerOptions options) : state_(std::make_unique<ServerState>(std::move(options))) {
  ServerState& s = *state_;
  httplib::Server& http = s.http;
  const size_t threads = static_cast<size_t>(std::max(4, s.options.http_threads));
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(s.options.max_body_bytes);
  // SSE chunks and small answers go out at once: with Nagle's algorithm a write waits for the client's delayed
  // ACK (~40 ms per response on Linux).
  http.set_tcp_nodelay(true);
  // Browser front ends call the API directly: allow any origin, answer preflights.
  http.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  http.Options(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.status = 204;
  });
  http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (Authorized(s.options, req)) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, Unauthorized());
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&s](const httplib::Request& req, httplib::Response& res) { return FillErrorBody(s.options, req, res); }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LogError("server: unhandled exception: " + what);
    SendError(res, InternalError("internal error: " + what));
  });
  http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    if (req.path != "/metrics" && req.path != "/health") s.metrics.RecordResponse(res.status);
    LogDebug(req.method + " " + req.path + " " + std::to_string(res.status));
  });

  auto chat = [&s](const httplib::Request& req, httplib::Response& res) { HandleChatCompletions(s, req, res); };
  auto completions = [&s](const httplib::Request& req, httplib::Response& res) { HandleCompletions(s, req, res); };
  auto health = [&s](const httplib::Request&, httplib::Response& res) { HandleHealth(s, res); };
  auto models = [&s](const httplib::Request&, httplib::Response& res) { HandleModels(s, res); };
  http.Post("/v1/chat/completions", chat).Post("/chat/completions", chat);
  http.Post("/v1/completions", completions).Post("/completions", completions);
  http.Get("/health", health).Get("/v1/health", health);
  http.Get("/v1/models", models).Get("/models", models);
  http.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) { HandleMetrics(s, res); });
  http.Post("/tokenize", [&s](const httplib::Request& req, httplib::Response& res) { HandleTokenize(s, req, res); });
  http.Post("/detokenize",
            [&s](const httplib::Request& req, httplib::Response& res) { HandleDetokenize(s, req, res); });
  auto embeddings = [&s](const httplib::Request& req, httplib::Response& res) { HandleEmbeddings(s, req, res); };
  http.Post("/v1/embeddings", embeddings).Post("/embeddings", embeddings);
  http.Post("/apply-template",
            [&s](const httplib::Request& req, httplib::Response& res) { HandleApplyTemplate(s, req, res); });
}

void HttpServer::Handle(const std::string& path, const httplib::Request& req, httplib::Response& res) {
  ServerState& s = *state_;
  if (path == "/v1/chat/completions") return HandleChatCompletions(s, req, res);
  if (path == "/v1/completions") return HandleCompletions(s, req, res);
  if (path == "/v1/embeddings") return HandleEmbeddings(s, req, res);
  if (path == "/apply-template") return HandleApplyTemplate(s, req, res);
  SendError(res, RouteNotFound("POST " + path));
}

HttpServer::~HttpServer() {
  Stop();
  state_->ready.store(nullptr);
}

Result<int> HttpServer::Bind() {
  // httplib writes with plain send(): a client that vanished must not kill the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const ServerOptions& o = state_->options;
  int port = o.port;
  if (port == 0) {
    port = state_->http.bind_to_any_port(o.host);
    if (port < 0) return IoError("cannot listen on " + o.host + " (any port)");
  } else if (!state_->http.bind_to_port(o.host, port)) {
    return IoError("cannot listen on " + o.host + ":" + std::to_string(port) + " (address in use?)");
  }
  return port;
}

void HttpServer::Run() { state_->http.listen_after_bind(); }

void HttpServer::Stop() {
  state_->stopping = true;
  state_->http.stop();
}

void HttpServer::SetModel(std::unique_ptr<ServedModel> model) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->model = std::move(model);
  state_->ready.store(state_->model.get());
}

void HttpServer::SetLoadError(const Status& status) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->load_error = status;
}

const ServedModel* HttpServer::model() const { return state_->ready.load(); }

}  // namespace ingot::server
