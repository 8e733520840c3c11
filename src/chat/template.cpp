// ChatTemplate: builds the transformers-style render context (messages, tools, add_generation_prompt,
// bos/eos tokens, chat_template_kwargs) and renders the Jinja template with it.
#include "chat/template.h"

#include <cstdio>
#include <ctime>

namespace ingot::chat {

Result<ChatTemplate> ChatTemplate::Parse(std::string source) {
  Result<jinja::Template> t = jinja::Template::Parse(source);
  if (!t.ok()) return t.status();
  return ChatTemplate(std::move(t).value());
}

Result<std::string> ChatTemplate::Render(const RenderOptions& options) const {
  if (!options.extra_context.is_null() && !options.extra_context.is_object()) {
    return InvalidArgument("chat_template_kwargs must be an object");
  }
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  if (options.extra_context.is_object()) {
    for (const auto& [key, value] : options.extra_context.items()) context[key] = value;
  }
  context["messages"] = options.messages.is_null() ? nlohmann::ordered_json::array() : options.messages;
  if (!options.tools.is_null()) context["tools"] = options.tools;
  context["add_generation_prompt"] = options.add_generation_prompt;
  context["bos_token"] = options.bos_token;
  context["eos_token"] = options.eos_token;

  jinja::RenderConfig config;
  config.limits = options.limits;
  if (options.date_override) {
    std::tm tm{};
    int y = 0, m = 0, d = 0;
    char extra = 0;
    if (std::sscanf(options.date_override->c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 ||
        m > 12 || d < 1 || d > 31) {
      return InvalidArgument("date_override must be YYYY-MM-DD, got '" + *options.date_override + "'");
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    std::time_t t = timegm(&tm);  // normalizes and fills in the weekday and day of year
    gmtime_r(&t, &tm);
    config.clock = [tm] { return tm; };
  }
  return template_.Render(context, config);
}

std::string DefaultChatMlTemplate() {
  return "{%- for message in messages -%}\n"
         "{{- '<|im_start|>' + message['role'] + '\\n' -}}\n"
         "{%- if message['content'] is string -%}\n"
         "{{- message['content'] -}}\n"
         "{%- elif message['content'] is iterable -%}\n"
         "{%- for part in message['content'] if part['type'] == 'text' -%}{{- part['text'] -}}{%- endfor -%}\n"
         "{%- endif -%}\n"
         "{{- '<|im_end|>\\n' -}}\n"
         "{%- endfor -%}\n"
         "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}\n";
}

}  // namespace ingot::chat
