// Python methods reachable from templates: str (split, strip, startswith, format, ...), dict (items, get, ...)
// and list (count, index). Mutating methods are "unsafe" as in jinja2's ImmutableSandboxedEnvironment.
#include <algorithm>

#include "chat/jinja/interp.h"
#include "chat/jinja/pyformat.h"
#include "chat/jinja/strings.h"
#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {
namespace {

std::optional<std::string> OptString(const Value& v, const char* what) {
  if (v.is_none() || v.is_undefined()) return std::nullopt;
  if (!v.is_string()) Fail(std::string(what) + " arg must be None or str");
  return v.str();
}

const std::string& RequireString(const Value& v, const std::string& fn) {
  if (!v.is_string()) Fail(fn + "() argument must be str, not " + TypeName(v));
  return v.str();
}

int64_t RequireInt(const Value& v, const std::string& fn) {
  if (!v.is_int() && !v.is_bool()) Fail(fn + "() argument must be int, not " + TypeName(v));
  return v.ToInt();
}

bool AffixMatch(const std::string& s, const Value& affix, bool prefix, const std::string& fn) {
  std::vector<Value> options;
  if (affix.is_list() && affix.list().is_tuple) {
    options = affix.list().items;
  } else {
    options.push_back(affix);
  }
  for (const Value& o : options) {
    const std::string& a = RequireString(o, fn);
    if (a.size() > s.size()) continue;
    if (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0) return true;
  }
  return false;
}

Value StringList(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value::MakeList(std::move(items));
}

bool AllChars(const std::string& s, bool (*pred)(uint32_t)) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    i += DecodeUtf8(s, i, &cp);
    if (!pred(cp)) return false;
  }
  return true;
}

