// Evaluator, statement half: scopes, output, if, for (with jinja2's loop variables), set, macros and call
// blocks, filter blocks, with. Expressions are in eval.cpp.
#include "chat/jinja/interp.h"

namespace ingot::chat::jinja {

const Value* Scope::Find(const std::string& name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent.get()) {
    for (const auto& [k, v] : s->vars) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Scope::Set(const std::string& name, Value value) {
  for (auto& [k, v] : vars) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(name, std::move(value));
}

void RequireDefined(const Value& v) {
  if (v.is_undefined()) Fail(v.undefined().message);
}

Interp::DepthGuard::DepthGuard(int* d, int limit, const char* what) : depth(d) {
  if (++*depth > limit) {
    --*depth;
    FailLimit(std::string(what) + " too deep");
  }
}

void Interp::CountIterations(int64_t n) {
  iterations_ += n;
  if (iterations_ > limits_.max_loop_iterations) FailLimit("loop iteration limit exceeded");
}

void Interp::CheckSize(size_t bytes) const {
  if (bytes > limits_.max_output_bytes) FailLimit("output size limit exceeded");
}

void Interp::Write(std::string_view text) {
  CheckSize(out_->size() + text.size());
  out_->append(text);
}

std::string Interp::Render(const Body& body, const ScopePtr& globals) {
  std::string out;
  out_ = &out;
  auto scope = std::make_shared<Scope>();
  scope->parent = globals;
  Exec(body, scope);
  return out;
}

std::string Interp::Capture(const Body& body, const ScopePtr& scope) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    Exec(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buffer;
}

Interp::Flow Interp::Exec(const Body& body, const ScopePtr& scope) {
  DepthGuard guard(&eval_depth_, limits_.max_eval_depth, "template evaluation");
  for (const StmtPtr& s : body) {
    Flow flow;
    try {
      flow = ExecStmt(*s, scope);
    } catch (Error& e) {
      if (e.line == 0) e.line = s->line;
      throw;
    }
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Interp::Flow Interp::ExecStmt(const Stmt& s, const ScopePtr& scope) {
  switch (s.kind) {
    case StmtKind::kText:
      Write(s.text);
      return Flow::kNormal;
    case StmtKind::kOutput:
      Write(Str(Eval(*s.expr, scope)));
      return Flow::kNormal;
    case StmtKind::kIf:
      for (const Branch& b : s.branches) {
        if (Truthy(Eval(*b.cond, scope))) return Exec(b.body, scope);
      }
      return Exec(s.else_body, scope);
    case StmtKind::kFor:
      return ExecFor(s, scope);
    case StmtKind::kSet:
      ExecSet(s, scope);
      return Flow::kNormal;
    case StmtKind::kSetBlock: {
      Value captured(Capture(s.body, scope));
      if (s.expr) {
        Value saved = placeholder_;
        placeholder_ = captured;
        captured = Eval(*s.expr, scope);
        placeholder_ = saved;
      }
      scope->Set(s.name, captured);
      return Flow::kNormal;
    }
    case StmtKind::kMacro:
      scope->Set(s.name, MakeMacro(s, scope));
      return Flow::kNormal;
    case StmtKind::kCallBlock: {
      const Stmt* stmt = &s;
      std::weak_ptr<Scope> weak = scope;
      Value caller = Value::MakeFunction("caller", [this, stmt, weak](Interp&, CallArgs& args) {
        ScopePtr closure = weak.lock();
        if (!closure) Fail("caller used outside its call block");
        return CallMacro(*stmt, closure, args);
      });
      Value callee = Eval(*s.expr->args[0], scope);
      CallArgs args = EvalArgs(*s.expr, scope, 1);
      args.keyword.emplace_back("caller", caller);
      Write(Str(Call(callee, args)));
      return Flow::kNormal;
    }
    case StmtKind::kFilterBlock: {
      Value saved = placeholder_;
      placeholder_ = Value(Capture(s.body, scope));
      Value result = Eval(*s.expr, scope);
      placeholder_ = saved;
      Write(Str(result));
      return Flow::kNormal;
    }
    case StmtKind::kWith: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      for (size_t i = 0; i < s.targets.size(); ++i) inner->Set(s.targets[i], Eval(*s.values[i], scope));
      return Exec(s.body, inner);
    }
    case StmtKind::kScope:
      return Exec(s.body, scope);
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
  }
  return Flow::kNormal;
}

namespace {

// Assigns `value` to `targets`, unpacking sequences like Python's `a, b = value`.
void Assign(Scope& scope, const std::vector<std::string>& targets, bool unpack, const Value& value) {
  if (!unpack) {
    scope.Set(targets[0], value);
    return;
  }
  if (!value.is_list() && !value.is_dict() && !value.is_string() && !value.is_undefined() && !value.is_iterator()) {
    Fail("cannot unpack non-iterable " + TypeName(value) + " object");
  }
  std::vector<Value> items = Iterate(value);
  if (items.size() != targets.size()) {
    Fail(items.size() < targets.size()
             ? "not enough values to unpack (expected " + std::to_string(targets.size()) + ", got " +
                   std::to_string(items.size()) + ")"
             : "too many values to unpack (expected " + std::to_string(targets.size()) + ")");
  }
  for (size_t i = 0; i < targets.size(); ++i) scope.Set(targets[i], items[i]);
}

}  // namespace

Interp::Flow Interp::ExecFor(const Stmt& s, const ScopePtr& scope) {
  Value iterable = Eval(*s.expr, scope);
  std::vector<Value> items = Iterate(iterable);
  if (s.cond) {
    std::vector<Value> kept;
    for (const Value& item : items) {
      CountIterations(1);
      auto probe = std::make_shared<Scope>();
      probe->parent = scope;
      Assign(*probe, s.targets, s.unpack, item);
      if (Truthy(Eval(*s.cond, probe))) kept.push_back(item);
    }
    items = std::move(kept);
  }
  auto shared_items = std::make_shared<const std::vector<Value>>(std::move(items));
  auto loop = std::make_shared<LoopState>();
  loop->items = shared_items;
  const Value loop_value(loop);
  const int64_t n = static_cast<int64_t>(shared_items->size());
  // jinja2 clears its "loop was empty" flag at the end of the body, so a loop whose every iteration ended in
  // break or continue still renders its else block.
  bool body_completed = false;
  for (int64_t i = 0; i < n; ++i) {
    CountIterations(1);
    loop->index0 = i;
    auto iter_scope = std::make_shared<Scope>();
    iter_scope->parent = scope;
    iter_scope->Set("loop", loop_value);
    Assign(*iter_scope, s.targets, s.unpack, (*shared_items)[static_cast<size_t>(i)]);
    Flow flow = Exec(s.body, iter_scope);
    if (flow == Flow::kBreak) break;
    body_completed = body_completed || flow == Flow::kNormal;
  }
  if (!body_completed) return Exec(s.else_body, scope);
  return Flow::kNormal;
}

void Interp::ExecSet(const Stmt& s, const ScopePtr& scope) {
  Value value = Eval(*s.expr, scope);
  if (!s.attr.empty()) {
    const Value* target = scope->Find(s.targets[0]);
    if (target == nullptr || !target->is_namespace()) Fail("cannot assign attribute on non-namespace object");
    if (value.HoldsReference()) Fail("cannot store a namespace or function in a namespace");
    Dict& attrs = target->ns().attrs;
    for (auto& [k, v] : attrs.entries) {
      if (k.is_string() && k.str() == s.attr) {
        v = std::move(value);
        return;
      }
    }
    attrs.entries.emplace_back(Value(s.attr), std::move(value));
    return;
  }
  Assign(*scope, s.targets, s.unpack, value);
}

Value Interp::MakeMacro(const Stmt& s, const ScopePtr& scope) {
  const Stmt* stmt = &s;
  // The closure holds the defining scope weakly: a macro stored in that scope must not keep it alive.
  std::weak_ptr<Scope> weak = scope;
  return Value::MakeFunction(s.name, [this, stmt, weak](Interp&, CallArgs& args) {
    ScopePtr closure = weak.lock();
    if (!closure) Fail("macro '" + stmt->name + "' called outside its scope");
    return CallMacro(*stmt, closure, args);
  });
}

Value Interp::CallMacro(const Stmt& s, const ScopePtr& closure, CallArgs& args) {
  DepthGuard guard(&call_depth_, limits_.max_call_depth, "macro recursion");
  auto scope = std::make_shared<Scope>();
  scope->parent = closure;
  std::vector<bool> bound(s.params.size(), false);
  std::vector<Value> varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < s.params.size()) {
      scope->Set(s.params[i].name, args.positional[i]);
      bound[i] = true;
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  std::vector<std::pair<Value, Value>> kwargs;
  for (auto& [key, value] : args.keyword) {
    bool matched = false;
    for (size_t i = 0; i < s.params.size(); ++i) {
      if (s.params[i].name != key) continue;
      if (bound[i]) Fail("macro '" + s.name + "' got multiple values for argument '" + key + "'");
      scope->Set(key, value);
      bound[i] = matched = true;
    }
    if (!matched) {
      if (key == "caller") {
        scope->Set("caller", value);
      } else {
        kwargs.emplace_back(Value(key), value);
      }
    }
  }
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (bound[i]) continue;
    if (s.params[i].default_value) {
      scope->Set(s.params[i].name, Eval(*s.params[i].default_value, scope));
    } else {
      scope->Set(s.params[i].name, Value::MakeUndefined("'" + s.params[i].name + "' is undefined"));
    }
  }
  scope->Set("varargs", Value::MakeList(std::move(varargs), true));
  scope->Set("kwargs", Value::MakeDict(std::move(kwargs)));
  return Value(Capture(s.body, scope));
}

}  // namespace ingot::chat::jinja
