// Public API of the Jinja engine: parse once, render many times with a JSON context.
// A Template is cheap to copy (shared immutable tree) and Render is const and thread-safe.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/interp.h"
#include "util/status.h"

namespace ingot::chat::jinja {

struct RenderConfig {
  RenderLimits limits;
  // Local time for strftime_now(); unset means the system clock. Tests pin it.
  std::function<std::tm()> clock;
};

class Template {
 public:
  // Syntax errors, unknown filters and unknown tests fail here with "template line N: ...".
  static Result<Template> Parse(const std::string& source);

  // Renders with `context` (a JSON object) as the template variables plus the globals range, namespace, dict,
  // raise_exception and strftime_now. Errors: "template line N: message", or exactly the message given to
  // raise_exception(). All are kInvalidArgument except exceeded limits (kResourceExhausted).
  Result<std::string> Render(const nlohmann::ordered_json& context, const RenderConfig& config = {}) const;

 private:
  explicit Template(std::shared_ptr<const Body> body) : body_(std::move(body)) {}
  std::shared_ptr<const Body> body_;
};

}  // namespace ingot::chat::jinja
