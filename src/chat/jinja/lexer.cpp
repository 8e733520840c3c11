// Jinja tokenizer: splits template text from {{ }}, {% %} and {# #} tags, applies whitespace control exactly as
// jinja2's lexer does with trim_blocks=True and lstrip_blocks=True, and tokenizes expressions inside tags.
#include "chat/jinja/lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "chat/jinja/utf8.h"

namespace ingot::chat::jinja {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

std::string NormalizeNewlines(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string source) : src_(std::move(source)) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < src_.size()) {
      Status st = LexRoot();
      if (!st.ok()) return st;
    }
    Emit(TokenType::kEof, "");
    return std::move(tokens_);
  }

 private:
  Status Error(const std::string& message) const {
    return InvalidArgument("template line " + std::to_string(line_) + ": " + message);
  }

  void Advance(size_t to) {
    for (size_t i = pos_; i < to; ++i) {
      if (src_[i] == '\n') ++line_;
    }
    if (to > pos_) line_starting_ = src_[to - 1] == '\n';
    pos_ = to;
  }

  void Emit(TokenType type, std::string text) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line_;
    tokens_.push_back(std::move(t));
  }

  // Jinja's OptionalLStrip: `-` strips all whitespace before the tag; otherwise lstrip_blocks removes the
  // spaces between the start of the line and a block or comment tag.
  std::string StripBefore(std::string text, char sign, bool is_variable) const {
    if (sign == '-') {
      size_t end = text.size();
      while (end > 0 && IsWs(text[end - 1])) --end;
      text.resize(end);
    } else if (sign != '+' && !is_variable) {
      size_t nl = text.rfind('\n');
      size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if (l_pos > 0 || line_starting_) {
        bool all_ws = l_pos < text.size();
        for (size_t i = l_pos; i < text.size(); ++i) all_ws = all_ws && IsWs(text[i]);
        if (all_ws) text.resize(l_pos);
      }
    }
    return text;
  }

  // Matches a block end (`+%}`, `-%}\s*`, `%}\n?`) or variable end (`-}}\s*`, `}}`) at p; returns its length.
  size_t MatchTagEnd(size_t p, bool block) const {
    std::string_view rest(src_.data() + p, src_.size() - p);
    std::string_view close = block ? "%}" : "}}";
    size_t n = 0;
    if (block && rest.size() >= 3 && rest[0] == '+' && rest.substr(1, 2) == close) return 3;
    if (rest.size() >= 3 && rest[0] == '-' && rest.substr(1, 2) == close) {
      n = 3;
      while (p + n < src_.size() && IsWs(src_[p + n])) ++n;
      return n;
    }
    if (rest.substr(0, 2) == close) {
      n = 2;
      if (block && p + n < src_.size() && src_[p + n] == '\n') ++n;
      return n;
    }
    return 0;
  }

  // `{%(-|+|)\s*raw\s*(-%}\s*|%})` at p: returns its length or 0.
  size_t MatchRawBegin(size_t p, std::string_view keyword, bool is_end) const {
    size_t q = p + 2;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ++q;
    while (q < src_.size() && IsWs(src_[q])) ++q;
    if (src_.compare(q, keyword.size(), keyword) != 0) return 0;
    q += keyword.size();
    while (q < src_.size() && IsWs(src_[q])) ++q;
    if (is_end) {
      size_t n = MatchTagEnd(q, true);
      return n == 0 ? 0 : q + n - p;
    }
    if (src_.compare(q, 3, "-%}") == 0) {
      q += 3;
      while (q < src_.size() && IsWs(src_[q])) ++q;
      return q - p;
    }
    if (src_.compare(q, 2, "%}") == 0) return q + 2 - p;
    return 0;
  }

  Status LexRoot() {
    size_t start = pos_;
    while (start < src_.size()) {
      start = src_.find('{', start);
      if (start == std::string::npos || start + 1 >= src_.size()) {
        start = std::string::npos;
        break;
      }
      char c = src_[start + 1];
      if (c == '{' || c == '%' || c == '#') break;
      ++start;
    }
    if (start == std::string::npos) {
      Emit(TokenType::kData, src_.substr(pos_));
      Advance(src_.size());
      return Status::Ok();
    }
    char kind = src_[start + 1];
    char sign = start + 2 < src_.size() ? src_[start + 2] : '\0';
    if (sign != '-' && sign != '+') sign = '\0';
    std::string text = StripBefore(src_.substr(pos_, start - pos_), sign, kind == '{');
    if (!text.empty()) Emit(TokenType::kData, std::move(text));
    size_t raw_len = kind == '%' ? MatchRawBegin(start, "raw", false) : 0;
    if (raw_len > 0) {
      Advance(start + raw_len);
      return LexRaw();
    }
    Advance(start + 2 + (sign != '\0' ? 1 : 0));
    if (kind == '#') return LexComment();
    Emit(kind == '%' ? TokenType::kBlockBegin : TokenType::kVarBegin, "");
    return LexTag(kind == '%');
  }

  Status LexRaw() {
    size_t p = pos_;
    while (true) {
      p = src_.find("{%", p);
      if (p == std::string::npos) return Error("Missing end of raw directive");
      size_t n = MatchRawBegin(p, "endraw", true);
      if (n > 0) break;
      ++p;
    }
    char sign = src_[p + 2] == '-' || src_[p + 2] == '+' ? src_[p + 2] : '\0';
    std::string text = StripBefore(src_.substr(pos_, p - pos_), sign, false);
    if (!text.empty()) Emit(TokenType::kData, std::move(text));
    Advance(p + MatchRawBegin(p, "endraw", true));
    return Status::Ok();
  }

  Status LexComment() {
    size_t p = src_.find("#}", pos_);
    if (p == std::string::npos) return Error("Missing end of comment tag");
    size_t end = p + 2;
    if (p > pos_ && src_[p - 1] == '-') {
      while (end < src_.size() && IsWs(src_[end])) ++end;
    } else if (!(p > pos_ && src_[p - 1] == '+') && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    Advance(end);
    return Status::Ok();
  }

  Status LexTag(bool block) {
    std::string brackets;
    while (true) {
      while (pos_ < src_.size() && IsWs(src_[pos_])) Advance(pos_ + 1);
      if (pos_ >= src_.size()) return Error("unexpected end of template inside a tag");
      if (brackets.empty()) {
        size_t n = MatchTagEnd(pos_, block);
        if (n > 0) {
          Emit(block ? TokenType::kBlockEnd : TokenType::kVarEnd, "");
          Advance(pos_ + n);
          return Status::Ok();
        }
      }
      char c = src_[pos_];
      if (c == '\'' || c == '"') {
        INGOT_RETURN_IF_ERROR(LexString(c));
      } else if (IsDigit(c)) {
        INGOT_RETURN_IF_ERROR(LexNumber());
      } else if (IsNameStart(c)) {
        size_t end = pos_;
        while (end < src_.size() && IsNameChar(src_[end])) ++end;
        Emit(TokenType::kName, src_.substr(pos_, end - pos_));
        Advance(end);
      } else {
        static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
        std::string op;
        for (std::string_view two : kTwo) {
          if (src_.compare(pos_, 2, two) == 0) op = two;
        }
        if (op.empty()) {
          if (std::string_view("+-*/%~[](){}<>=.:|,;").find(c) == std::string_view::npos) {
            return Error(std::string("unexpected character '") + c + "'");
          }
          op = std::string(1, c);
        }
        if (c == '(' || c == '[' || c == '{') {
          brackets += c;
        } else if (c == ')' || c == ']' || c == '}') {
          char want = c == ')' ? '(' : c == ']' ? '[' : '{';
          if (brackets.empty() || brackets.back() != want) return Error(std::string("unexpected '") + c + "'");
          brackets.pop_back();
        }
        Emit(TokenType::kOp, op);
        Advance(pos_ + op.size());
      }
    }
  }

  Status LexString(char quote) {
    size_t p = pos_ + 1;
    std::string value;
    while (true) {
      if (p >= src_.size()) return Error("unterminated string literal");
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\' || p + 1 >= src_.size()) {
        value += c;
        ++p;
        continue;
      }
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n': break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case 'a': value += '\a'; break;
        case 'x': case 'u': case 'U': {
          size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (size_t k = 0; k < digits; ++k) {
            char h = p + k < src_.size() ? src_[p + k] : '\0';
            int d = IsDigit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) return Error("truncated \\" + std::string(1, e) + " escape in string literal");
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          if (cp > 0x10FFFF) return Error("illegal Unicode character in string literal");
          AppendUtf8(cp, value);
          p += digits;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k, ++p) {
              cp = cp * 8 + static_cast<uint32_t>(src_[p] - '0');
            }
            AppendUtf8(cp, value);
          } else {
            value += '\\';
            value += e;
          }
      }
    }
    Emit(TokenType::kString, std::move(value));
    Advance(p + 1);
    return Status::Ok();
  }

  Status LexNumber() {
    size_t p = pos_;
    auto digits = [&](size_t& q) {
      size_t begin = q;
      while (q < src_.size() && (IsDigit(src_[q]) || (src_[q] == '_' && q > begin && q + 1 < src_.size() &&
                                                       IsDigit(src_[q + 1])))) {
        ++q;
      }
      return q > begin;
    };
    if (src_[p] == '0' && p + 1 < src_.size() && (src_[p + 1] == 'x' || src_[p + 1] == 'X')) {
      size_t q = p + 2;
      int64_t v = 0;
      while (q < src_.size() && std::isxdigit(static_cast<unsigned char>(src_[q]))) {
        if (v > (INT64_MAX >> 4)) return Error("integer literal too large");
        char h = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[q])));
        v = v * 16 + (IsDigit(h) ? h - '0' : h - 'a' + 10);
        ++q;
      }
      Token t;
      t.type = TokenType::kInt;
      t.int_value = v;
      t.line = line_;
      tokens_.push_back(t);
      Advance(q);
      return Status::Ok();
    }
    digits(p);
    bool is_float = false;
    bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
    if (!after_dot && p + 1 < src_.size() && src_[p] == '.' && IsDigit(src_[p + 1])) {
      ++p;
      digits(p);
      is_float = true;
    }
    if (!after_dot && p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (digits(q)) {
        p = q;
        is_float = true;
      }
    }
    std::string text;
    for (size_t i = pos_; i < p; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    Token t;
    t.line = line_;
    if (is_float) {
      t.type = TokenType::kFloat;
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      t.type = TokenType::kInt;
      errno = 0;
      t.int_value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) {
        t.type = TokenType::kFloat;
        t.float_value = std::strtod(text.c_str(), nullptr);
      }
    }
    tokens_.push_back(t);
    Advance(p);
    return Status::Ok();
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Tokenize(const std::string& source) { return Lexer(NormalizeNewlines(source)).Run(); }

}  // namespace ingot::chat::jinja
