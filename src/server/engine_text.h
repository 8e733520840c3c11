// The production TextCodec and PromptRenderer: the engine's tokenizer and the model's Jinja chat template
// (tokenizer.chat_template, a --chat-template file, or chat::DefaultChatMlTemplate()).
#pragma once

#include <memory>
#include <string>

#include "server/model_text.h"
#include "util/status.h"

namespace ingot::tok {
class Tokenizer;
}

namespace ingot::server {

// `tokenizer` must outlive the codec (it belongs to the engine).
std::unique_ptr<TextCodec> MakeTokenizerCodec(const tok::Tokenizer& tokenizer);

// Parses the template (kInvalidArgument with the parser's message when it is broken). bos/eos are the
// texts of the model's BOS/EOS tokens, passed to the template as bos_token / eos_token.
Result<std::unique_ptr<PromptRenderer>> MakeTemplateRenderer(const std::string& source, const std::string& bos_token,
                                                             const std::string& eos_token);

}  // namespace ingot::server
