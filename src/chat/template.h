// Chat rendering: a model's chat template (Jinja, as shipped in tokenizer.chat_template) applied to a
// conversation the way Hugging Face transformers' apply_chat_template does.
//
// JSON inputs are nlohmann::ordered_json so that object keys keep their order: Python dicts do, and
// `tools | tojson` must print keys as the client sent them. (nlohmann::json converts implicitly, but its keys
// come out sorted; parse requests with ordered_json to keep the client's order.)
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/template.h"
#include "util/status.h"

namespace ingot::chat {

struct RenderOptions {
  nlohmann::ordered_json messages;  // array of {role, content, ...}
  nlohmann::ordered_json tools;     // array of tool schemas; null when absent (then `tools` is undefined)
  bool add_generation_prompt = true;
  std::string bos_token;
  std::string eos_token;
  nlohmann::ordered_json extra_context;     // object: chat_template_kwargs (enable_thinking, ...), merged in
  std::optional<std::string> date_override;  // "YYYY-MM-DD": pins strftime_now (tests use "2024-07-26")
  jinja::RenderLimits limits;
};

// A parsed chat template. Cheap to copy (shares the parsed tree); Render is const and thread-safe.
class ChatTemplate {
 public:
  // Fails with kInvalidArgument and "template line N: ..." on syntax errors.
  static Result<ChatTemplate> Parse(std::string source);

  // Errors (all kInvalidArgument): "template line N: ..." for template runtime errors and exceeded limits,
  // or exactly the template's message when it called raise_exception(msg) (callers surface it to the client).
  Result<std::string> Render(const RenderOptions& options) const;

 private:
  explicit ChatTemplate(jinja::Template t) : template_(std::move(t)) {}
  jinja::Template template_;
};

// ChatML (<|im_start|>role\ncontent<|im_end|>) for GGUFs that ship no chat template.
std::string DefaultChatMlTemplate();

}  // namespace ingot::chat
