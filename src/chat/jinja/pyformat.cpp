// Python string formatting for the Jinja engine: printf-style `%` and str.format() replacement fields.
#include "chat/jinja/pyformat.h"

#include <cmath>
#include <cstdio>

#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {
namespace {

struct Spec {
  char fill = ' ';
  char align = '\0';  // '<', '>', '^', '=' or none
  char sign = '-';
  bool alt = false;
  bool zero = false;
  int width = -1;
  int precision = -1;
  char type = '\0';
};

std::string Pad(std::string body, const Spec& spec, bool numeric) {
  int len = static_cast<int>(CodePointCount(body));
  if (spec.width <= len) return body;
  size_t pad = static_cast<size_t>(spec.width - len);
  char align = spec.align != '\0' ? spec.align : (numeric ? '>' : '<');
  if (align == '<') return body + std::string(pad, spec.fill);
  if (align == '^') return std::string(pad / 2, spec.fill) + body + std::string(pad - pad / 2, spec.fill);
  if (align == '=' && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) {
    return body.substr(0, 1) + std::string(pad, spec.fill) + body.substr(1);
  }
  return std::string(pad, spec.fill) + body;
}

double RequireReal(const Value& v, char type) {
  if (!v.is_number()) {
    Fail(std::string("%") + type + " format: a real number is required, not " + TypeName(v));
  }
  return v.ToDouble();
}

// Formats one number/string for conversion `type` with C printf semantics (which Python's % follows).
std::string Convert(const Value& v, const Spec& spec) {
  char type = spec.type;
  if (type == 's' || type == '\0') {
    std::string s = Str(v);
    if (spec.precision >= 0) {
      std::vector<std::string> cps = SplitCodePoints(s);
      if (cps.size() > static_cast<size_t>(spec.precision)) {
        s.clear();
        for (int i = 0; i < spec.precision; ++i) s += cps[static_cast<size_t>(i)];
      }
    }
    return s;
  }
  if (type == 'r' || type == 'a') return Repr(v);
  std::string flags;
  if (spec.sign == '+' || spec.sign == ' ') flags += spec.sign;
  if (spec.alt) flags += '#';
  char buf[512];
  if (type == 'd' || type == 'i' || type == 'u' || type == 'x' || type == 'X' || type == 'o' || type == 'c') {
    if (type == 'c') {
      if (v.is_string()) return v.str();
      if (!v.is_int() || v.as_int() < 0 || v.as_int() > 0x10FFFF) Fail("%c requires int or char");
      std::string s;
      AppendUtf8(static_cast<uint32_t>(v.as_int()), s);
      return s;
    }
    double d = RequireReal(v, type);
    if (v.is_float() && !(std::fabs(d) < 9.2e18)) Fail("cannot convert float " + FormatFloat(d) + " to integer");
    long long n = v.is_float() ? static_cast<long long>(d) : static_cast<long long>(v.ToInt());
    std::string f = "%" + flags + "ll" + (type == 'i' || type == 'u' ? 'd' : type);
    std::snprintf(buf, sizeof(buf), f.c_str(), n);
    return buf;
  }
  if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G' || type == '%') {
    double d = RequireReal(v, type);
    int precision = spec.precision >= 0 ? std::min(spec.precision, 100) : 6;
    if (type == '%') {
      std::snprintf(buf, sizeof(buf), ("%" + flags + ".*f%%").c_str(), precision, d * 100);
    } else {
      std::snprintf(buf, sizeof(buf), ("%" + flags + ".*" + type).c_str(), precision, d);
    }
    return buf;
  }
  Fail(std::string("unsupported format character '") + type + "'");
}

}  // namespace

