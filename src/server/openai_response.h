// Building OpenAI response bodies and SSE chunks (chat.completion, chat.completion.chunk, text_completion,
// model lists). Pure functions: tested without sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ingot::server {

struct Usage {
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  int32_t cached_tokens = 0;
};

// What every response object of one request shares.
struct ResponseMeta {
  std::string id;        // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;   // unix seconds
  std::string model;
};

// One generated token with its logprob and the top alternatives (token text, logprob).
struct LogprobItem {
  std::string token;
  float logprob = 0.0f;
  std::vector<std::pair<std::string, float>> top;
};

// "chatcmpl-" / "cmpl-" followed by 24 random hex digits.
std::string NewResponseId(std::string_view prefix);

nlohmann::json UsageJson(const Usage& usage);

// Chat: `logprobs` is null or the {"content": [...]} object from ChatLogprobs. `index` is the choice's position
// (0 .. n-1 for a request with `n` choices).
nlohmann::json ChatLogprobs(const std::vector<LogprobItem>& items);
nlohmann::json ChatChoiceJson(int index, const std::string& content, const std::string& reasoning,
                              const std::string& finish_reason, const nlohmann::json& logprobs);
nlohmann::json ChatCompletionJson(const ResponseMeta& meta, nlohmann::json choices, const Usage& usage);
// delta: {"role": "assistant", "content": ""}, {"content": "..."}, {"reasoning_content": "..."} or {}.
// finish_reason: empty → null.
nlohmann::json ChatChunkJson(const ResponseMeta& meta, int index, const nlohmann::json& delta,
                             const std::string& finish_reason, const nlohmann::json& logprobs);
nlohmann::json ChatUsageChunkJson(const ResponseMeta& meta, const Usage& usage);

// Completions (legacy): `logprobs` is null or {"tokens", "token_logprobs", "top_logprobs", "text_offset"}.
nlohmann::json CompletionLogprobs(const std::vector<LogprobItem>& items, size_t text_offset);
nlohmann::json TextChoiceJson(int index, const std::string& text, const std::string& finish_reason,
                              const nlohmann::json& logprobs);
nlohmann::json TextCompletionJson(const ResponseMeta& meta, nlohmann::json choices, const Usage& usage);
nlohmann::json TextChunkJson(const ResponseMeta& meta, int index, const std::string& text,
                             const std::string& finish_reason, const nlohmann::json& logprobs);
nlohmann::json TextUsageChunkJson(const ResponseMeta& meta, const Usage& usage);

// "data: {json}\n\n". Invalid UTF-8 is replaced (U+FFFD) rather than failing.
std::string SseEvent(const nlohmann::json& payload);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// JSON text with invalid UTF-8 replaced (never throws).
std::string DumpJson(const nlohmann::json& value);

// The little-endian float32 bytes of an embedding, base64-encoded (encoding_format "base64", the default of
// the official clients).
std::string Base64Floats(const std::vector<float>& values);

struct ModelInfo {
  std::string id;
  int64_t created = 0;
  nlohmann::json meta;   // llama-server style extras (n_ctx, n_params, ...)
};
nlohmann::json ModelsJson(const ModelInfo& model);

}  // namespace ingot::server
