// Evaluator: statements (output, if, for, set, macro, call, filter, with) and expressions with jinja2's
// runtime semantics (sandboxed attribute lookup, Undefined propagation, Python operators).
#include "chat/jinja/interp.h"

#include <cmath>

#include "chat/jinja/pyformat.h"
#include "chat/jinja/arith.h"

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

void FailUndefined(const Value& v) { Fail(v.undefined().message); }

void RequireDefined(const Value& v) {
  if (v.is_undefined()) FailUndefined(v);
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
  const int64_t n = static_cast<int64_t>(items.size());
  // jinja2 clears its "loop was empty" flag at the end of the body, so a loop whose every iteration ended in
  // break or continue still renders its else block.
  bool body_completed = false;
  for (int64_t i = 0; i < n; ++i) {
    CountIterations(1);
    auto iter_scope = std::make_shared<Scope>();
    iter_scope->parent = scope;
    std::vector<std::pair<Value, Value>> loop;
    loop.emplace_back(Value("index"), Value(i + 1));
    loop.emplace_back(Value("index0"), Value(i));
    loop.emplace_back(Value("revindex"), Value(n - i));
    loop.emplace_back(Value("revindex0"), Value(n - i - 1));
    loop.emplace_back(Value("first"), Value(i == 0));
    loop.emplace_back(Value("last"), Value(i == n - 1));
    loop.emplace_back(Value("length"), Value(n));
    loop.emplace_back(Value("depth"), Value(1));
    loop.emplace_back(Value("depth0"), Value(0));
    loop.emplace_back(Value("previtem"),
                      i > 0 ? items[static_cast<size_t>(i - 1)] : Value::MakeUndefined("there is no previous item"));
    loop.emplace_back(Value("nextitem"),
                      i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::MakeUndefined("there is no next item"));
    loop.emplace_back(Value("cycle"), Value::MakeFunction("cycle", [i](Interp&, CallArgs& args) {
                        if (args.positional.empty()) Fail("no items for cycling given");
                        return args.positional[static_cast<size_t>(i) % args.positional.size()];
                      }));
    iter_scope->Set("loop", Value::MakeDict(std::move(loop), true));
    Assign(*iter_scope, s.targets, s.unpack, items[static_cast<size_t>(i)]);
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

CallArgs Interp::EvalArgs(const Expr& e, const ScopePtr& scope, size_t first) {
  CallArgs args;
  for (size_t i = first; i < e.args.size(); ++i) args.positional.push_back(Eval(*e.args[i], scope));
  for (const auto& [key, expr] : e.kwargs) args.keyword.emplace_back(key, Eval(*expr, scope));
  return args;
}

Value Interp::Call(const Value& callee, CallArgs& args) {
  if (callee.is_function()) return callee.function().call(*this, args);
  RequireDefined(callee);
  Fail(Quoted(TypeName(callee)) + " object is not callable");
}

Value Interp::Eval(const Expr& e, const ScopePtr& scope) {
  DepthGuard guard(&eval_depth_, limits_.max_eval_depth, "template evaluation");
  try {
    switch (e.kind) {
      case ExprKind::kLiteral:
        return e.value;
      case ExprKind::kName: {
        const Value* v = scope->Find(e.name);
        return v != nullptr ? *v : Value::MakeUndefined("'" + e.name + "' is undefined");
      }
      case ExprKind::kList:
      case ExprKind::kTuple: {
        std::vector<Value> items;
        for (const ExprPtr& a : e.args) items.push_back(Eval(*a, scope));
        return Value::MakeList(std::move(items), e.kind == ExprKind::kTuple);
      }
      case ExprKind::kDict: {
        std::vector<std::pair<Value, Value>> entries;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value key = Eval(*e.args[i], scope);
          if (key.is_list() && !key.list().is_tuple) Fail("unhashable type: 'list'");
          if (key.is_dict()) Fail("unhashable type: 'dict'");
          entries.emplace_back(std::move(key), Eval(*e.args[i + 1], scope));
        }
        return Value::MakeDict(std::move(entries));
      }
      case ExprKind::kGetAttr:
        return GetAttr(Eval(*e.args[0], scope), e.name);
      case ExprKind::kGetItem: {
        Value obj = Eval(*e.args[0], scope);
        return GetItem(obj, Eval(*e.args[1], scope));
      }
      case ExprKind::kSlice:
        return EvalSlice(e, scope);
      case ExprKind::kCall: {
        Value callee = Eval(*e.args[0], scope);
        CallArgs args = EvalArgs(e, scope, 1);
        return Call(callee, args);
      }
      case ExprKind::kFilter: {
        CallArgs args = EvalArgs(e, scope, 0);
        return ApplyFilter(*this, e.name, args);
      }
      case ExprKind::kTest: {
        CallArgs args = EvalArgs(e, scope, 0);
        return Value(ApplyTest(*this, e.name, args) != e.negated);
      }
      case ExprKind::kNot:
        return Value(!Truthy(Eval(*e.args[0], scope)));
      case ExprKind::kNeg:
      case ExprKind::kPos: {
        Value v = Eval(*e.args[0], scope);
        RequireDefined(v);
        if (!v.is_number()) {
          Fail(std::string("bad operand type for unary ") + (e.kind == ExprKind::kNeg ? "-" : "+") + ": '" +
               TypeName(v) + "'");
        }
        if (e.kind == ExprKind::kPos) return v.is_bool() ? Value(v.ToInt()) : v;
        if (v.is_float()) return Value(-v.as_float());
        if (v.ToInt() == INT64_MIN) Fail("integer overflow");
        return Value(-v.ToInt());
      }
      case ExprKind::kBinary:
        return EvalBinary(e, scope);
      case ExprKind::kCompare:
        return EvalCompare(e, scope);
      case ExprKind::kCondition:
        if (Truthy(Eval(*e.args[0], scope))) return Eval(*e.args[1], scope);
        if (e.args[2]) return Eval(*e.args[2], scope);
        return Value::MakeUndefined("the inline if-expression on line " + std::to_string(e.line) +
                                    " evaluated to false and no else section was defined.");
      case ExprKind::kPlaceholder:
        return placeholder_;
    }
  } catch (Error& err) {
    if (err.line == 0) err.line = e.line;
    throw;
  }
  return Value();
}

Value Interp::EvalBinary(const Expr& e, const ScopePtr& scope) {
  const std::string& op = e.name;
  Value a = Eval(*e.args[0], scope);
  if (op == "and") return Truthy(a) ? Eval(*e.args[1], scope) : a;
  if (op == "or") return Truthy(a) ? a : Eval(*e.args[1], scope);
  Value b = Eval(*e.args[1], scope);
  if (op == "~") {
    std::string s = Str(a);
    s += Str(b);
    CheckSize(s.size());
    return Value(std::move(s));
  }
  RequireDefined(a);
  RequireDefined(b);
  if (op == "+") {
    Value r = Add(a, b);
    if (r.is_string()) CheckSize(r.str().size());
    return r;
  }
  if (op == "%" && a.is_string()) {
    std::string s = PercentFormat(a.str(), b);
    CheckSize(s.size());
    return Value(std::move(s));
  }
  if (op == "*" && (a.is_string() || a.is_list() || b.is_string() || b.is_list())) {
    const Value& seq = (a.is_string() || a.is_list()) ? a : b;
    const Value& count = (a.is_string() || a.is_list()) ? b : a;
    if (!count.is_int() && !count.is_bool()) {
      Fail("can't multiply sequence by non-int of type '" + TypeName(count) + "'");
    }
    int64_t n = std::max<int64_t>(0, count.ToInt());
    if (seq.is_string()) {
      if (n > 0) CheckSize(seq.str().size() * static_cast<size_t>(std::min<int64_t>(n, INT32_MAX)));
      std::string s;
      for (int64_t i = 0; i < n; ++i) s += seq.str();
      return Value(std::move(s));
    }
    CountIterations(n * static_cast<int64_t>(seq.list().items.size()));
    std::vector<Value> items;
    for (int64_t i = 0; i < n; ++i) items.insert(items.end(), seq.list().items.begin(), seq.list().items.end());
    return Value::MakeList(std::move(items), seq.list().is_tuple);
  }
  if (!a.is_number() || !b.is_number()) {
    Fail("unsupported operand type(s) for " + op + ": '" + TypeName(a) + "' and '" + TypeName(b) + "'");
  }
  return NumericOp(op, a, b);
}

Value Interp::EvalCompare(const Expr& e, const ScopePtr& scope) {
  Value lhs = Eval(*e.args[0], scope);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value rhs = Eval(*e.args[i + 1], scope);
    const std::string& op = e.ops[i];
    bool ok;
    if (op == "==") {
      ok = Equals(lhs, rhs);
    } else if (op == "!=") {
      ok = !Equals(lhs, rhs);
    } else if (op == "in" || op == "notin") {
      ok = Contains(rhs, lhs) == (op == "in");
    } else {
      RequireDefined(lhs);
      RequireDefined(rhs);
      if (op == "<") ok = Less(lhs, rhs);
      else if (op == ">") ok = Less(rhs, lhs);
      else if (op == "<=") ok = !Less(rhs, lhs);
      else ok = !Less(lhs, rhs);
    }
    if (!ok) return Value(false);
    lhs = std::move(rhs);
  }
  return Value(true);
}