std::string PercentFormat(const std::string& fmt, const Value& args) {
  std::vector<Value> positional;
  if (args.is_list() && args.list().is_tuple) {
    positional = args.list().items;
  } else if (!args.is_dict()) {
    positional.push_back(args);
  }
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) Fail("incomplete format");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    const Value* value = nullptr;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos) Fail("incomplete format key");
      if (!args.is_dict()) Fail("format requires a mapping");
      value = args.dict().FindKey(std::string_view(fmt).substr(i + 1, close - i - 1));
      if (value == nullptr) Fail("KeyError: " + fmt.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    Spec spec;
    for (; i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos; ++i) {
      if (fmt[i] == '-') spec.align = '<';
      if (fmt[i] == '+' || fmt[i] == ' ') spec.sign = fmt[i];
      if (fmt[i] == '#') spec.alt = true;
      if (fmt[i] == '0') spec.zero = true;
    }
    for (; i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9'; ++i) {
      spec.width = std::max(spec.width, 0) * 10 + (fmt[i] - '0');
      if (spec.width > 10000) Fail("width too big");
    }
    if (i < fmt.size() && fmt[i] == '.') {
      spec.precision = 0;
      for (++i; i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9'; ++i) {
        spec.precision = spec.precision * 10 + (fmt[i] - '0');
        if (spec.precision > 10000) Fail("precision too big");
      }
    }
    if (i >= fmt.size()) Fail("incomplete format");
    spec.type = fmt[i];
    if (value == nullptr) {
      if (next >= positional.size()) Fail("not enough arguments for format string");
      value = &positional[next++];
    }
    bool numeric = std::string_view("diouxXeEfFgGc").find(spec.type) != std::string_view::npos;
    if (numeric && spec.zero && spec.align != '<') {
      spec.fill = '0';
      spec.align = '=';
    }
    if (spec.align == '\0') spec.align = '>';
    out += Pad(Convert(*value, spec), spec, numeric);
  }
  // Python skips this check for arguments with __getitem__ (dicts, lists, jinja2's Undefined): they might be
  // used as mappings.
  bool mapping_like = args.is_dict() || args.is_undefined() || (args.is_list() && !args.list().is_tuple);
  if (!mapping_like && next < positional.size()) Fail("not all arguments converted during string formatting");
  return out;
}

std::string BraceFormat(const std::string& fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}' ) {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
      else Fail("Single '}' encountered in format string");
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string::npos) Fail("Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec_text;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec_text = field.substr(colon + 1);
      field.resize(colon);
    }
    const Value* value = nullptr;
    if (field.empty() || (field[0] >= '0' && field[0] <= '9')) {
      size_t index = field.empty() ? auto_index++ : static_cast<size_t>(std::stoul(field.substr(0, 6)));
      if (index >= args.positional.size()) Fail("Replacement index " + std::to_string(index) + " out of range");
      value = &args.positional[index];
    } else {
      for (const auto& [k, v] : args.keyword) {
        if (k == field) value = &v;
      }
      if (value == nullptr) Fail("KeyError: '" + field + "'");
    }
    Spec spec;
    size_t p = 0;
    if (spec_text.size() >= 2 && std::string_view("<>^=").find(spec_text[1]) != std::string_view::npos) {
      spec.fill = spec_text[0];
      spec.align = spec_text[1];
      p = 2;
    } else if (!spec_text.empty() && std::string_view("<>^=").find(spec_text[0]) != std::string_view::npos) {
      spec.align = spec_text[0];
      p = 1;
    }
    if (p < spec_text.size() && std::string_view("+- ").find(spec_text[p]) != std::string_view::npos) {
      spec.sign = spec_text[p++];
    }
    if (p < spec_text.size() && spec_text[p] == '#') {
      spec.alt = true;
      ++p;
    }
    if (p < spec_text.size() && spec_text[p] == '0') {
      spec.fill = '0';
      if (spec.align == '\0') spec.align = '=';
      ++p;
    }
    for (; p < spec_text.size() && spec_text[p] >= '0' && spec_text[p] <= '9'; ++p) {
      spec.width = std::max(spec.width, 0) * 10 + (spec_text[p] - '0');
      if (spec.width > 10000) Fail("width too big");
    }
    if (p < spec_text.size() && spec_text[p] == '.') {
      spec.precision = 0;
      for (++p; p < spec_text.size() && spec_text[p] >= '0' && spec_text[p] <= '9'; ++p) {
        spec.precision = spec.precision * 10 + (spec_text[p] - '0');
        if (spec.precision > 10000) Fail("precision too big");
      }
    }
    if (p < spec_text.size()) spec.type = spec_text[p++];
    if (p != spec_text.size()) Fail("Invalid format specifier");
    if (spec.type == '\0' && value->is_float() && spec.precision >= 0) spec.type = 'g';
    std::string body = (spec.type == '\0' && !value->is_string()) ? Str(*value) : Convert(*value, spec);
    out += Pad(body, spec, !value->is_string());
  }
  return out;
}

}  // namespace ingot::chat::jinja
