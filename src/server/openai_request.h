// Parsing and validation of OpenAI (and llama-server) request bodies into native requests. Pure functions:
// no engine, no sockets. Every rejected field is named in the error; fields we cannot honour (tools,
// response_format with a schema, best_of, ...) are rejected instead of ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/sample/params.h"
#include "server/errors.h"
#include "server/model_text.h"

namespace ingot::server {

// Fields shared by /v1/chat/completions and /v1/completions.
struct GenerationFields {
  std::string model;                 // empty when the request did not name one
  sample::SamplingParams sampling;
  int32_t max_tokens = -1;           // -1: until EOS or the context is full
  std::vector<std::string> stop;
  bool ignore_eos = false;
  int32_t n = 1;                     // choices, each generated as its own sequence
  bool stream = false;
  bool include_usage = false;        // stream_options.include_usage
  bool logprobs = false;
  int32_t top_logprobs = 0;
};

// The most choices one request may ask for.
inline constexpr int32_t kMaxChoices = 16;

struct ChatRequest {
  GenerationFields gen;
  RenderInput render;                // messages as sent (content parts validated), kwargs merged
};

struct CompletionRequest {
  GenerationFields gen;
  bool prompt_is_tokens = false;
  std::string prompt_text;
  std::vector<int32_t> prompt_tokens;
};

std::optional<ApiError> ParseChatRequest(const nlohmann::ordered_json& body, ChatRequest* out);
// Like ParseChatRequest, but `tools` are accepted and passed to the template: for POST /apply-template and
// `ingot template render`, which show the prompt (the chat endpoint rejects tools it cannot parse back).
std::optional<ApiError> ParseTemplateRequest(const nlohmann::ordered_json& body, ChatRequest* out);
std::optional<ApiError> ParseCompletionRequest(const nlohmann::ordered_json& body, CompletionRequest* out);

// Parses a body string as a JSON object, keeping key order (400 on malformed JSON or a non-object).
std::optional<ApiError> ParseJsonObject(const std::string& body, nlohmann::ordered_json* out);

}  // namespace ingot::server
