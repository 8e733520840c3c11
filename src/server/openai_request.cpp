// Request parsing for /v1/chat/completions and /v1/completions: types, ranges and unsupported features.
#include "server/openai_request.h"

#include <cmath>
#include <limits>

namespace ingot::server {
namespace {

using json = nlohmann::ordered_json;
using Error = std::optional<ApiError>;

constexpr size_t kMaxStopStrings = 16;

bool Present(const json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

Error GetBool(const json& body, const char* key, bool* out) {
  if (!Present(body, key)) return std::nullopt;
  if (!body[key].is_boolean()) return InvalidField(key, "must be a boolean");
  *out = body[key].get<bool>();
  return std::nullopt;
}

Error GetFloat(const json& body, const char* key, double lo, double hi, float* out) {
  if (!Present(body, key)) return std::nullopt;
  if (!body[key].is_number()) return InvalidField(key, "must be a number");
  double v = body[key].get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    return InvalidField(key, "must be between " + json(lo).dump() + " and " + json(hi).dump());
  }
  *out = static_cast<float>(v);
  return std::nullopt;
}

Error GetInt(const json& body, const char* key, int64_t lo, int64_t hi, int64_t* out) {
  if (!Present(body, key)) return std::nullopt;
  const json& v = body[key];
  if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())) {
    return InvalidField(key, "must be an integer");
  }
  double d = v.get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    return InvalidField(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  *out = v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
  return std::nullopt;
}

Error GetInt32(const json& body, const char* key, int64_t lo, int64_t hi, int32_t* out) {
  int64_t v = *out;
  if (Error e = GetInt(body, key, lo, hi, &v)) return e;
  *out = static_cast<int32_t>(v);
  return std::nullopt;
}

Error ParseStop(const json& body, std::vector<std::string>* out) {
  if (!Present(body, "stop")) return std::nullopt;
  const json& stop = body["stop"];
  if (stop.is_string()) {
    if (stop.get<std::string>().empty()) return InvalidField("stop", "must not be an empty string");
    out->push_back(stop.get<std::string>());
    return std::nullopt;
  }
  if (!stop.is_array()) return InvalidField("stop", "must be a string or an array of strings");
  if (stop.size() > kMaxStopStrings) {
    return InvalidField("stop", "at most " + std::to_string(kMaxStopStrings) + " stop strings");
  }
  for (const json& s : stop) {
    if (!s.is_string() || s.get<std::string>().empty()) {
      return InvalidField("stop", "must contain only non-empty strings");
    }
    out->push_back(s.get<std::string>());
  }
  return std::nullopt;
}

Error ParseLogitBias(const json& body, std::vector<std::pair<int32_t, float>>* out) {
  if (!Present(body, "logit_bias")) return std::nullopt;
  const json& bias = body["logit_bias"];
  if (!bias.is_object()) return InvalidField("logit_bias", "must be an object mapping token ids to biases");
  for (const auto& [key, value] : bias.items()) {
    char* end = nullptr;
    long id = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || id < 0 || id > std::numeric_limits<int32_t>::max()) {
      return InvalidField("logit_bias", "key '" + key + "' is not a token id");
    }
    if (!value.is_number() || value.get<double>() < -100.0 || value.get<double>() > 100.0) {
      return InvalidField("logit_bias", "bias for token " + key + " must be a number between -100 and 100");
    }
    out->emplace_back(static_cast<int32_t>(id), value.get<float>());
  }
  return std::nullopt;
}

// Features of the OpenAI API this server does not implement: a clear 400 rather than silent acceptance.
Error RejectUnsupported(const json& body) {
  if (Present(body, "tools") && !(body["tools"].is_array() && body["tools"].empty())) {
    return UnsupportedField("tools", "tool calling");
  }
  if (Present(body, "tool_choice") && body["tool_choice"] != "none") return UnsupportedField("tool_choice", "tool choice");
  if (Present(body, "functions")) return UnsupportedField("functions", "function calling");
  if (Present(body, "function_call")) return UnsupportedField("function_call", "function calling");
  if (Present(body, "response_format")) {
    const json& rf = body["response_format"];
    if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string()) {
      return InvalidField("response_format", "must be an object with a 'type'");
    }
    if (rf["type"] != "text") {
      return UnsupportedField("response_format", "response_format type '" + rf["type"].get<std::string>() + "'");
    }
  }
  if (Present(body, "grammar")) return UnsupportedField("grammar", "grammar-constrained output");
  if (Present(body, "json_schema")) return UnsupportedField("json_schema", "JSON-schema-constrained output");
  if (Present(body, "audio")) return UnsupportedField("audio", "audio output");
  if (Present(body, "modalities") && body["modalities"] != json::array({"text"})) {
    return UnsupportedField("modalities", "output modalities other than text");
  }
  if (Present(body, "prediction")) return UnsupportedField("prediction", "predicted outputs");
  if (Present(body, "web_search_options")) return UnsupportedField("web_search_options", "web search");
  if (Present(body, "best_of") && body["best_of"] != 1) return UnsupportedField("best_of", "best_of > 1");
  if (Present(body, "echo") && body["echo"] != false) return UnsupportedField("echo", "echoing the prompt");
  if (Present(body, "suffix") && body["suffix"] != "") return UnsupportedField("suffix", "insertion (suffix)");
  return std::nullopt;
}

