// Parses Jinja template source into a syntax tree; errors carry the template line number.
#pragma once

#include <memory>
#include <string>

#include "chat/jinja/ast.h"
#include "util/status.h"

namespace ingot::chat::jinja {

Result<std::shared_ptr<const Body>> Parse(const std::string& source);

}  // namespace ingot::chat::jinja
