// jinja2 filters on scalars and strings (trim, default, tojson, int, round, indent, ...) and filter dispatch.
#include "chat/jinja/filters.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat/jinja/pyformat.h"
#include "chat/jinja/strings.h"
#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {
namespace {

// An integer argument (bools count, as in Python).
int64_t IntArg(const Value& v) {
  if (!v.is_int() && !v.is_bool()) Fail(Quoted(TypeName(v)) + " object cannot be interpreted as an integer");
  return v.ToInt();
}

Value Checked(Interp& in, std::string s) {
  in.CheckSize(s.size());
  return Value(std::move(s));
}

Value FilterDefault(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("default", args, {{"default_value", Value("")}, {"boolean", Value(false)}});
  if (v.is_undefined() || (Truthy(a[1]) && !Truthy(v))) return a[0];
  return v;
}

Value FilterTrim(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("trim", args, {{"chars", Value(None{})}});
  std::optional<std::string> chars;
  if (a[0].is_string()) chars = a[0].str();
  return Value(Strip(Str(v), chars, true, true));
}

Value FilterUpper(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("upper", args, {});
  return Value(Upper(Str(v)));
}

Value FilterLower(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("lower", args, {});
  return Value(Lower(Str(v)));
}

Value FilterCapitalize(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("capitalize", args, {});
  return Value(Capitalize(Str(v)));
}

Value FilterTitle(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("title", args, {});
  return Value(JinjaTitle(Str(v)));
}

Value FilterReplace(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("replace", args, {{"old", Value()}, {"new", Value()}, {"count", Value(None{})}});
  int64_t count = a[2].is_none() ? -1 : IntArg(a[2]);
  return Value(Replace(Str(v), Str(a[0]), Str(a[1]), count, in.limits().max_output_bytes));
}

Value FilterString(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("string", args, {});
  return Value(Str(v));
}

Value FilterSafe(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("safe", args, {});
  return Value(Str(v));
}

Value FilterEscape(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("escape", args, {});
  std::string out;
  for (char c : Str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Checked(in, std::move(out));
}

// Python's int(str): optional sign, digits with single underscores, surrounding whitespace.
std::optional<int64_t> ParseInt(const std::string& text, int base) {
  std::string s = Strip(text, std::nullopt, true, true);
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_' && s[i - 1] != '-' && s[i - 1] != '+') continue;
    digits += s[i];
  }
  if (digits.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(digits.c_str(), &end, base);
  if (errno != 0 || end != digits.c_str() + digits.size() || std::isspace(static_cast<unsigned char>(digits[0]))) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> ParseFloat(const std::string& text) {
  std::string s = Strip(text, std::nullopt, true, true);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

Value FilterInt(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("int", args, {{"default", Value(0)}, {"base", Value(10)}});
  RequireDefined(v);
  if (v.is_int() || v.is_bool()) return Value(v.ToInt());
  if (v.is_float()) {
    double d = v.as_float();
    if (std::isnan(d) || std::isinf(d) || std::fabs(d) >= 9.2e18) return a[0];
    return Value(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    int base = static_cast<int>(a[1].is_int() ? a[1].as_int() : 10);
    if (base < 2 || base > 36) base = 10;
    if (auto i = ParseInt(v.str(), base)) return Value(*i);
    if (auto d = ParseFloat(v.str())) {
      if (!std::isnan(*d) && !std::isinf(*d) && std::fabs(*d) < 9.2e18) return Value(static_cast<int64_t>(*d));
    }
  }
  return a[0];
}

Value FilterFloat(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("float", args, {{"default", Value(0.0)}});
  RequireDefined(v);
  if (v.is_number()) return Value(v.ToDouble());
  if (v.is_string()) {
    if (auto d = ParseFloat(v.str())) return Value(*d);
  }
  return a[0];
}

Value FilterAbs(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("abs", args, {});
  RequireDefined(v);
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_number()) {
    if (v.ToInt() == INT64_MIN) Fail("integer overflow");
    return Value(v.ToInt() < 0 ? -v.ToInt() : v.ToInt());
  }
  Fail("bad operand type for abs(): '" + TypeName(v) + "'");
}

// Python's round(x, n): correctly rounded, ties to even (printf rounds the exact binary value the same way).
double PyRound(double x, int64_t n) {
  if (std::isnan(x) || std::isinf(x)) return x;
  if (n >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<int64_t>(n, 300)), x);
    return std::strtod(buf, nullptr);
  }
  double scale = std::pow(10.0, static_cast<double>(-n));
  return std::nearbyint(x / scale) * scale;
}

Value FilterRound(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("round", args, {{"precision", Value(0)}, {"method", Value("common")}});
  RequireDefined(v);
  if (!v.is_number()) Fail("type " + TypeName(v) + " doesn't define __round__ method");
  int64_t precision = IntArg(a[0]);
  std::string method = Str(a[1]);
  if (method == "common") {
    if (!v.is_float()) return Value(v.ToInt());
    return Value(PyRound(v.as_float(), precision));
  }
  if (method != "floor" && method != "ceil") Fail("method must be common, ceil or floor");
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.ToDouble() * scale;
  return Value((method == "floor" ? std::floor(x) : std::ceil(x)) / scale);
}

Value FilterToJson(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("tojson", args, {{"ensure_ascii", Value(false)}, {"indent", Value(None{})},
                                {"separators", Value(None{})}, {"sort_keys", Value(false)}});
  JsonOptions o;
  if (a[1].is_int()) {
    o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(a[1].as_int(), 0, 64)), ' ');
  } else if (a[1].is_string()) {
    o.indent = a[1].str();
  }
  if (o.indent) o.item_separator = ",";
  if (a[2].is_list() && a[2].list().items.size() == 2) {
    o.item_separator = Str(a[2].list().items[0]);
    o.key_separator = Str(a[2].list().items[1]);
  }
  o.ensure_ascii = Truthy(a[0]);
  o.sort_keys = Truthy(a[3]);
  return Checked(in, ToJson(v, o));
}

