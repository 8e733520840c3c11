// Expression evaluation: names, literals, operators, comparisons, slices, calls, filters and tests, and
// jinja2's sandboxed attribute/item lookup (missing attributes are Undefined, mutating methods are unsafe).
#include <cmath>

#include "chat/jinja/arith.h"
#include "chat/jinja/interp.h"
#include "chat/jinja/pyformat.h"

namespace ingot::chat::jinja {

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
  if (op == "%" && a.is_string()) {
    std::string s = PercentFormat(a.str(), b);
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
    const int64_t size = static_cast<int64_t>(seq.list().items.size());
    if (size > 0 && n > limits_.max_loop_iterations / size) FailLimit("loop iteration limit exceeded");
    CountIterations(n * size);
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
  for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
    if (items != nullptr) {
      out.push_back((*items)[static_cast<size_t>(i)]);
    } else {
      s += chars[static_cast<size_t>(i)];
    }
    if (__builtin_add_overflow(i, step, &i)) break;
  }
  if (items == nullptr) return Value(std::move(s));
  return Value::MakeList(std::move(out), obj.list().is_tuple);
}

namespace {

Value LoopAttr(const LoopState& loop, const std::string& name) {
  const int64_t i = loop.index0;
  const int64_t n = static_cast<int64_t>(loop.items->size());
  if (name == "index") return Value(i + 1);
  if (name == "index0") return Value(i);
  if (name == "revindex") return Value(n - i);
  if (name == "revindex0") return Value(n - i - 1);
  if (name == "first") return Value(i == 0);
  if (name == "last") return Value(i == n - 1);
  if (name == "length") return Value(n);
  if (name == "depth") return Value(1);
  if (name == "depth0") return Value(0);
  if (name == "previtem") {
    return i > 0 ? (*loop.items)[static_cast<size_t>(i - 1)] : Value::MakeUndefined("there is no previous item");
  }
  if (name == "nextitem") {
    return i + 1 < n ? (*loop.items)[static_cast<size_t>(i + 1)] : Value::MakeUndefined("there is no next item");
  }
  if (name == "cycle") {
    return Value::MakeFunction("cycle", [i](Interp&, CallArgs& args) {
      if (args.positional.empty()) Fail("no items for cycling given");
      return args.positional[static_cast<size_t>(i) % args.positional.size()];
    });
  }
  return Value::MakeUndefined("'jinja2.runtime.LoopContext object' has no attribute " + Quoted(name));
}

}  // namespace

Value Interp::GetAttr(const Value& obj, const std::string& name) {
  RequireDefined(obj);
  if (obj.is_loop()) return LoopAttr(obj.loop(), name);
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
  if (container.is_dict()) {
    if ((item.is_list() && !item.list().is_tuple) || item.is_dict()) Fail("unhashable type: " + Quoted(TypeName(item)));
    return container.dict().Find(item) != nullptr;
  }
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
