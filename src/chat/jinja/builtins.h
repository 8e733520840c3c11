// Global functions available to every template: range, namespace, dict, raise_exception, strftime_now.
#pragma once

#include "chat/jinja/interp.h"
#include "chat/jinja/template.h"

namespace ingot::chat::jinja {

void AddBuiltins(Scope& globals, const RenderConfig& config);

}  // namespace ingot::chat::jinja
