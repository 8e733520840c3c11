// Python str operations on UTF-8 strings for the Jinja engine.
#include "chat/jinja/strings.h"

#include "chat/jinja/utf8.h"
#include "chat/jinja/value.h"

namespace ingot::chat::jinja {
namespace {

// Simple one-to-one case pairs; ß, İ and friends with multi-character mappings are handled by the callers.
uint32_t UpperCp(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c == 0xB5) return 0x39C;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 0x20;
  if (c == 0xFF) return 0x178;
  if (c == 0x131) return 'I';
  if (c == 0x17F) return 'S';
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
      (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F) ||
      (c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) {
    return (c & 1) ? c - 1 : c;
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) || (c >= 0x4C1 && c <= 0x4CE)) {
    return (c & 1) ? c : c - 1;
  }
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x3B1 && c <= 0x3CB) return c - 0x20;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  if (c >= 0x561 && c <= 0x586) return c - 0x30;
  if (c >= 0xFF41 && c <= 0xFF5A) return c - 0x20;
  return c;
}

uint32_t LowerCp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c == 0x178) return 0xFF;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
      (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F) ||
      (c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) {
    return (c & 1) ? c : c + 1;
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) || (c >= 0x4C1 && c <= 0x4CE)) {
    return (c & 1) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x531 && c <= 0x556) return c + 0x30;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

bool IsLowerCp(uint32_t c) { return c == 0xDF || c == 0x138 || UpperCp(c) != c; }
bool IsUpperCp(uint32_t c) { return c == 0x130 || LowerCp(c) != c; }
bool IsCasedCp(uint32_t c) { return IsLowerCp(c) || IsUpperCp(c); }

void AppendUpper(uint32_t c, std::string& out) {
  if (c == 0xDF) {
    out += "SS";
  } else {
    AppendUtf8(UpperCp(c), out);
  }
}

void AppendLower(uint32_t c, std::string& out) {
  if (c == 0x130) {
    out += "i\xCC\x87";  // i + COMBINING DOT ABOVE
  } else {
    AppendUtf8(LowerCp(c), out);
  }
}

// Applies `f(code point, index, out)` to each code point of s.
template <typename F>
std::string MapCodePoints(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  size_t index = 0;
  for (size_t i = 0; i < s.size(); ++index) {
    uint32_t cp;
    i += DecodeUtf8(s, i, &cp);
    f(cp, index, out);
  }
  return out;
}

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
  return MapCodePoints(s, [](uint32_t c, size_t, std::string& out) { AppendUpper(c, out); });
}

std::string Lower(std::string_view s) {
  return MapCodePoints(s, [](uint32_t c, size_t, std::string& out) { AppendLower(c, out); });
}

std::string Capitalize(std::string_view s) {
  return MapCodePoints(s, [](uint32_t c, size_t i, std::string& out) {
    if (i == 0) {
      AppendUpper(c, out);
    } else {
      AppendLower(c, out);
    }
  });
}

std::string PyTitle(std::string_view s) {
  bool prev_cased = false;
  return MapCodePoints(s, [&](uint32_t c, size_t, std::string& out) {
    if (prev_cased) {
      AppendLower(c, out);
    } else {
      AppendUpper(c, out);
    }
    prev_cased = IsCasedCp(c);
  });
}

std::string JinjaTitle(std::string_view s) {
  bool word_start = true;
  return MapCodePoints(s, [&](uint32_t c, size_t, std::string& out) {
    bool sep = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || IsSpace(c);
    if (sep) {
      AppendUtf8(c, out);
    } else if (word_start) {
      AppendUpper(c, out);
    } else {
      AppendLower(c, out);
    }
    word_start = sep;
  });
}

bool IsUpper(std::string_view s) {
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    uint32_t c;
    i += DecodeUtf8(s, i, &c);
    if (IsLowerCp(c)) return false;
    cased = cased || IsUpperCp(c);
  }
  return cased;
}

bool IsLower(std::string_view s) {
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    uint32_t c;
    i += DecodeUtf8(s, i, &c);
    if (IsUpperCp(c)) return false;
    cased = cased || IsLowerCp(c);
  }
  return cased;
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
