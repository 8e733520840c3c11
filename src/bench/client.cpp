// URL parsing, chat request bodies, and streaming one request over cpp-httplib.
#include "bench/client.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

namespace ingot::bench {

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

httplib::Headers AuthHeaders(const std::string& api_key) {
  httplib::Headers headers;
  if (!api_key.empty()) headers.emplace("Authorization", "Bearer " + api_key);
  return headers;
}

}  // namespace

Result<Endpoint> ParseUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (url.substr(0, 8) == "https://") {
    return Unsupported("https URLs are not supported; use http:// (got " + std::string(url) + ")");
  }
  if (url.substr(0, kHttp.size()) != kHttp) return InvalidArgument("URL must start with http:// (got " + std::string(url) + ")");
  std::string_view rest = url.substr(kHttp.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  Endpoint e;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("unclosed '[' in URL host: " + std::string(url));
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("unexpected text after ']' in URL: " + std::string(url));
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgument("empty port in URL: " + std::string(url));
    }
  } else {
    const size_t colon = authority.find(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgument("empty port in URL: " + std::string(url));
    }
  }
  if (e.host.empty()) return InvalidArgument("URL has no host: " + std::string(url));
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return InvalidArgument("bad port in URL: " + std::string(url));
    }
    e.port = port;
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("URL must not have a query or fragment: " + std::string(url));
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (EndsWith(path, "/chat/completions")) path.remove_suffix(std::string_view("/chat/completions").size());
  e.api_base = EndsWith(path, "/v1") ? std::string(path) : std::string(path) + "/v1";
  return e;
}

std::string BuildChatBody(const Prompt& prompt, const ChatSettings& settings) {
  nlohmann::json body = {{"messages", prompt.messages},
                         {"max_tokens", settings.max_tokens},
                         {"stream", true},
                         {"stream_options", {{"include_usage", true}}}};
  if (!settings.model.empty()) body["model"] = settings.model;
  if (settings.temperature) body["temperature"] = *settings.temperature;
  if (settings.ignore_eos) body["ignore_eos"] = true;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Connection::Connection(const Endpoint& endpoint, const std::string& api_key, double timeout_s)
    : endpoint_(endpoint), api_key_(api_key), client_(std::make_unique<httplib::Client>(endpoint.host, endpoint.port)) {
  const double whole = std::floor(timeout_s);
  const auto sec = static_cast<time_t>(whole);
  const auto usec = static_cast<time_t>((timeout_s - whole) * 1e6);
  client_->set_keep_alive(true);
  // The request's headers and body are separate writes: with Nagle's algorithm the body would wait for the
  // server's delayed ACK (~40 ms), counted as time to first token.
  client_->set_tcp_nodelay(true);
  client_->set_connection_timeout(sec, usec);
  client_->set_read_timeout(sec, usec);
  client_->set_write_timeout(sec, usec);
}

Connection::~Connection() = default;

RequestRecord Connection::StreamChat(const std::string& body) {
  using Clock = std::chrono::steady_clock;
  StreamRecorder recorder;
  httplib::Request req;
  req.method = "POST";
  req.path = endpoint_.ChatPath();
  req.headers = AuthHeaders(api_key_);
  req.headers.emplace("Accept", "text/event-stream");
  req.set_header("Content-Type", "application/json");
  req.body = body;
  const Clock::time_point start = Clock::now();
  auto since_start = [start] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  req.response_handler = [&recorder](const httplib::Response& res) {
    recorder.OnResponse(res.status);
    return true;
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    recorder.OnBytes(std::string_view(data, size), since_start());
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client_->send(req, res, error)) return recorder.FinishTransportError(httplib::to_string(error), since_start());
  return recorder.Finish(since_start());
}

Result<std::string> Connection::FirstModelId() {
  httplib::Result res = client_->Get(endpoint_.ModelsPath().c_str(), AuthHeaders(api_key_));
  if (!res) {
    return Unavailable("cannot reach " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " +
                       httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return NotFound("GET " + endpoint_.ModelsPath() + " answered " + std::to_string(res->status) + ": " +
                    ErrorMessageFromBody(res->body));
  }
  const nlohmann::json j = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("data") && j["data"].is_array() && !j["data"].empty()) {
    const nlohmann::json& first = j["data"][0];
    if (first.is_object() && first.contains("id") && first["id"].is_string()) return first["id"].get<std::string>();
  }
  return NotFound("GET " + endpoint_.ModelsPath() + " listed no model");
}

}  // namespace ingot::bench
