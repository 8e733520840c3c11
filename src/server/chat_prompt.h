// The one function that turns a chat request into the prompt text the model sees; /v1/chat/completions and
// POST /apply-template both call it, so what /apply-template shows is what the engine tokenizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/model_text.h"
#include "util/status.h"

namespace ingot::server {

// True when the template reads content parts itself (item['text'] ...); otherwise text parts are joined
// into one string before rendering, since such templates concatenate message.content as a string.
bool TemplateIteratesContentParts(const std::string& template_source);

// Renders the request's messages with the model's template (content parts flattened where needed).
Result<std::string> RenderChatPrompt(const RenderInput& input, const PromptRenderer& renderer);

// Tokenizes a rendered prompt: special tokens parsed, BOS added when the model wants one and the template did
// not already write it.
std::vector<int32_t> TokenizePrompt(const std::string& prompt, const TextCodec& codec);

}  // namespace ingot::server
