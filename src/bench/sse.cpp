// Incremental text/event-stream parsing and reading of OpenAI-style stream chunks.
#include "bench/sse.h"

#include <nlohmann/json.hpp>

namespace ingot::bench {

Status SseParser::Feed(std::string_view bytes, std::vector<std::string>* events) {
  for (char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = (c == '\r');
    if (c == '\r' || c == '\n') {
      EndLine(events);
      continue;
    }
    if (line_.size() + data_.size() >= max_event_bytes_) {
      return InvalidArgument("server-sent event longer than " + std::to_string(max_event_bytes_) + " bytes");
    }
    line_.push_back(c);
  }
  return Status::Ok();
}

void SseParser::Finish(std::vector<std::string>* events) {
  if (!line_.empty()) EndLine(events);
  if (has_data_) events->push_back(std::move(data_));
  data_.clear();
  has_data_ = false;
  after_cr_ = false;
}

void SseParser::EndLine(std::vector<std::string>* events) {
  if (line_.empty()) {
    if (has_data_) events->push_back(std::move(data_));
    data_.clear();
    has_data_ = false;
    return;
  }
  std::string_view line(line_);
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  }
  line_.clear();
}

namespace {

bool NonEmptyString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

std::optional<int64_t> IntField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace

Result<StreamChunk> ParseStreamChunk(std::string_view data) {
  StreamChunk chunk;
  if (data == "[DONE]") {
    chunk.done = true;
    return chunk;
  }
  const nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return InvalidArgument("stream chunk is not a JSON object: " + std::string(data.substr(0, 200)));
  }
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) {
    const nlohmann::json& e = *it;
    if (e.is_string()) {
      chunk.error = e.get<std::string>();
    } else if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      chunk.error = e["message"].get<std::string>();
    } else {
      chunk.error = e.dump();
    }
    if (chunk.error.empty()) chunk.error = "error event without a message";
    return chunk;
  }
  if (auto it = j.find("choices"); it != j.end() && it->is_array()) {
    for (const nlohmann::json& choice : *it) {
      if (!choice.is_object()) continue;
      bool has_text = NonEmptyString(choice, "text");
      if (auto d = choice.find("delta"); d != choice.end() && d->is_object()) {
        has_text = has_text || NonEmptyString(*d, "content") || NonEmptyString(*d, "reasoning_content");
      }
      if (has_text) ++chunk.content_pieces;
    }
  }
  if (auto it = j.find("usage"); it != j.end() && it->is_object()) {
    chunk.completion_tokens = IntField(*it, "completion_tokens");
    chunk.prompt_tokens = IntField(*it, "prompt_tokens");
  }
  return chunk;
}

}  // namespace ingot::bench
