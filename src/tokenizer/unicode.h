// Unicode helpers for the tokenizer: lenient UTF-8 decoding the way llama.cpp does it, code point category
// flags (from the generated unicode_tables.cpp) and GPT-2's byte <-> printable-character mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ingot::tok {

// Coarse general-category classes; numbering shared with tools/gen_unicode_tables.py.
enum class Category : uint8_t {
  kUndefined = 0, kNumber, kLetter, kSeparator, kMark, kPunctuation, kSymbol, kControl,
};

namespace internal {
struct CategoryRange {
  uint32_t start;
  uint8_t category;  // a Category
};
struct CodepointRange {
  uint32_t first, last;  // inclusive
};
extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangeCount;
extern const CodepointRange kCasedLetterRanges[];
extern const size_t kCasedLetterRangeCount;
}  // namespace internal

// Flags of one code point, as llama.cpp's pre-tokenizers see it. bits == 0 means "no character" (a position
// outside the chunk being split); every real code point has exactly one category bit.
struct CpFlags {
  static constexpr uint16_t kUndefined = 1, kNumber = 2, kLetter = 4, kSeparator = 8, kMark = 16,
                            kPunctuation = 32, kSymbol = 64, kControl = 128, kWhitespace = 256;
  uint16_t bits = 0;

  bool none() const { return bits == 0; }
  bool letter() const { return bits & kLetter; }
  bool number() const { return bits & kNumber; }
  bool whitespace() const { return bits & kWhitespace; }
  bool punctuation() const { return bits & kPunctuation; }
};

Category CategoryOf(uint32_t cp);
// llama.cpp's White_Space set: U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029,
// U+202F, U+205F, U+3000.
bool IsWhitespace(uint32_t cp);
CpFlags FlagsOf(uint32_t cp);
// Cased letters: general categories Lu, Ll and Lt.
bool IsCasedLetter(uint32_t cp);

// Length of the UTF-8 sequence a lead byte announces, by its high nibble (1 for stray continuation bytes).
inline size_t Utf8SeqLen(uint8_t lead) {
  static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[lead >> 4];
}

// Decodes UTF-8 without failing: a malformed sequence yields U+FFFD and skips one byte (llama.cpp's rule).
// Overlong forms and surrogates are accepted as their code point values, as llama.cpp does.
std::vector<uint32_t> DecodeUtf8(std::string_view s);
// Appends the UTF-8 form of cp; values past U+10FFFF are written as U+FFFD.
void AppendUtf8(uint32_t cp, std::string* out);

// GPT-2 byte-level alphabet: each byte maps to one printable code point (printable Latin-1 bytes to
// themselves, the rest to U+0100 + n in byte order).
uint32_t ByteToCodepoint(uint8_t byte);
// The byte a code point of that alphabet stands for, or -1.
int CodepointToByte(uint32_t cp);

// Number of bytes at the end of `s` that form an incomplete (but so far valid) UTF-8 sequence; 0 if `s` ends on
// a complete character or on bytes that can never complete.
size_t IncompleteUtf8Tail(std::string_view s);
// Replaces every malformed sequence with U+FFFD (one per maximal invalid subpart, as Python and browsers do).
std::string SanitizeUtf8(std::string_view s);

}  // namespace ingot::tok
