// Prompt sets for the HTTP load generator: a file of one prompt per line or JSON Lines, and the built-in default
// set (bench/prompts/default.txt, compiled into the binary) of a few hundred varied prompts of different lengths.
//
// JSON Lines: each non-blank line is one of
//   "a JSON string"                                   a user message
//   {"prompt": "...", "system": "..."}               a user message ("text" also accepted; "system" optional)
//   {"messages": [{"role": "...", "content": ...}]}  sent as is
//   {"conversations": [{"from": "human", "value": "..."}, ...]}  ShareGPT: the first human turn
// A file is read as JSON Lines when its name ends in ".jsonl" or its first non-blank line starts with '{';
// otherwise every non-blank line is one user message.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::bench {

struct Prompt {
  nlohmann::json messages;  // the chat request's "messages" array
};

enum class PromptFormat { kAuto, kLines, kJsonl };

// Errors (kInvalidArgument) name the 1-based line; a text with no prompt is an error.
Result<std::vector<Prompt>> ParsePrompts(std::string_view text, PromptFormat format);

// Reads a prompt file; the format follows the rules above.
Result<std::vector<Prompt>> LoadPrompts(const std::string& path);

// The built-in set.
std::string_view DefaultPromptText();
std::vector<Prompt> DefaultPrompts();

}  // namespace ingot::bench
