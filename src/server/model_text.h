// What the server needs from the model's text side, behind two small seams so the HTTP layer can be tested
// with fakes: a tokenizer (TextCodec) and a chat template renderer (PromptRenderer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace ingot::server {

// Thread-safe (all methods const and stateless).
class TextCodec {
 public:
  virtual ~TextCodec() = default;
  // add_special: prepend BOS (and whatever the model adds); parse_special: "<|im_start|>" becomes one token.
  virtual std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const = 0;
  virtual std::string Decode(const std::vector<int32_t>& tokens) const = 0;
  virtual std::string TokenPiece(int32_t token) const = 0;  // the token's text (may be a partial UTF-8 char)
  virtual int32_t vocab_size() const = 0;
  virtual int32_t bos() const = 0;  // -1 when the model has none
};

// Request JSON keeps the client's key order (ordered_json): templates print tools and arguments with tojson,
// and Python dicts keep insertion order.
struct RenderInput {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // OpenAI messages, content validated
  nlohmann::ordered_json tools;                                       // null or an array
  bool add_generation_prompt = true;
  nlohmann::ordered_json extra_context = nlohmann::ordered_json::object();  // chat_template_kwargs
  std::optional<std::string> date_override;                 // "YYYY-MM-DD" for strftime_now (`template --date`)
};

// Thread-safe (Render is const).
class PromptRenderer {
 public:
  virtual ~PromptRenderer() = default;
  // The exact text to tokenize (special tokens as text; BOS included when the template writes it).
  virtual Result<std::string> Render(const RenderInput& input) const = 0;
  // The template source, used to detect reasoning markers and how content parts are handled.
  virtual const std::string& source() const = 0;
};

}  // namespace ingot::server
