// Python arithmetic on numbers (bool/int/float): + - * / // % ** with floor semantics and overflow checks.
#pragma once

#include <string>

#include "chat/jinja/value.h"

namespace ingot::chat::jinja {

// Both operands must satisfy is_number(). Integer overflow fails (Python would switch to big integers).
Value NumericOp(const std::string& op, const Value& a, const Value& b);

}  // namespace ingot::chat::jinja
