// UTF-8 decoding/encoding and Python's str.isprintable() for the code points repr() escapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ingot::chat::jinja {

// Decodes the code point starting at s[i] into *cp and returns its byte length (>= 1). Invalid bytes decode
// as U+FFFD with length 1, so callers always make progress.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp);
void AppendUtf8(uint32_t cp, std::string& out);
// Approximates Python's str.isprintable(): false for control, separator (other than ' ') and format characters.
bool IsPrintable(uint32_t cp);
// Approximates Python's regex \w: letters, digits and '_' (non-ASCII counts unless punctuation or a symbol).
bool IsWordChar(uint32_t cp);
// Python's str.isspace() for the whitespace strip()/split() remove.
bool IsSpace(uint32_t cp);

}  // namespace ingot::chat::jinja
