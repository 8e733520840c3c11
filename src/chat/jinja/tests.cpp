// jinja2's built-in tests (`x is defined`, `x is mapping`, `x is divisibleby 3`, ...).
#include "chat/jinja/interp.h"
#include "chat/jinja/strings.h"

namespace ingot::chat::jinja {
namespace {

constexpr const char* kTests[] = {
    "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
    "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "lower", "upper", "even", "odd",
    "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
    ">", "ge", ">=", "in", "filter", "test"};

int64_t IntOperand(const Value& v, const char* test) {
  RequireDefined(v);
  if (!v.is_number()) Fail(std::string("test '") + test + "' needs a number, got " + TypeName(v));
  if (v.is_float()) return static_cast<int64_t>(v.as_float());
  return v.ToInt();
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
  if (name == "iterable") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "sequence") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "callable") return v.is_function();
  if (name == "escaped") return false;
  if (name == "lower") return v.is_string() && Lower(v.str()) == v.str();
  if (name == "upper") return v.is_string() && Upper(v.str()) == v.str();
  if (name == "even" || name == "odd") {
    int64_t n = IntOperand(v, name.c_str());
    return (n % 2 == 0) == (name == "even");
  }
  if (name == "divisibleby") {
    int64_t d = IntOperand(arg("num"), "divisibleby");
    if (d == 0) Fail("integer division or modulo by zero");
    return IntOperand(v, "divisibleby") % d == 0;
  }
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
