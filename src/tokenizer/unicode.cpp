// Unicode helpers for the tokenizer (see unicode.h).
#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>

namespace ingot::tok {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;
constexpr uint32_t kMaxCodepoint = 0x10FFFF;

uint8_t LookupCategory(uint32_t cp) {
  const internal::CategoryRange* begin = internal::kCategoryRanges;
  const internal::CategoryRange* end = begin + internal::kCategoryRangeCount;
  const auto* it = std::upper_bound(begin, end, cp,
                                    [](uint32_t v, const internal::CategoryRange& r) { return v < r.start; });
  return it == begin ? static_cast<uint8_t>(Category::kUndefined) : (it - 1)->category;
}

// The Basic Multilingual Plane, where nearly all text lives, gets a flat table built on first use.
const std::array<uint8_t, 0x10000>& BmpCategories() {
  static const std::array<uint8_t, 0x10000> table = [] {
    std::array<uint8_t, 0x10000> t{};
    for (size_t i = 0; i < internal::kCategoryRangeCount; ++i) {
      const uint32_t start = internal::kCategoryRanges[i].start;
      const uint32_t stop = i + 1 < internal::kCategoryRangeCount ? internal::kCategoryRanges[i + 1].start : 0x110000;
      for (uint32_t cp = start; cp < stop && cp < 0x10000; ++cp) t[cp] = internal::kCategoryRanges[i].category;
    }
    return t;
  }();
  return table;
}

struct ByteMaps {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 0x144> to_byte{};
};

const ByteMaps& GetByteMaps() {
  static const ByteMaps maps = [] {
    ByteMaps m;
    m.to_byte.fill(-1);
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      m.to_cp[b] = printable ? static_cast<uint32_t>(b) : next++;
      m.to_byte[m.to_cp[b]] = static_cast<int16_t>(b);
    }
    return m;
  }();
  return maps;
}

bool IsCont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Strict decoding of one sequence at s[i]: returns its length if valid and complete, 0 if malformed; sets
// *incomplete when the bytes so far are a valid prefix cut off by the end of the input.
size_t StrictSeqLen(std::string_view s, size_t i, bool* incomplete) {
  *incomplete = false;
  const uint8_t b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *incomplete = true;
      return 0;
    }
    const uint8_t b = static_cast<uint8_t>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : !IsCont(b)) return 0;
  }
  return len;
}

}  // namespace

Category CategoryOf(uint32_t cp) {
  if (cp < 0x10000) return static_cast<Category>(BmpCategories()[cp]);
  if (cp > kMaxCodepoint) return Category::kUndefined;
  return static_cast<Category>(LookupCategory(cp));
}

bool IsWhitespace(uint32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

CpFlags FlagsOf(uint32_t cp) {
  CpFlags f;
  f.bits = static_cast<uint16_t>(1u << static_cast<unsigned>(CategoryOf(cp)));
  if (IsWhitespace(cp)) f.bits |= CpFlags::kWhitespace;
  return f;
}

bool IsCasedLetter(uint32_t cp) {
  const internal::CodepointRange* begin = internal::kCasedLetterRanges;
  const internal::CodepointRange* end = begin + internal::kCasedLetterRangeCount;
  const auto* it = std::upper_bound(begin, end, cp,
                                    [](uint32_t v, const internal::CodepointRange& r) { return v < r.first; });
  return it != begin && cp <= (it - 1)->last;
}

std::vector<uint32_t> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  auto cont = [&](size_t k) { return i + k < s.size() && IsCont(static_cast<uint8_t>(s[i + k])); };
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i + k])) & 0x3F; };
  while (i < s.size()) {
    const uint8_t b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      i += 1;
    } else if ((b0 & 0xE0) == 0xC0 && cont(1)) {
      out.push_back(((b0 & 0x1Fu) << 6) | byte(1));
      i += 2;
    } else if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
      out.push_back(((b0 & 0x0Fu) << 12) | (byte(1) << 6) | byte(2));
      i += 3;
    } else if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
      const uint32_t cp = ((b0 & 0x07u) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
      out.push_back(cp > kMaxCodepoint ? kReplacement : cp);
      i += 4;
    } else {
      out.push_back(kReplacement);
      i += 1;
    }
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp > kMaxCodepoint) cp = kReplacement;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t ByteToCodepoint(uint8_t byte) { return GetByteMaps().to_cp[byte]; }

int CodepointToByte(uint32_t cp) {
  const auto& m = GetByteMaps();
  return cp < m.to_byte.size() ? m.to_byte[cp] : -1;
}

size_t IncompleteUtf8Tail(std::string_view s) {
  // A cut-off sequence is at most 3 bytes: look for its lead byte among the last three.
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const size_t i = s.size() - back;
    if (IsCont(static_cast<uint8_t>(s[i]))) continue;
    bool incomplete = false;
    StrictSeqLen(s, i, &incomplete);
    return incomplete ? back : 0;
  }
  return 0;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    bool incomplete = false;
    const size_t len = StrictSeqLen(s, i, &incomplete);
    if (len > 0) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    out.append("\xEF\xBF\xBD");
    // Skip the maximal valid prefix of the broken sequence (at least its first byte).
    size_t skip = 1;
    while (i + skip < s.size() && skip < 4 && IsCont(static_cast<uint8_t>(s[i + skip]))) {
      bool inc = false;
      if (StrictSeqLen(s.substr(0, i + skip + 1), i, &inc) == 0 && !inc) break;
      ++skip;
    }
    i += skip;
  }
  return out;
}

}  // namespace ingot::tok
