// jinja2's built-in tests (`x is defined`, `x is mapping`, `x is divisibleby 3`, ...).
#include "chat/jinja/arith.h"
#include "chat/jinja/interp.h"
#include "chat/jinja/strings.h"

namespace ingot::chat::jinja {
namespace {

constexpr const char* kTests[] = {
    "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
    "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "lower", "upper", "even", "odd",
    "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
    ">", "ge", ">=", "in", "filter", "test"};

// `value % divisor == 0` with Python semantics.
bool Divisible(const Value& v, const Value& divisor) {
  RequireDefined(v);
  RequireDefined(divisor);
  if (!v.is_number() || !divisor.is_number()) {
    Fail("unsupported operand type(s) for %: '" + TypeName(v) + "' and '" + TypeName(divisor) + "'");
  }
  return !Truthy(NumericOp("%", v, divisor));
}

bool TakesNoArgument(const std::string& name) {
  for (const char* t : {"defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number",
                        "string", "mapping", "iterable", "sequence", "callable", "escaped", "lower", "upper",
                        "even", "odd", "filter", "test"}) {
    if (name == t) return true;
  }
  return false;
}

}  // namespace

bool IsKnownTest(const std::string& name) {
  for (const char* t : kTests) {
    if (name == t) return true;
  }
  return false;
}

bool ApplyTest(Interp&, const std::string& name, CallArgs& args) {
  const Value v = args.positional[0];
  args.positional.erase(args.positional.begin());
  if (TakesNoArgument(name)) ArgParser check(name, args, {});
  auto arg = [&](const char* param) {
    ArgParser a(name, args, {{param, Value()}});
    return a[0];
  };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined() || v.is_iterator();
  if (name == "sequence") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "callable") return v.is_function() || v.is_undefined();  // jinja2's Undefined has __call__
  if (name == "escaped") return false;
  if (name == "lower") return IsLower(Str(v));
  if (name == "upper") return IsUpper(Str(v));
  if (name == "even") return Divisible(v, Value(2));
  if (name == "odd") {
    RequireDefined(v);
    if (!v.is_number()) Fail("unsupported operand type(s) for %: '" + TypeName(v) + "' and 'int'");
    return Equals(NumericOp("%", v, Value(2)), Value(1));
  }
  if (name == "divisibleby") return Divisible(v, arg("num"));
  if (name == "sameas") {
    Value other = arg("other");
    if (v.storage().index() != other.storage().index()) return false;
    if (v.is_list()) return &v.list() == &other.list();
    if (v.is_dict()) return &v.dict() == &other.dict();
    return Equals(v, other);
  }
  if (name == "eq" || name == "equalto" || name == "==") return Equals(v, arg("other"));
  if (name == "ne" || name == "!=") return !Equals(v, arg("other"));
  if (name == "in") return Contains(arg("seq"), v);
  if (name == "filter") return v.is_string() && IsKnownFilter(v.str());
  if (name == "test") return v.is_string() && IsKnownTest(v.str());
  Value other = arg("other");
  RequireDefined(v);
  RequireDefined(other);
  if (name == "lt" || name == "lessthan" || name == "<") return Less(v, other);
  if (name == "le" || name == "<=") return !Less(other, v);
  if (name == "gt" || name == "greaterthan" || name == ">") return Less(other, v);
  if (name == "ge" || name == ">=") return !Less(v, other);
  Fail("No test named '" + name + "'.");
}

}  // namespace ingot::chat::jinja
