// The HTTP side of the load generator: where requests go (parsed from --url), the chat request body, and one
// keep-alive connection that streams a chat completion and records it. Thread-compatible: one Connection per
// client thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bench/prompts.h"
#include "bench/record.h"
#include "util/status.h"

namespace httplib {
class Client;
}

namespace ingot::bench {

struct Endpoint {
  std::string host;
  int port = 80;
  std::string api_base = "/v1";  // path prefix of the OpenAI routes

  std::string ChatPath() const { return api_base + "/chat/completions"; }
  std::string ModelsPath() const { return api_base + "/models"; }
};

// Accepts http://HOST[:PORT][/PATH]: a PATH ending in /v1 is the API base, a PATH ending in
// /v1/chat/completions names the route itself, any other PATH gets /v1 appended. IPv6 hosts in brackets.
// https is refused (kUnsupported): the load generator speaks plain HTTP to servers on the local network.
Result<Endpoint> ParseUrl(std::string_view url);

struct ChatSettings {
  std::string model;  // empty: the field is left out and the server picks its default model
  int max_tokens = 128;
  std::optional<double> temperature;  // unset: the server's default
  bool ignore_eos = false;            // sent only when set (ingot, llama-server and vLLM accept it)
};

// A streaming chat request asking for the usage chunk (stream_options.include_usage).
std::string BuildChatBody(const Prompt& prompt, const ChatSettings& settings);

class Connection {
 public:
  // `timeout_s` bounds connecting and every wait for bytes (not the whole response).
  Connection(const Endpoint& endpoint, const std::string& api_key, double timeout_s);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // POSTs `body` to the chat route and records timings from just before sending.
  RequestRecord StreamChat(const std::string& body);
  // GET of the models route: the first model's id. kUnavailable when the server cannot be reached,
  // kNotFound when it answers without a model list.
  Result<std::string> FirstModelId();

 private:
  Endpoint endpoint_;
  std::string api_key_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace ingot::bench
