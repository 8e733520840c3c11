// Jinja tokenizer with the whitespace rules of jinja2 configured as Hugging Face does (trim_blocks,
// lstrip_blocks, `-`/`+` modifiers, one trailing newline of the source dropped, newlines normalized to \n).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace ingot::chat::jinja {

enum class TokenType { kData, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof };

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;  // data text, name, decoded string literal or operator
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
};

Result<std::vector<Token>> Tokenize(const std::string& source);

}  // namespace ingot::chat::jinja
