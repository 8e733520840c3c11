// Text forms of values with Python's exact spelling: str(), repr() (floats, string quoting and escapes) and
// json.dumps(ensure_ascii=False), plus conversion from JSON input.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/jinja/utf8.h"
#include "chat/jinja/value.h"

namespace ingot::chat::jinja {

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

namespace {

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

}  // namespace

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
  if (v.is_iterator()) {
    // Python prints the object's address; any fixed one keeps output deterministic.
    const Iterator& it = v.iterator();
    return "<" + it.type + " object" + (it.name.empty() ? "" : " " + it.name) + " at 0x7f0000000000>";
  }
  if (v.is_loop()) {
    return "<LoopContext " + std::to_string(v.loop().index0 + 1) + "/" +
           std::to_string(v.loop().items->size()) + ">";
  }
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

}  // namespace ingot::chat::jinja