namespace {

// Python slice index normalization for a sequence of length n.
int64_t SliceIndex(const Value& v, int64_t n, int64_t step, bool is_start) {
  if (v.is_undefined() || v.is_none()) {
    if (step > 0) return is_start ? 0 : n;
    return is_start ? n - 1 : -1;
  }
  if (!v.is_int() && !v.is_bool()) Fail("slice indices must be integers or None or have an __index__ method");
  int64_t i = v.ToInt();
  if (i < 0) {
    i += n;
    if (i < 0) i = step > 0 ? 0 : -1;
  } else if (i >= n) {
    i = step > 0 ? n : n - 1;
  }
  return i;
}

}  // namespace

Value Interp::EvalSlice(const Expr& e, const ScopePtr& scope) {
  Value obj = Eval(*e.args[0], scope);
  Value parts[3];
  for (int i = 0; i < 3; ++i) {
    if (e.args[static_cast<size_t>(i) + 1]) parts[i] = Eval(*e.args[static_cast<size_t>(i) + 1], scope);
  }
  RequireDefined(obj);
  int64_t step = 1;
  if (!parts[2].is_undefined() && !parts[2].is_none()) {
    if (!parts[2].is_int() && !parts[2].is_bool()) Fail("slice indices must be integers or None");
    step = parts[2].ToInt();
    if (step == 0) Fail("slice step cannot be zero");
  }
  std::vector<std::string> chars;
  const std::vector<Value>* items = nullptr;
  int64_t n;
  if (obj.is_string()) {
    chars = SplitCodePoints(obj.str());
    n = static_cast<int64_t>(chars.size());
  } else if (obj.is_list()) {
    items = &obj.list().items;
    n = static_cast<int64_t>(items->size());
  } else if (obj.is_dict()) {
    Fail("unhashable type: 'slice'");
  } else {
    // jinja2 compiles slices to a plain Python subscript, so unlike obj[key] this fails.
    Fail(Quoted(TypeName(obj)) + " object is not subscriptable");
  }
  int64_t start = SliceIndex(parts[0], n, step, true);
  int64_t stop = SliceIndex(parts[1], n, step, false);
  std::string s;
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (items != nullptr) {
      out.push_back((*items)[static_cast<size_t>(i)]);
    } else {
      s += chars[static_cast<size_t>(i)];
    }
  }
  if (items == nullptr) return Value(std::move(s));
  return Value::MakeList(std::move(out), obj.list().is_tuple);
}

