// OpenAI response and chunk shapes, as the official clients parse them.
#include "server/openai_response.h"

#include <cstring>
#include <random>

namespace ingot::server {
namespace {

using nlohmann::json;

json NullIfEmpty(const std::string& s) { return s.empty() ? json() : json(s); }

json Bytes(const std::string& s) {
  json bytes = json::array();
  for (unsigned char c : s) bytes.push_back(static_cast<int>(c));
  return bytes;
}

json Chunk(const ResponseMeta& meta, const char* object, json choices) {
  return {{"id", meta.id},
          {"object", object},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", "ingot"},
          {"choices", std::move(choices)}};
}

}  // namespace

std::string NewResponseId(std::string_view prefix) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* kHex = "0123456789abcdef";
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id.push_back(kHex[rng() & 15]);
  return id;
}

json UsageJson(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}}}};
}

json ChatLogprobs(const std::vector<LogprobItem>& items) {
  json content = json::array();
  for (const LogprobItem& item : items) {
    json top = json::array();
    for (const auto& [token, logprob] : item.top) {
      top.push_back({{"token", token}, {"logprob", logprob}, {"bytes", Bytes(token)}});
    }
    content.push_back(
        {{"token", item.token}, {"logprob", item.logprob}, {"bytes", Bytes(item.token)}, {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

json ChatChoiceJson(int index, const std::string& content, const std::string& reasoning,
                    const std::string& finish_reason, const json& logprobs) {
  json message = {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}};
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  return {{"index", index}, {"message", message}, {"logprobs", logprobs}, {"finish_reason", finish_reason}};
}

json ChatCompletionJson(const ResponseMeta& meta, json choices, const Usage& usage) {
  json out = Chunk(meta, "chat.completion", std::move(choices));
  out["usage"] = UsageJson(usage);
  return out;
}

json ChatChunkJson(const ResponseMeta& meta, int index, const json& delta, const std::string& finish_reason,
                   const json& logprobs) {
  json choice = {
      {"index", index}, {"delta", delta}, {"logprobs", logprobs}, {"finish_reason", NullIfEmpty(finish_reason)}};
  return Chunk(meta, "chat.completion.chunk", json::array({choice}));
}

json ChatUsageChunkJson(const ResponseMeta& meta, const Usage& usage) {
  json out = Chunk(meta, "chat.completion.chunk", json::array());
  out["usage"] = UsageJson(usage);
  return out;
}

json CompletionLogprobs(const std::vector<LogprobItem>& items, size_t text_offset) {
  json tokens = json::array(), token_logprobs = json::array(), top_logprobs = json::array(), offsets = json::array();
  for (const LogprobItem& item : items) {
    tokens.push_back(item.token);
    token_logprobs.push_back(item.logprob);
    json top = json::object();
    for (const auto& [token, logprob] : item.top) top[token] = logprob;
    top_logprobs.push_back(top);
    offsets.push_back(text_offset);
    text_offset += item.token.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs},
          {"text_offset", offsets}};
}

json TextChoiceJson(int index, const std::string& text, const std::string& finish_reason, const json& logprobs) {
  return {{"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish_reason}};
}

json TextCompletionJson(const ResponseMeta& meta, json choices, const Usage& usage) {
  json out = Chunk(meta, "text_completion", std::move(choices));
  out["usage"] = UsageJson(usage);
  return out;
}

json TextChunkJson(const ResponseMeta& meta, int index, const std::string& text, const std::string& finish_reason,
                   const json& logprobs) {
  json choice = {
      {"index", index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", NullIfEmpty(finish_reason)}};
  return Chunk(meta, "text_completion", json::array({choice}));
}

json TextUsageChunkJson(const ResponseMeta& meta, const Usage& usage) {
  json out = Chunk(meta, "text_completion", json::array());
  out["usage"] = UsageJson(usage);
  return out;
}

std::string DumpJson(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string SseEvent(const json& payload) { return "data: " + DumpJson(payload) + "\n\n"; }

std::string Base64Floats(const std::vector<float>& values) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());  // x86-64 and aarch64 are little-endian
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

json ModelsJson(const ModelInfo& model) {
  json entry = {{"id", model.id}, {"object", "model"}, {"created", model.created}, {"owned_by", "ingot"}};
  if (!model.meta.is_null()) entry["meta"] = model.meta;
  return {{"object", "list"}, {"data", json::array({entry})}};
}

}  // namespace ingot::server