Value FilterLength(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("length", args, {});
  if (v.is_string()) return Value(static_cast<int64_t>(CodePointCount(v.str())));
  if (v.is_list()) return Value(static_cast<int64_t>(v.list().items.size()));
  if (v.is_dict()) return Value(static_cast<int64_t>(v.dict().entries.size()));
  if (v.is_undefined()) return Value(0);
  Fail("object of type '" + TypeName(v) + "' has no len()");
}

Value FilterIndent(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("indent", args, {{"width", Value(4)}, {"first", Value(false)}, {"blank", Value(false)}});
  std::string indention =
      a[0].is_string() ? a[0].str() : std::string(static_cast<size_t>(std::clamp<int64_t>(IntArg(a[0]), 0, 1024)), ' ');
  RequireDefined(v);
  if (!v.is_string()) Fail("unsupported operand type(s) for +=: '" + TypeName(v) + "' and 'str'");
  std::string s = v.str() + "\n";
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r') continue;
    lines.push_back(s.substr(start, i - start));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    bool indent = i == 0 ? Truthy(a[1]) : (Truthy(a[2]) || !lines[i].empty());
    if (indent) out += indention;
    out += lines[i];
    in.CheckSize(out.size());
  }
  return Value(std::move(out));
}

Value FilterCenter(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("center", args, {{"width", Value(80)}});
  CallArgs method_args;
  method_args.positional.push_back(a[0]);
  return in.Call(GetMethod(Value(Str(v)), "center"), method_args);
}

Value FilterFormat(Interp& in, const Value& v, CallArgs& args) {
  Value values = args.keyword.empty() ? Value::MakeList(args.positional, true) : [&] {
    std::vector<std::pair<Value, Value>> entries;
    for (auto& [k, x] : args.keyword) entries.emplace_back(Value(k), x);
    return Value::MakeDict(std::move(entries));
  }();
  return Checked(in, PercentFormat(Str(v), values));
}

Value FilterWordcount(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("wordcount", args, {});
  std::string s = Str(v);
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    uint32_t c;
    i += DecodeUtf8(s, i, &c);
    bool word = IsWordChar(c);
    if (word && !in_word) ++n;
    in_word = word;
  }
  return Value(n);
}

Value FilterStriptags(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("striptags", args, {});
  std::string s = Str(v);
  std::string text;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = s.find("-->", i + 4);
      if (end != std::string::npos) {
        i = end + 2;
        continue;
      }
    }
    if (s[i] == '<') {
      size_t end = s.find('>', i + 1);
      if (end != std::string::npos) {
        i = end;
        continue;
      }
    }
    text += s[i];
  }
  std::string out;
  for (const std::string& w : Split(text, std::nullopt, -1, false)) {
    if (!out.empty()) out += " ";
    out += w;
  }
  return Value(std::move(out));
}

Value FilterAttr(Interp& in, const Value& v, CallArgs& args) {
  ArgParser a("attr", args, {{"name", Value()}});
  std::string name = Str(a[0]);
  if (v.is_namespace()) return in.GetAttr(v, name);
  RequireDefined(v);
  Value method = GetMethod(v, name);
  if (!method.is_undefined() || !method.undefined().message.empty()) return method;
  return Value::MakeUndefined("'" + ObjectTypeRepr(v) + "' has no attribute '" + name + "'");
}

Value FilterPprint(Interp&, const Value& v, CallArgs& args) {
  ArgParser a("pprint", args, {});
  return Value(Repr(v));
}

constexpr FilterEntry kScalarFilters[] = {
    {"default", FilterDefault},     {"d", FilterDefault},           {"trim", FilterTrim},
    {"upper", FilterUpper},         {"lower", FilterLower},         {"capitalize", FilterCapitalize},
    {"title", FilterTitle},         {"replace", FilterReplace},     {"string", FilterString},
    {"safe", FilterSafe},           {"escape", FilterEscape},       {"e", FilterEscape},
    {"forceescape", FilterEscape},  {"int", FilterInt},             {"float", FilterFloat},
    {"abs", FilterAbs},             {"round", FilterRound},         {"tojson", FilterToJson},
    {"length", FilterLength},       {"count", FilterLength},        {"indent", FilterIndent},
    {"center", FilterCenter},       {"format", FilterFormat},       {"wordcount", FilterWordcount},
    {"striptags", FilterStriptags}, {"attr", FilterAttr},           {"pprint", FilterPprint},
};

FilterFn FindFilter(const std::string& name) {
  for (std::span<const FilterEntry> table : {ScalarFilters(), SequenceFilters()}) {
    for (const FilterEntry& f : table) {
      if (name == f.name) return f.fn;
    }
  }
  return nullptr;
}

}  // namespace

std::span<const FilterEntry> ScalarFilters() { return kScalarFilters; }

bool IsKnownFilter(const std::string& name) { return FindFilter(name) != nullptr; }

Value ApplyFilter(Interp& in, const std::string& name, CallArgs& args) {
  FilterFn fn = FindFilter(name);
  if (fn == nullptr) Fail("No filter named '" + name + "'.");
  Value input = std::move(args.positional[0]);
  args.positional.erase(args.positional.begin());
  return fn(in, input, args);
}

}  // namespace ingot::chat::jinja
