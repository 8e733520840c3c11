// OpenAI-shaped error bodies and the Status → HTTP status mapping.
#include "server/errors.h"

namespace ingot::server {
namespace {

ApiError Make(int http_status, std::string message, std::string type, std::string param = "",
              std::string code = "") {
  ApiError e;
  e.http_status = http_status;
  e.message = std::move(message);
  e.type = std::move(type);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

nlohmann::json NullIfEmpty(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

}  // namespace

nlohmann::json ApiError::ToJson() const {
  return {{"error",
           {{"message", message}, {"type", type}, {"param", NullIfEmpty(param)}, {"code", NullIfEmpty(code)}}}};
}

ApiError InvalidField(const std::string& param, const std::string& message) {
  return Make(400, "'" + param + "': " + message, "invalid_request_error", param, "invalid_value");
}

ApiError UnsupportedField(const std::string& param, const std::string& what) {
  return Make(400, "'" + param + "': " + what + " is not supported by this server", "invalid_request_error",
              param, "unsupported_parameter");
}

ApiError MalformedJson(const std::string& detail) {
  return Make(400, "request body is not valid JSON: " + detail, "invalid_request_error", "", "invalid_json");
}

ApiError Unauthorized() {
  return Make(401, "missing or invalid API key (send 'Authorization: Bearer KEY')", "authentication_error", "",
              "invalid_api_key");
}

ApiError ModelNotFound(const std::string& model) {
  return Make(404, "model '" + model + "' is not served here (see GET /v1/models)", "not_found_error", "model",
              "model_not_found");
}

ApiError RouteNotFound(const std::string& path) {
  return Make(404, "no such endpoint: " + path, "not_found_error", "", "not_found");
}

ApiError PromptTooLong(int prompt_tokens, int n_ctx) {
  return Make(413,
              "the prompt has " + std::to_string(prompt_tokens) + " tokens but the context holds " +
                  std::to_string(n_ctx) + " (the prompt is never truncated)",
              "invalid_request_error", "messages", "context_length_exceeded");
}

ApiError BodyTooLarge(size_t limit) {
  return Make(413, "request body exceeds " + std::to_string(limit) + " bytes", "invalid_request_error", "",
              "body_too_large");
}

ApiError Overloaded(const std::string& message) {
  ApiError e = Make(503, message, "server_overloaded", "", "queue_full");
  e.retry_after_seconds = 1;
  return e;
}

ApiError Loading() {
  ApiError e = Make(503, "the model is loading", "unavailable_error", "", "loading");
  e.retry_after_seconds = 1;
  return e;
}

ApiError Timeout() {
  return Make(408, "the request exceeded the server's time limit", "timeout_error", "", "timeout");
}

ApiError InternalError(const std::string& message) { return Make(500, message, "server_error"); }

ApiError FromStatus(const Status& status) {
  switch (status.code()) {
    case Code::kInvalidArgument:
    case Code::kUnsupported:
      return Make(400, status.message(), "invalid_request_error");
    case Code::kNotFound:
      return Make(404, status.message(), "not_found_error");
    case Code::kResourceExhausted:
      return Make(413, status.message(), "invalid_request_error", "", "context_length_exceeded");
    case Code::kUnavailable:
      return Overloaded(status.message());
    case Code::kCancelled:
      return Timeout();
    default:
      return InternalError(status.ToString());
  }
}

}  // namespace ingot::server