Value Interp::GetAttr(const Value& obj, const std::string& name) {
  RequireDefined(obj);
  if (obj.is_namespace()) {
    if (const Value* v = obj.ns().attrs.FindKey(name)) return *v;
  } else {
    Value method = GetMethod(obj, name);
    if (!method.is_undefined() || !method.undefined().message.empty()) return method;
    if (obj.is_dict()) {
      if (const Value* v = obj.dict().FindKey(name)) return *v;
    }
  }
  return Value::MakeUndefined(Quoted(ObjectTypeRepr(obj)) + " has no attribute " + Quoted(name));
}

Value Interp::GetItem(const Value& obj, const Value& key) {
  RequireDefined(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().Find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.ToInt();
    if (obj.is_list()) {
      int64_t n = static_cast<int64_t>(obj.list().items.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return obj.list().items[static_cast<size_t>(i)];
    } else {
      std::vector<std::string> chars = SplitCodePoints(obj.str());
      int64_t n = static_cast<int64_t>(chars.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return Value(chars[static_cast<size_t>(i)]);
    }
  }
  if (key.is_string()) return GetAttr(obj, key.str());
  return Value::MakeUndefined(ObjectTypeRepr(obj) + " has no element " + Repr(key));
}

Value Add(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) return Value(a.str() + b.str());
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    std::vector<Value> items = a.list().items;
    items.insert(items.end(), b.list().items.begin(), b.list().items.end());
    return Value::MakeList(std::move(items), a.list().is_tuple);
  }
  if (a.is_number() && b.is_number()) return NumericOp("+", a, b);
  if (a.is_string() || a.is_list()) {
    std::string t = TypeName(a);
    Fail("can only concatenate " + t + " (not \"" + TypeName(b) + "\") to " + t);
  }
  Fail("unsupported operand type(s) for +: '" + TypeName(a) + "' and '" + TypeName(b) + "'");
}

bool Contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      Fail("'in <string>' requires string as left operand, not " + TypeName(item));
    }
    return container.str().find(item.str()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const Value& v : container.list().items) {
      if (Equals(v, item)) return true;
    }
    return false;
  }
  if (container.is_dict()) return container.dict().Find(item) != nullptr;
  if (container.is_iterator()) {
    for (const Value& v : Iterate(container)) {
      if (Equals(v, item)) return true;
    }
    return false;
  }
  if (container.is_undefined()) return false;
  Fail("argument of type '" + TypeName(container) + "' is not iterable");
}

}  // namespace ingot::chat::jinja
