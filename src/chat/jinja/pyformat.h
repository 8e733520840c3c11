// Python string formatting: `fmt % args` (printf style, also the `format` filter) and str.format().
#pragma once

#include <string>

#include "chat/jinja/value.h"

namespace ingot::chat::jinja {

// `args` is a tuple of positional values, a dict for %(name)s keys, or a single value.
std::string PercentFormat(const std::string& fmt, const Value& args);
// "{} {0} {name} {:>8.2f}"-style replacement fields.
std::string BraceFormat(const std::string& fmt, const CallArgs& args);

}  // namespace ingot::chat::jinja
