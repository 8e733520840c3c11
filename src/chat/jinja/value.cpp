// Python semantics for Jinja values: truthiness, equality, ordering, str/repr, json.dumps and iteration.
#include "chat/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {

void Fail(std::string message) { throw Error{std::move(message), 0, false, false}; }
void FailLimit(std::string message) { throw Error{std::move(message), 0, false, true}; }

namespace {

int ChildDepth(const Value& v) { return v.Depth(); }

bool NumericEquals(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) return a.ToDouble() == b.ToDouble();
  return a.ToInt() == b.ToInt();
}

}  // namespace

Value Value::MakeList(std::vector<Value> items, bool is_tuple) {
  auto list = std::make_shared<List>();
  int depth = 0;
  for (const Value& item : items) {
    depth = std::max(depth, ChildDepth(item));
    list->has_ref = list->has_ref || item.HoldsReference();
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  list->items = std::move(items);
  list->is_tuple = is_tuple;
  list->depth = depth + 1;
  return Value(ListPtr(std::move(list)));
}

Value Value::MakeDict(std::vector<std::pair<Value, Value>> entries, bool keys_unique) {
  auto dict = std::make_shared<Dict>();
  int depth = 0;
  for (auto& entry : entries) {
    depth = std::max(depth, ChildDepth(entry.second));
    dict->has_ref = dict->has_ref || entry.second.HoldsReference();
    auto existing = dict->entries.end();
    if (!keys_unique) {
      existing = std::find_if(dict->entries.begin(), dict->entries.end(),
                              [&](const auto& e) { return Equals(e.first, entry.first); });
    }
    if (existing != dict->entries.end()) {
      existing->second = std::move(entry.second);
    } else {
      dict->entries.push_back(std::move(entry));
    }
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  dict->depth = depth + 1;
  return Value(DictPtr(std::move(dict)));
}

Value Value::MakeIterator(std::vector<Value> items, std::string type) {
  auto it = std::make_shared<Iterator>();
  int depth = 0;
  for (const Value& item : items) {
    depth = std::max(depth, ChildDepth(item));
    it->has_ref = it->has_ref || item.HoldsReference();
  }
  if (depth + 1 > kMaxDepth) FailLimit("value nesting too deep");
  it->items = std::move(items);
  it->type = std::move(type);
  it->depth = depth + 1;
  return Value(IteratorPtr(std::move(it)));
}

Value Value::MakeFailedIterator(std::string error) {
  auto it = std::make_shared<Iterator>();
  it->type = "generator";
  it->error = std::move(error);
  return Value(IteratorPtr(std::move(it)));
}

Value Value::MakeFunction(std::string name, std::function<Value(Interp&, CallArgs&)> fn) {
  return Value(FunctionPtr(std::make_shared<Function>(Function{std::move(name), std::move(fn)})));
}

int64_t Value::ToInt() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return as_int();
}

double Value::ToDouble() const {
  if (is_float()) return as_float();
  return static_cast<double>(ToInt());
}

int Value::Depth() const {
  if (is_list()) return list().depth;
  if (is_dict()) return dict().depth;
  if (is_iterator()) return iterator().depth;
  return 0;
}

bool Value::HoldsReference() const {
  if (is_namespace() || is_function()) return true;
  if (is_list()) return list().has_ref;
  if (is_dict()) return dict().has_ref;
  if (is_iterator()) return iterator().has_ref;
  return false;
}

const Value* Dict::Find(const Value& key) const {
  for (const auto& [k, v] : entries) {
    if (Equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::FindKey(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

bool Truthy(const Value& v) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, None>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return x != 0;
        } else if constexpr (std::is_same_v<T, double>) {
          return x != 0.0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return !x.empty();
        } else if constexpr (std::is_same_v<T, ListPtr>) {
          return !x->items.empty();
        } else if constexpr (std::is_same_v<T, DictPtr>) {
          return !x->entries.empty();
        } else {
          return true;
        }
      },
      v.storage());
}

bool Equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return NumericEquals(a, b);
  if (a.storage().index() != b.storage().index()) return false;
  if (a.is_undefined() || a.is_none()) return true;
  if (a.is_string()) return a.str() == b.str();
  if (a.is_list()) {
    const List& x = a.list();
    const List& y = b.list();
    if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
    for (size_t i = 0; i < x.items.size(); ++i) {
      if (!Equals(x.items[i], y.items[i])) return false;
    }
    return true;
  }
  if (a.is_dict()) {
    const Dict& x = a.dict();
    const Dict& y = b.dict();
    if (x.entries.size() != y.entries.size()) return false;
    for (const auto& [k, v] : x.entries) {
      const Value* other = y.Find(k);
      if (other == nullptr || !Equals(v, *other)) return false;
    }
    return true;
  }
  if (a.is_namespace()) return &a.ns() == &b.ns();
  if (a.is_function()) return &a.function() == &b.function();
  if (a.is_iterator()) return &a.iterator() == &b.iterator();
  return false;
}

