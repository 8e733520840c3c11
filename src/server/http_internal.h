// Shared state and helpers of the HTTP server's handlers (not a public API: used by http_server.cpp and
// http_generate.cpp only).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/errors.h"
#include "server/http_server.h"
#include "server/metrics.h"

namespace ingot::server {

struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}

  ServerOptions options;
  ServerMetrics metrics;
  httplib::Server http;
  std::atomic<bool> stopping{false};
  std::atomic<const ServedModel*> ready{nullptr};
  std::unique_ptr<ServedModel> model;  // owned; set once
  std::mutex mu;
  Status load_error;                   // guarded by mu
};

void SendJson(httplib::Response& res, const nlohmann::json& body, int status = 200);
void SendError(httplib::Response& res, const ApiError& error);
// Parses the body as a JSON object; sends 400 and returns false when it is not one.
bool ParseBody(const httplib::Request& req, httplib::Response& res, nlohmann::ordered_json* body);

// The served model, or nullptr after sending 503 (loading) / 500 (load failed).
const ServedModel* RequireModel(ServerState& state, httplib::Response& res);
// True when `requested` is empty or one of the model's names; otherwise sends 404.
bool CheckModelName(const ServedModel& model, const std::string& requested, httplib::Response& res);

void HandleChatCompletions(ServerState& state, const httplib::Request& req, httplib::Response& res);
void HandleCompletions(ServerState& state, const httplib::Request& req, httplib::Response& res);

}  // namespace ingot::server