Error ParseGeneration(const json& body, GenerationFields* gen) {
  if (Error e = RejectUnsupported(body)) return e;
  if (Present(body, "model")) {
    if (!body["model"].is_string()) return InvalidField("model", "must be a string");
    gen->model = body["model"].get<std::string>();
  }
  constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();
  if (Error e = GetInt32(body, "n_predict", -1, kMaxInt, &gen->max_tokens)) return e;
  if (Error e = GetInt32(body, "max_tokens", 1, kMaxInt, &gen->max_tokens)) return e;
  if (Error e = GetInt32(body, "max_completion_tokens", 1, kMaxInt, &gen->max_tokens)) return e;

  sample::SamplingParams& s = gen->sampling;
  if (Error e = GetFloat(body, "temperature", 0.0, 2.0, &s.temperature)) return e;
  if (Error e = GetFloat(body, "top_p", 0.0, 1.0, &s.top_p)) return e;
  if (Error e = GetInt32(body, "top_k", 0, kMaxInt, &s.top_k)) return e;
  if (Error e = GetFloat(body, "min_p", 0.0, 1.0, &s.min_p)) return e;
  if (Error e = GetFloat(body, "presence_penalty", -2.0, 2.0, &s.presence_penalty)) return e;
  if (Error e = GetFloat(body, "frequency_penalty", -2.0, 2.0, &s.frequency_penalty)) return e;
  if (Error e = GetFloat(body, "repeat_penalty", 0.0, 10.0, &s.repeat_penalty)) return e;
  if (Present(body, "repeat_penalty") && s.repeat_penalty <= 0.0f) return InvalidField("repeat_penalty", "must be > 0");
  if (Error e = GetInt32(body, "repeat_last_n", -1, kMaxInt, &s.repeat_last_n)) return e;
  if (Present(body, "seed")) {
    int64_t seed = 0;
    if (Error e = GetInt(body, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &seed)) {
      return e;
    }
    s.seed = static_cast<uint64_t>(seed);
  }
  if (Error e = ParseLogitBias(body, &s.logit_bias)) return e;
  if (Error e = ParseStop(body, &gen->stop)) return e;
  if (Error e = GetBool(body, "ignore_eos", &gen->ignore_eos)) return e;
  if (Error e = GetInt32(body, "n", 1, kMaxChoices, &gen->n)) return e;
  if (Error e = GetBool(body, "stream", &gen->stream)) return e;
  if (Present(body, "stream_options")) {
    const json& so = body["stream_options"];
    if (!so.is_object()) return InvalidField("stream_options", "must be an object");
    if (Error e = GetBool(so, "include_usage", &gen->include_usage)) {
      return InvalidField("stream_options.include_usage", "must be a boolean");
    }
  }
  return std::nullopt;
}

// A message's content: a string, null (assistant turns with tool calls) or an array of text parts.
Error CheckContent(const json& message, const std::string& where) {
  if (!message.contains("content") || message["content"].is_null()) {
    if (message["role"] == "assistant") return std::nullopt;
    return InvalidField(where + ".content", "is required");
  }
  const json& content = message["content"];
  if (content.is_string()) return std::nullopt;
  if (!content.is_array()) return InvalidField(where + ".content", "must be a string or an array of content parts");
  for (size_t j = 0; j < content.size(); ++j) {
    std::string part = where + ".content[" + std::to_string(j) + "]";
    const json& p = content[j];
    if (!p.is_object() || !p.contains("type") || !p["type"].is_string()) {
      return InvalidField(part + ".type", "each content part needs a string 'type'");
    }
    if (p["type"] != "text") {
      return UnsupportedField(part + ".type", "content part type '" + p["type"].get<std::string>() + "'");
    }
    if (!p.contains("text") || !p["text"].is_string()) return InvalidField(part + ".text", "must be a string");
  }
  return std::nullopt;
}

