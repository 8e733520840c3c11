// jinja::Template: parsing with jinja2's compile-time checks, and rendering with error conversion to Status.
#include "chat/jinja/template.h"

#include <exception>
#include <new>

#include "chat/jinja/builtins.h"
#include "chat/jinja/interp.h"
#include "chat/jinja/parser.h"

namespace ingot::chat::jinja {

struct Program {
  std::shared_ptr<const Body> body;
};

namespace {

// jinja2 resolves filter and test names when compiling, so an unknown one fails even in an untaken branch.
void CheckNames(const Expr& e) {
  if (e.kind == ExprKind::kFilter && !IsKnownFilter(e.name)) {
    throw Error{"No filter named '" + e.name + "'.", e.line, false, false};
  }
  if (e.kind == ExprKind::kTest && !IsKnownTest(e.name)) {
    throw Error{"No test named '" + e.name + "'.", e.line, false, false};
  }
  for (const ExprPtr& a : e.args) {
    if (a) CheckNames(*a);
  }
  for (const auto& kw : e.kwargs) CheckNames(*kw.second);
}

void CheckNames(const Body& body) {
  for (const StmtPtr& s : body) {
    for (const Expr* e : {s->expr.get(), s->cond.get()}) {
      if (e != nullptr) CheckNames(*e);
    }
    for (const Branch& b : s->branches) {
      CheckNames(*b.cond);
      CheckNames(b.body);
    }
    for (const ExprPtr& v : s->values) CheckNames(*v);
    for (const Param& p : s->params) {
      if (p.default_value) CheckNames(*p.default_value);
    }
    CheckNames(s->body);
    CheckNames(s->else_body);
  }
}

}  // namespace

Result<Template> Template::Parse(const std::string& source) {
  Result<std::shared_ptr<const Body>> body = jinja::Parse(source);
  if (!body.ok()) return body.status();
  try {
    CheckNames(**body);
  } catch (const Error& e) {
    return InvalidArgument("template line " + std::to_string(e.line) + ": " + e.message);
  }
  return Template(std::make_shared<const Program>(Program{std::move(body).value()}));
}

Result<std::string> Template::Render(const nlohmann::ordered_json& context, const RenderConfig& config) const {
  if (!context.is_object() && !context.is_null()) return InvalidArgument("template context must be an object");
  try {
    auto globals = std::make_shared<Scope>();
    AddBuiltins(*globals, config);
    auto vars = std::make_shared<Scope>();
    vars->parent = globals;
    if (context.is_object()) {
      for (const auto& [key, value] : context.items()) vars->Set(key, FromJson(value));
    }
    Interp interp(config.limits);
    return interp.Render(*program_->body, vars);
  } catch (const Error& e) {
    if (e.raised) return InvalidArgument(e.message);
    return InvalidArgument("template line " + std::to_string(e.line) + ": " + e.message);
  } catch (const std::bad_alloc&) {
    return InvalidArgument("template rendering ran out of memory");
  } catch (const std::exception& e) {
    // An engine bug must fail the request, not the process.
    return Internal(std::string("template engine error: ") + e.what());
  }
}

}  // namespace ingot::chat::jinja