Value StrMethod(Interp& in, const std::string& s, const std::string& name, CallArgs& args) {
  if (name == "startswith" || name == "endswith") {
    ArgParser a(name, args, {{"prefix", Value()}});
    return Value(AffixMatch(s, a[0], name == "startswith", name));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgParser a(name, args, {{"chars", Value(None{})}});
    return Value(Strip(s, OptString(a[0], name.c_str()), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    ArgParser a(name, args, {{"sep", Value(None{})}, {"maxsplit", Value(-1)}});
    std::vector<std::string> parts = Split(s, OptString(a[0], "sep"), RequireInt(a[1], name), name == "rsplit");
    in.CountIterations(static_cast<int64_t>(parts.size()));
    return StringList(std::move(parts));
  }
  if (name == "splitlines") {
    ArgParser a(name, args, {{"keepends", Value(false)}});
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\n' && s[i] != '\r') continue;
      size_t end = i;
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      parts.push_back(s.substr(start, (Truthy(a[0]) ? i + 1 : end) - start));
      start = i + 1;
    }
    if (start < s.size()) parts.push_back(s.substr(start));
    return StringList(std::move(parts));
  }
  if (name == "replace") {
    ArgParser a(name, args, {{"old", Value()}, {"new", Value()}, {"count", Value(-1)}});
    return Value(Replace(s, RequireString(a[0], name), RequireString(a[1], name), RequireInt(a[2], name),
                         in.limits().max_output_bytes));
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "swapcase") {
    ArgParser a(name, args, {});
    if (name == "upper") return Value(Upper(s));
    if (name == "lower") return Value(Lower(s));
    if (name == "title") return Value(PyTitle(s));
    if (name == "capitalize") return Value(Capitalize(s));
    std::string out;
    for (const std::string& c : SplitCodePoints(s)) out += IsUpper(c) ? Lower(c) : Upper(c);
    return Value(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    ArgParser a(name, args, {{"sub", Value()}});
    int64_t r = Find(s, RequireString(a[0], name), name[0] == 'r');
    if (r < 0 && (name == "index" || name == "rindex")) Fail("substring not found");
    return Value(r);
  }
  if (name == "count") {
    ArgParser a(name, args, {{"sub", Value()}});
    return Value(CountSub(s, RequireString(a[0], name)));
  }
  if (name == "join") {
    ArgParser a(name, args, {{"iterable", Value()}});
    std::string out;
    std::vector<Value> items = Iterate(a[0]);
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        Fail("sequence item " + std::to_string(i) + ": expected str instance, " + TypeName(items[i]) + " found");
      }
      if (i > 0) out += s;
      out += items[i].str();
      in.CheckSize(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "format") {
    std::string out = BraceFormat(s, args);
    in.CheckSize(out.size());
    return Value(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgParser a(name, args, {{"affix", Value()}});
    const std::string& affix = RequireString(a[0], name);
    bool prefix = name == "removeprefix";
    if (AffixMatch(s, a[0], prefix, name)) {
      return Value(prefix ? s.substr(affix.size()) : s.substr(0, s.size() - affix.size()));
    }
    return Value(s);
  }
  if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill") {
    bool zfill = name == "zfill";
    ArgParser a(name, args, {{"width", Value()}, {"fillchar", Value(" ")}});
    int64_t width = std::min<int64_t>(RequireInt(a[0], name), static_cast<int64_t>(in.limits().max_output_bytes));
    const std::string& fill = zfill ? std::string("0") : RequireString(a[1], name);
    int64_t len = static_cast<int64_t>(CodePointCount(s));
    if (width <= len) return Value(s);
    int64_t pad = width - len;
    auto rep = [&](int64_t n) {
      std::string r;
      for (int64_t i = 0; i < n; ++i) r += fill;
      return r;
    };
    if (name == "ljust") return Value(s + rep(pad));
    if (name == "rjust") return Value(rep(pad) + s);
    if (zfill) {
      bool sign = !s.empty() && (s[0] == '-' || s[0] == '+');
      return Value(sign ? s.substr(0, 1) + rep(pad) + s.substr(1) : rep(pad) + s);
    }
    int64_t left = pad / 2 + (pad & width & 1);
    return Value(rep(left) + s + rep(pad - left));
  }
  ArgParser a(name, args, {});
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") {
    return Value(AllChars(s, [](uint32_t c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isalpha") {
    return Value(AllChars(s, [](uint32_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }));
  }
  if (name == "isalnum") {
    return Value(AllChars(s, [](uint32_t c) { return ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'); }));
  }
  if (name == "isspace") return Value(AllChars(s, IsSpace));
  if (name == "isupper") return Value(IsUpper(s));
  return Value(IsLower(s));
}

Value DictMethod(const Dict& d, const std::string& name, CallArgs& args) {
  if (name == "get") {
    ArgParser a(name, args, {{"key", Value()}, {"default", Value(None{})}});
    const Value* v = d.Find(a[0]);
    return v != nullptr ? *v : a[1];
  }
  ArgParser a(name, args, {});
  std::vector<Value> out;
  for (const auto& [k, v] : d.entries) {
    if (name == "keys") {
      out.push_back(k);
    } else if (name == "values") {
      out.push_back(v);
    } else {
      out.push_back(Value::MakeList({k, v}, true));
    }
  }
  if (name == "copy") return Value::MakeDict(d.entries, true);
  return Value::MakeList(std::move(out));
}

Value ListMethod(const List& l, const std::string& name, CallArgs& args) {
  if (name == "copy") {
    ArgParser a(name, args, {});
    return Value::MakeList(l.items, l.is_tuple);
  }
  ArgParser a(name, args, {{"value", Value()}});
  int64_t count = 0;
  for (size_t i = 0; i < l.items.size(); ++i) {
    if (!Equals(l.items[i], a[0])) continue;
    if (name == "index") return Value(static_cast<int64_t>(i));
    ++count;
  }
  if (name == "index") Fail(Repr(a[0]) + " is not in list");
  return Value(count);
}

bool OneOf(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

Value Unsafe(const Value& self, const std::string& name) {
  return Value::MakeUndefined("access to attribute '" + name + "' of '" + TypeName(self) + "' object is unsafe.");
}

}  // namespace

Value GetMethod(const Value& self, const std::string& name) {
  if (self.is_string()) {
    if (!OneOf(name, {"startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
                      "replace", "upper", "lower", "title", "capitalize", "swapcase", "find", "rfind", "index",
                      "rindex", "count", "join", "format", "removeprefix", "removesuffix", "center", "ljust",
                      "rjust", "zfill", "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace",
                      "isupper", "islower"})) {
      return Value();
    }
    return Value::MakeFunction(name, [self, name](Interp& in, CallArgs& args) {
      return StrMethod(in, self.str(), name, args);
    });
  }
  if (self.is_dict()) {
    if (OneOf(name, {"pop", "popitem", "setdefault", "update", "clear"})) return Unsafe(self, name);
    if (!OneOf(name, {"get", "items", "keys", "values", "copy"})) return Value();
    return Value::MakeFunction(name, [self, name](Interp&, CallArgs& args) {
      return DictMethod(self.dict(), name, args);
    });
  }
  if (self.is_list()) {
    if (OneOf(name, {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"})) {
      return self.list().is_tuple ? Value() : Unsafe(self, name);
    }
    if (!OneOf(name, {"count", "index", "copy"}) || (self.list().is_tuple && name == "copy")) return Value();
    return Value::MakeFunction(name, [self, name](Interp&, CallArgs& args) {
      return ListMethod(self.list(), name, args);
    });
  }
  return Value();
}

}  // namespace ingot::chat::jinja