bool Less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.ToDouble() < b.ToDouble();
    return a.ToInt() < b.ToInt();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equals(x[i], y[i])) return Less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  Fail("'<' not supported between instances of '" + TypeName(a) + "' and '" + TypeName(b) + "'");
}

std::string TypeName(const Value& v) {
  if (v.is_undefined()) return "Undefined";
  if (v.is_none()) return "NoneType";
  if (v.is_bool()) return "bool";
  if (v.is_int()) return "int";
  if (v.is_float()) return "float";
  if (v.is_string()) return "str";
  if (v.is_list()) return v.list().is_tuple ? "tuple" : "list";
  if (v.is_dict()) return "dict";
  if (v.is_namespace()) return "Namespace";
  if (v.is_iterator()) return v.iterator().type;
  return "function";
}

std::string ObjectTypeRepr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_namespace()) return "jinja2.utils.Namespace object";
  return TypeName(v) + " object";
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci looks like "-1.2345e+02": split into sign, digits and exponent.
  std::string sign;
  size_t pos = 0;
  if (sci[0] == '-') {
    sign = "-";
    pos = 1;
  }
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = pos; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exp10 = std::stoi(sci.substr(e + 1));
  int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
  std::string out;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    int x = decpt - 1;
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    out += ebuf;
  }
  return sign + out;
}

std::string ReprString(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (cp == '\\' || cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (!IsPrintable(cp)) {
      char buf[16];
      if (cp < 0x100) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      } else if (cp < 0x10000) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      } else {
        std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
      }
      out += buf;
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += quote;
  return out;
}

std::string Repr(const Value& v) {
  if (v.is_undefined()) return "Undefined";
  if (v.is_none()) return "None";
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return FormatFloat(v.as_float());
  if (v.is_string()) return ReprString(v.str());
  if (v.is_list()) {
    const List& l = v.list();
    std::string out = l.is_tuple ? "(" : "[";
    for (size_t i = 0; i < l.items.size(); ++i) {
      if (i > 0) out += ", ";
      out += Repr(l.items[i]);
    }
    if (l.is_tuple && l.items.size() == 1) out += ",";
    out += l.is_tuple ? ")" : "]";
    return out;
  }
  if (v.is_dict() || v.is_namespace()) {
    const Dict& d = v.is_dict() ? v.dict() : v.ns().attrs;
    std::string out = "{";
    for (size_t i = 0; i < d.entries.size(); ++i) {
      if (i > 0) out += ", ";
      out += Repr(d.entries[i].first) + ": " + Repr(d.entries[i].second);
    }
    out += "}";
    return v.is_dict() ? out : "<Namespace " + out + ">";
  }
  if (v.is_iterator()) return "<" + v.iterator().type + " object>";
  return "<function " + v.function().name + ">";
}

std::string Quoted(std::string_view s) {
  std::string out = "'";
  out += s;
  out += "'";
  return out;
}

