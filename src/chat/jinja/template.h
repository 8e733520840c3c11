// Public API of the Jinja engine: parse once, render many times with a JSON context.
// A Template is cheap to copy (shared immutable tree) and Render is const and thread-safe.
//
// Semantics are those of Python Jinja2 as Hugging Face transformers configures it for chat templates:
// ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loopcontrols), default Undefined,
// tojson = json.dumps(ensure_ascii=False), raise_exception and strftime_now globals, {% generation %} tag.
// Supported: if/elif/else, for (else, `if` filter, loop.*, break/continue), set (tuple, namespace attribute,
// block), macro (defaults, kwargs, varargs, recursion), call blocks, filter blocks, with, raw, comments;
// jinja2's expression grammar, tests, most built-in filters, and the Python str/dict/list methods templates use.
// Known differences from Jinja2 (none matters to real chat templates):
//   - integers are 64-bit: overflow is an error instead of a big integer;
//   - case mapping covers Latin, Greek, Cyrillic and Armenian letters only;
//   - dict.keys()/values()/items() return lists rather than views; generator reprs show a fixed address;
//   - `safe` returns a plain string (no Markup escaping on later concatenation);
//   - recursive loops, include/import/extends and line statements are not supported;
//   - a namespace may not hold a namespace, function or loop (prevents reference cycles);
//   - RenderLimits bound recursion, output size and loop iterations.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/limits.h"
#include "util/status.h"

namespace ingot::chat::jinja {

struct Program;  // the parsed template (template.cpp)

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
  // raise_exception and strftime_now. Errors (all kInvalidArgument): "template line N: message" (including
  // exceeded RenderLimits), or exactly the message given to raise_exception().
  Result<std::string> Render(const nlohmann::ordered_json& context, const RenderConfig& config = {}) const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace ingot::chat::jinja
