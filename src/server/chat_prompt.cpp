// Chat prompt rendering shared by the chat endpoint and /apply-template.
#include "server/chat_prompt.h"

namespace ingot::server {
namespace {

// Joins the text parts of an array content into one string ("\n" between parts, as llama-server does).
nlohmann::ordered_json FlattenContent(const nlohmann::ordered_json& content) {
  if (!content.is_array()) return content;
  std::string text;
  for (const nlohmann::ordered_json& part : content) {
    if (!text.empty()) text += "\n";
    text += part.value("text", "");
  }
  return text;
}

}  // namespace

bool TemplateIteratesContentParts(const std::string& template_source) {
  return template_source.find("['text']") != std::string::npos ||
         template_source.find("[\"text\"]") != std::string::npos ||
         template_source.find(".text") != std::string::npos;
}

Result<std::string> RenderChatPrompt(const RenderInput& input, const PromptRenderer& renderer) {
  if (TemplateIteratesContentParts(renderer.source())) return renderer.Render(input);
  RenderInput flat = input;
  for (nlohmann::ordered_json& message : flat.messages) {
    if (message.contains("content")) message["content"] = FlattenContent(message["content"]);
  }
  return renderer.Render(flat);
}

std::vector<int32_t> TokenizePrompt(const std::string& prompt, const TextCodec& codec) {
  std::vector<int32_t> tokens = codec.Encode(prompt, /*add_special=*/true, /*parse_special=*/true);
  int32_t bos = codec.bos();
  if (bos >= 0 && tokens.size() >= 2 && tokens[0] == bos && tokens[1] == bos) tokens.erase(tokens.begin());
  return tokens;
}

}  // namespace ingot::server
