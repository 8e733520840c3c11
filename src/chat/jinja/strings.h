// Python str operations on UTF-8 strings used by both string methods and filters. Case mapping covers ASCII,
// Latin-1, Latin Extended-A/Additional, Greek, Cyrillic, Armenian and fullwidth letters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingot::chat::jinja {

// str.strip/lstrip/rstrip: `chars` unset strips whitespace, otherwise any of its code points.
std::string Strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split / str.rsplit: `sep` unset splits on runs of whitespace; maxsplit < 0 means no limit.
std::vector<std::string> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right);
std::string Replace(std::string_view s, std::string_view old_sub, std::string_view new_sub, int64_t count,
                    size_t max_bytes);
std::string Upper(std::string_view s);
std::string Lower(std::string_view s);
std::string Capitalize(std::string_view s);  // str.capitalize
std::string PyTitle(std::string_view s);     // str.title
// jinja2's title filter: upper-cases the first letter after each run of [-\s({[<] and lower-cases the rest.
std::string JinjaTitle(std::string_view s);
bool IsUpper(std::string_view s);  // str.isupper
bool IsLower(std::string_view s);  // str.islower
int64_t CountSub(std::string_view s, std::string_view sub);
// Code-point index of the first (or last) occurrence of sub, or -1.
int64_t Find(std::string_view s, std::string_view sub, bool from_right);

}  // namespace ingot::chat::jinja
