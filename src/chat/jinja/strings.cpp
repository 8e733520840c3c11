// Python str operations on UTF-8 strings for the Jinja engine.
#include "chat/jinja/strings.h"

#include "chat/jinja/utf8.h"
#include "chat/jinja/value.h"

namespace ingot::chat::jinja {
namespace {

bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
char ToUpper(char c) { return IsAsciiLower(c) ? static_cast<char>(c - 32) : c; }
char ToLower(char c) { return IsAsciiUpper(c) ? static_cast<char>(c + 32) : c; }

// Byte offsets of code point boundaries (including the end).
std::vector<size_t> Boundaries(std::string_view s) {
  std::vector<size_t> out;
  size_t i = 0;
  while (i < s.size()) {
    out.push_back(i);
    uint32_t cp;
    i += DecodeUtf8(s, i, &cp);
  }
  out.push_back(s.size());
  return out;
}

}  // namespace

std::string Strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  std::vector<uint32_t> set;
  if (chars) {
    for (size_t i = 0; i < chars->size();) {
      uint32_t cp;
      i += DecodeUtf8(*chars, i, &cp);
      set.push_back(cp);
    }
  }
  auto strippable = [&](uint32_t cp) {
    if (!chars) return IsSpace(cp);
    for (uint32_t c : set) {
      if (c == cp) return true;
    }
    return false;
  };
  std::vector<size_t> b = Boundaries(s);
  size_t first = 0;
  size_t last = b.size() - 1;  // index into b of the end
  uint32_t cp;
  if (left) {
    while (first < last && (DecodeUtf8(s, b[first], &cp), strippable(cp))) ++first;
  }
  if (right) {
    while (last > first && (DecodeUtf8(s, b[last - 1], &cp), strippable(cp))) --last;
  }
  return std::string(s.substr(b[first], b[last] - b[first]));
}

std::vector<std::string> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) Fail("empty separator");
    if (!from_right) {
      size_t pos = 0;
      while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
        size_t hit = s.find(*sep, pos);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      out.emplace_back(s.substr(pos));
      return out;
    }
    size_t end = s.size();
    std::vector<std::string> rev;
    while (maxsplit < 0 || static_cast<int64_t>(rev.size()) < maxsplit) {
      if (end < sep->size()) break;
      size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      rev.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    rev.emplace_back(s.substr(0, end));
    return std::vector<std::string>(rev.rbegin(), rev.rend());
  }
  // Whitespace split: runs of whitespace separate, leading/trailing whitespace ignored.
  std::vector<std::pair<size_t, size_t>> words;
  std::vector<size_t> b = Boundaries(s);
  size_t start = std::string::npos;
  for (size_t k = 0; k + 1 < b.size(); ++k) {
    uint32_t cp;
    DecodeUtf8(s, b[k], &cp);
    if (IsSpace(cp)) {
      if (start != std::string::npos) words.emplace_back(start, b[k]);
      start = std::string::npos;
    } else if (start == std::string::npos) {
      start = b[k];
    }
  }
  if (start != std::string::npos) words.emplace_back(start, s.size());
  if (maxsplit < 0 || static_cast<int64_t>(words.size()) <= maxsplit) {
    for (auto [a, e] : words) out.emplace_back(s.substr(a, e - a));
    return out;
  }
  size_t n = static_cast<size_t>(maxsplit);
  if (!from_right) {
    for (size_t k = 0; k < n; ++k) out.emplace_back(s.substr(words[k].first, words[k].second - words[k].first));
    out.push_back(Strip(s.substr(words[n].first), std::nullopt, false, true));
    return out;
  }
  size_t first_kept = words.size() - n;
  out.push_back(Strip(s.substr(0, words[first_kept - 1].second), std::nullopt, true, false));
  for (size_t k = first_kept; k < words.size(); ++k) {
    out.emplace_back(s.substr(words[k].first, words[k].second - words[k].first));
  }
  return out;
}

std::string Replace(std::string_view s, std::string_view old_sub, std::string_view new_sub, int64_t count,
                    size_t max_bytes) {
  std::string out;
  int64_t done = 0;
  auto check = [&] {
    if (out.size() > max_bytes) FailLimit("output size limit exceeded");
  };
  if (old_sub.empty()) {
    std::vector<size_t> b = Boundaries(s);
    for (size_t k = 0; k + 1 < b.size(); ++k) {
      if (count < 0 || done < count) {
        out += new_sub;
        ++done;
      }
      out += s.substr(b[k], b[k + 1] - b[k]);
      check();
    }
    if (count < 0 || done < count) out += new_sub;
    return out;
  }
  size_t pos = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(old_sub, pos);
    if (hit == std::string_view::npos) break;
    out += s.substr(pos, hit - pos);
    out += new_sub;
    check();
    pos = hit + old_sub.size();
    ++done;
  }
  out += s.substr(pos);
  check();
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToUpper(c);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

std::string Capitalize(std::string_view s) {
  std::string out = Lower(s);
  if (!out.empty()) out[0] = ToUpper(out[0]);
  return out;
}

std::string PyTitle(std::string_view s) {
  std::string out(s);
  bool prev_cased = false;
  for (char& c : out) {
    bool cased = IsAsciiLower(c) || IsAsciiUpper(c);
    if (cased) c = prev_cased ? ToLower(c) : ToUpper(c);
    prev_cased = cased;
  }
  return out;
}

int64_t CountSub(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(CodePointCount(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

int64_t Find(std::string_view s, std::string_view sub, bool from_right) {
  size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(CodePointCount(s.substr(0, hit)));
}

}  // namespace ingot::chat::jinja
