// API errors at the HTTP edge: the OpenAI error body {"error":{"message","type","param","code"}} and the
// mapping from a layer's Status to an HTTP status.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace ingot::server {

struct ApiError {
  int http_status = 500;
  std::string message;
  std::string type;          // "invalid_request_error", "authentication_error", "not_found_error", ...
  std::string param;         // the offending request field, empty when none
  std::string code;          // machine-readable code, empty when none
  int retry_after_seconds = 0;  // > 0: sent as a Retry-After header

  nlohmann::json ToJson() const;
};

ApiError InvalidField(const std::string& param, const std::string& message);  // 400
ApiError UnsupportedField(const std::string& param, const std::string& what);  // 400, "... is not supported"
ApiError MalformedJson(const std::string& detail);                             // 400
ApiError Unauthorized();                                                        // 401
ApiError ModelNotFound(const std::string& model);                               // 404
ApiError RouteNotFound(const std::string& path);                                // 404
ApiError PromptTooLong(int prompt_tokens, int n_ctx);                           // 413
ApiError BodyTooLarge(size_t limit);                                            // 413
ApiError Overloaded(const std::string& message);                                // 503 + Retry-After
ApiError Loading();                                                             // 503 + Retry-After
ApiError Timeout();                                                             // 408
ApiError InternalError(const std::string& message);                            // 500

// kInvalidArgument/kUnsupported → 400, kNotFound → 404, kResourceExhausted → 413, kUnavailable → 503,
// kCancelled → 408, everything else → 500.
ApiError FromStatus(const Status& status);

}  // namespace ingot::server