Error ParseMessages(const json& body, json* out) {
  if (!body.contains("messages")) return InvalidField("messages", "is required");
  const json& messages = body["messages"];
  if (!messages.is_array() || messages.empty()) return InvalidField("messages", "must be a non-empty array");
  *out = json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string where = "messages[" + std::to_string(i) + "]";
    json m = messages[i];
    if (!m.is_object()) return InvalidField(where, "must be an object");
    if (!m.contains("role") || !m["role"].is_string()) return InvalidField(where + ".role", "must be a string");
    std::string role = m["role"].get<std::string>();
    if (role == "developer") m["role"] = role = "system";
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      return InvalidField(where + ".role", "unknown role '" + role + "'");
    }
    if (Error e = CheckContent(m, where)) return e;
    if (m.contains("reasoning_content") && !m["reasoning_content"].is_null() && !m["reasoning_content"].is_string()) {
      return InvalidField(where + ".reasoning_content", "must be a string");
    }
    out->push_back(std::move(m));
  }
  return std::nullopt;
}

Error ParseThinkingControls(const json& body, json* extra) {
  if (Present(body, "chat_template_kwargs")) {
    if (!body["chat_template_kwargs"].is_object()) return InvalidField("chat_template_kwargs", "must be an object");
    *extra = body["chat_template_kwargs"];
  }
  if (Present(body, "reasoning_effort")) {
    const json& effort = body["reasoning_effort"];
    static const char* kLevels[] = {"none", "minimal", "low", "medium", "high"};
    bool known = false;
    for (const char* level : kLevels) known = known || effort == level;
    if (!known) return InvalidField("reasoning_effort", "must be one of none, minimal, low, medium, high");
    if (!extra->contains("reasoning_effort")) (*extra)["reasoning_effort"] = effort;
    if (!extra->contains("enable_thinking")) {
      (*extra)["enable_thinking"] = !(effort == "none" || effort == "minimal");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> ParseJsonObject(const std::string& body, json* out) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return MalformedJson("could not parse the request body");
  if (!parsed.is_object()) return MalformedJson("the request body must be a JSON object");
  *out = std::move(parsed);
  return std::nullopt;
}

std::optional<ApiError> ParseChatRequest(const json& body, ChatRequest* out) {
  if (Error e = ParseGeneration(body, &out->gen)) return e;
  if (Error e = ParseMessages(body, &out->render.messages)) return e;
  if (Error e = GetBool(body, "logprobs", &out->gen.logprobs)) return e;
  if (Error e = GetInt32(body, "top_logprobs", 0, 20, &out->gen.top_logprobs)) return e;
  if (out->gen.top_logprobs > 0 && !out->gen.logprobs) {
    return InvalidField("top_logprobs", "requires 'logprobs': true");
  }
  out->gen.sampling.logprobs = out->gen.logprobs;
  out->gen.sampling.n_probs = out->gen.top_logprobs;
  out->render.add_generation_prompt = true;
  if (Error e = GetBool(body, "add_generation_prompt", &out->render.add_generation_prompt)) return e;
  return ParseThinkingControls(body, &out->render.extra_context);
}

std::optional<ApiError> ParseTemplateRequest(const json& body, ChatRequest* out) {
  json rest = body;
  json tools;
  if (Present(body, "tools")) {
    if (!body["tools"].is_array()) return InvalidField("tools", "must be an array");
    tools = body["tools"];
    rest.erase("tools");
    rest.erase("tool_choice");
  }
  if (Error e = ParseChatRequest(rest, out)) return e;
  out->render.tools = std::move(tools);
  return std::nullopt;
}

std::optional<ApiError> ParseCompletionRequest(const json& body, CompletionRequest* out) {
  if (Error e = ParseGeneration(body, &out->gen)) return e;
  if (!body.contains("prompt")) return InvalidField("prompt", "is required");
  json prompt = body["prompt"];
  if (prompt.is_array() && prompt.size() == 1 && (prompt[0].is_string() || prompt[0].is_array())) {
    prompt = json(prompt[0]);
  }
  if (prompt.is_string()) {
    out->prompt_text = prompt.get<std::string>();
  } else if (prompt.is_array() && !prompt.empty() && prompt[0].is_number_integer()) {
    out->prompt_is_tokens = true;
    for (const json& t : prompt) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        return InvalidField("prompt", "token arrays must contain non-negative integers");
      }
      out->prompt_tokens.push_back(t.get<int32_t>());
    }
  } else if (prompt.is_array() && prompt.size() > 1) {
    return UnsupportedField("prompt", "more than one prompt per request");
  } else {
    return InvalidField("prompt", "must be a string or an array of token ids");
  }
  if (Present(body, "logprobs")) {
    if (Error e = GetInt32(body, "logprobs", 0, 20, &out->gen.top_logprobs)) return e;
    out->gen.logprobs = true;
  }
  out->gen.sampling.logprobs = out->gen.logprobs;
  out->gen.sampling.n_probs = out->gen.top_logprobs;
  return std::nullopt;
}

}  // namespace ingot::server