std::string Str(const Value& v) {
  if (v.is_string()) return v.str();
  if (v.is_undefined()) return "";
  return Repr(v);
}

namespace {

void JsonString(std::string_view s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (ensure_ascii && u >= 0x7F) {
      uint32_t cp = 0;
      i += DecodeUtf8(s, i, &cp) - 1;
      char buf[16];
      if (cp >= 0x10000) {
        cp -= 0x10000;
        std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      }
      out += buf;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string JsonFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return FormatFloat(d);
}

std::string JsonKey(const Value& k) {
  if (k.is_string()) return k.str();
  if (k.is_bool()) return k.as_bool() ? "true" : "false";
  if (k.is_int()) return std::to_string(k.as_int());
  if (k.is_float()) return JsonFloat(k.as_float());
  if (k.is_none()) return "null";
  Fail("keys must be str, int, float, bool or None, not " + TypeName(k));
}

void JsonValue(const Value& v, const JsonOptions& o, int level, std::string& out) {
  if (v.is_none()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    out += JsonFloat(v.as_float());
  } else if (v.is_string()) {
    JsonString(v.str(), o.ensure_ascii, out);
  } else if (v.is_list() || v.is_dict()) {
    bool is_list = v.is_list();
    size_t n = is_list ? v.list().items.size() : v.dict().entries.size();
    out += is_list ? '[' : '{';
    if (n == 0) {
      out += is_list ? ']' : '}';
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    if (!is_list) {
      for (const auto& entry : v.dict().entries) entries.push_back(&entry);
      if (o.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto* x, const auto* y) { return Less(x->first, y->first); });
      }
    }
    std::string newline_indent;
    if (o.indent) {
      newline_indent = "\n";
      for (int i = 0; i <= level; ++i) newline_indent += *o.indent;
      out += newline_indent;
    }
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out += o.item_separator + newline_indent;
      if (is_list) {
        JsonValue(v.list().items[i], o, level + 1, out);
      } else {
        const auto& [key, value] = *entries[i];
        JsonString(JsonKey(key), o.ensure_ascii, out);
        out += o.key_separator;
        JsonValue(value, o, level + 1, out);
      }
    }
    if (o.indent) {
      out += "\n";
      for (int i = 0; i < level; ++i) out += *o.indent;
    }
    out += is_list ? ']' : '}';
  } else {
    Fail("Object of type " + TypeName(v) + " is not JSON serializable");
  }
}

}  // namespace

std::string ToJson(const Value& v, const JsonOptions& options) {
  std::string out;
  JsonValue(v, options, 0, out);
  return out;
}

namespace {

Value FromJsonAt(const nlohmann::ordered_json& j, int depth) {
  if (depth > kMaxDepth) FailLimit("value nesting too deep");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(FromJsonAt(item, depth + 1));
      return Value::MakeList(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<Value, Value>> entries;
      entries.reserve(j.size());
      for (const auto& [key, value] : j.items()) entries.emplace_back(Value(key), FromJsonAt(value, depth + 1));
      return Value::MakeDict(std::move(entries), /*keys_unique=*/true);
    }
    default:
      return Value(None{});
  }
}

}  // namespace

Value FromJson(const nlohmann::ordered_json& j) { return FromJsonAt(j, 1); }

std::vector<Value> Iterate(const Value& v) {
  if (v.is_list()) return v.list().items;
  if (v.is_iterator()) {
    if (!v.iterator().error.empty()) Fail(v.iterator().error);
    return v.iterator().items;
  }
  if (v.is_undefined()) return {};
  std::vector<Value> out;
  if (v.is_dict()) {
    for (const auto& entry : v.dict().entries) out.push_back(entry.first);
    return out;
  }
  if (v.is_string()) {
    for (auto& cp : SplitCodePoints(v.str())) out.emplace_back(std::move(cp));
    return out;
  }
  Fail("'" + TypeName(v) + "' object is not iterable");
}

std::vector<std::string> SplitCodePoints(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace ingot::chat::jinja
