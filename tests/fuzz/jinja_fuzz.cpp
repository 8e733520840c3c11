// libFuzzer target for the Jinja engine: any template source must parse or fail, and render or fail, with a
// fixed chat context and small limits; never crash, hang or exhaust memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "chat/jinja/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::ordered_json kContext = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
      {"role": "assistant", "content": "", "reasoning_content": "think",
       "tool_calls": [{"id": "c1", "type": "function",
                       "function": {"name": "f", "arguments": {"a": 1, "b": [true, null, 2.5]}}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "{\"ok\": 1}"}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "enable_thinking": false
  })");
  std::string source(reinterpret_cast<const char*>(data), size);
  auto parsed = ingot::chat::jinja::Template::Parse(source);
  if (!parsed.ok()) return 0;
  ingot::chat::jinja::RenderConfig config;
  config.limits.max_output_bytes = 1 << 20;
  config.limits.max_loop_iterations = 100000;
  config.clock = [] { return std::tm{}; };
  (void)parsed->Render(kContext, config);
  return 0;
}
