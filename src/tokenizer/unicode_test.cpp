// Unit tests for the Unicode helpers and the hand-written pre-tokenizers.
#include <gtest/gtest.h>

#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

namespace ingot::tok {
namespace {

TEST(Unicode, Categories) {
  EXPECT_EQ(CategoryOf('A'), Category::kLetter);
  EXPECT_EQ(CategoryOf('5'), Category::kNumber);
  EXPECT_EQ(CategoryOf(' '), Category::kSeparator);
  EXPECT_EQ(CategoryOf('!'), Category::kPunctuation);
  EXPECT_EQ(CategoryOf('+'), Category::kSymbol);
  EXPECT_EQ(CategoryOf(0), Category::kControl);
  EXPECT_EQ(CategoryOf(0x0301), Category::kMark);       // combining acute
  EXPECT_EQ(CategoryOf(0x4E00), Category::kLetter);     // CJK
  EXPECT_EQ(CategoryOf(0x00BD), Category::kNumber);     // ½
  EXPECT_EQ(CategoryOf(0x1F600), Category::kSymbol);    // emoji, outside the BMP table
  EXPECT_EQ(CategoryOf(0x20000), Category::kLetter);    // CJK extension B
  EXPECT_EQ(CategoryOf(0x0378), Category::kUndefined);  // unassigned
  EXPECT_EQ(CategoryOf(0x110000), Category::kUndefined);
  EXPECT_TRUE(IsCasedLetter('a'));
  EXPECT_FALSE(IsCasedLetter(0x4E00));
}

TEST(Unicode, WhitespaceAndFlags) {
  for (uint32_t cp : {0x09u, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u, 0x3000u}) {
    EXPECT_TRUE(IsWhitespace(cp)) << cp;
    EXPECT_TRUE(FlagsOf(cp).whitespace()) << cp;
  }
  for (uint32_t cp : {0x08u, 0x1Cu, 0x200Bu, 0x61u}) EXPECT_FALSE(IsWhitespace(cp)) << cp;
  EXPECT_TRUE(FlagsOf('x').letter());
  EXPECT_FALSE(FlagsOf('x').none());
  EXPECT_TRUE(CpFlags{}.none());
}

TEST(Unicode, DecodeIsLenientLikeLlamaCpp) {
  EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xF0\x9F\x98\x80"), (std::vector<uint32_t>{'a', 0xE9, 0x1F600}));
  EXPECT_EQ(DecodeUtf8("\xFF" "b"), (std::vector<uint32_t>{0xFFFD, 'b'}));
  EXPECT_EQ(DecodeUtf8("\xE2\x82"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  std::string s;
  AppendUtf8(0x1F600, &s);
  AppendUtf8(0x20AC, &s);
  EXPECT_EQ(s, "\xF0\x9F\x98\x80\xE2\x82\xAC");
}

TEST(Unicode, IncompleteTailAndSanitize) {
  EXPECT_EQ(IncompleteUtf8Tail(""), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("ab"), 0u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xF0\x9F\x98"), 3u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xE2"), 1u);
  EXPECT_EQ(IncompleteUtf8Tail("a\xE2\x28"), 0u);  // can never complete
  EXPECT_EQ(IncompleteUtf8Tail("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(SanitizeUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F" "a"), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(SanitizeUtf8("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Unicode, ByteLevelAlphabet) {
  EXPECT_EQ(ByteToCodepoint('a'), static_cast<uint32_t>('a'));
  EXPECT_EQ(ByteToCodepoint(' '), 0x120u);  // "Ġ"
  EXPECT_EQ(ByteToCodepoint('\n'), 0x10Au);  // "Ċ"
  for (int b = 0; b < 256; ++b) EXPECT_EQ(CodepointToByte(ByteToCodepoint(static_cast<uint8_t>(b))), b);
  EXPECT_EQ(CodepointToByte(0x4E00), -1);
}

std::vector<std::string> Words(PreKind kind, const std::string& text) {
  const std::vector<uint32_t> cps = DecodeUtf8(text);
  std::vector<std::string> out;
  size_t start = 0;
  for (const size_t len : PreTokenize(kind, cps)) {
    std::string w;
    for (size_t i = start; i < start + len; ++i) AppendUtf8(cps[i], &w);
    out.push_back(w);
    start += len;
  }
  EXPECT_EQ(start, cps.size());
  return out;
}

using W = std::vector<std::string>;

TEST(PreTokenize, Gpt2) {
  EXPECT_EQ(Words(PreKind::kGpt2, "Hello world  123 it's"), (W{"Hello", " world", " ", " 123", " it", "'s"}));
  EXPECT_EQ(Words(PreKind::kGpt2, "a!!  "), (W{"a", "!!", "  "}));
  EXPECT_TRUE(Words(PreKind::kGpt2, "").empty());
}

TEST(PreTokenize, Llama3AndQwen2) {
  EXPECT_EQ(Words(PreKind::kLlama3, "Hello 1234567\n\n  x IT'S"),
            (W{"Hello", " ", "123", "456", "7", "\n\n", " ", " x", " IT", "'S"}));
  EXPECT_EQ(Words(PreKind::kQwen2, "Hello 1234\n\n  x IT'S"),
            (W{"Hello", " ", "1", "2", "3", "4", "\n\n", " ", " x", " IT", "'S"}));
  EXPECT_EQ(Words(PreKind::kQwen2, " ?!\n\nok   "), (W{" ?!\n\n", "ok", "   "}));
}

TEST(PreTokenize, DigitSplittingLists) {
  EXPECT_EQ(Words(PreKind::kStarcoder, "x 123"), (W{"x", " ", "1", "2", "3"}));
  EXPECT_EQ(Words(PreKind::kFalcon, "a 12345"), (W{"a", " ", "123", "45"}));
  EXPECT_EQ(Words(PreKind::kDefault, "a+b 12345"), (W{"a", "+", "b", " ", "123", "45"}));
  EXPECT_EQ(Words(PreKind::kDeepseekCoder, "ab 12\n"), (W{"ab", " ", "1", "2", "\n"}));
}

TEST(PreTokenize, DeepseekV3) {
  EXPECT_EQ(Words(PreKind::kDeepseekV3,
                  "Hello,world 123456 \xE4\xB8\xAD\xE6\x96\x87\xE3\x81\xB2\xE3\x82\x89!!\n"),
            (W{"Hello", ",world", " ", "123", "456", " ", "\xE4\xB8\xAD\xE6\x96\x87\xE3\x81\xB2\xE3\x82\x89",
               "!!\n"}));
  EXPECT_EQ(Words(PreKind::kDeepseekV3, "a ~b $$ x"), (W{"a", " ", "~b", " $$", " x"}));
}

TEST(PreTokenize, CaseAwareGpt4oAndTekken) {
  EXPECT_EQ(Words(PreKind::kGpt4o, "HelloWORLD's test 12345"),
            (W{"Hello", "WORLD's", " test", " ", "123", "45"}));
  EXPECT_EQ(Words(PreKind::kTekken, "HelloWORLD's test 12"), (W{"Hello", "WORLD", "'s", " test", " ", "1", "2"}));
  EXPECT_EQ(Words(PreKind::kGpt4o, "a/b//\n\xC3\x89t\xC3\xA9"), (W{"a", "/b", "//\n", "\xC3\x89t\xC3\xA9"}));
}

TEST(PreTokenize, NamesAndFallback) {
  ASSERT_TRUE(FindPreTokenizer("llama-bpe").has_value());
  EXPECT_EQ(FindPreTokenizer("llama-bpe")->kind, PreKind::kLlama3);
  EXPECT_TRUE(FindPreTokenizer("llama-bpe")->ignore_merges);
  EXPECT_EQ(FindPreTokenizer("smollm")->kind, PreKind::kStarcoder);
  EXPECT_FALSE(FindPreTokenizer("no-such-pre").has_value());
  EXPECT_NE(SupportedPreTokenizers().find("qwen2"), std::string::npos);
}

}  // namespace
}  // namespace ingot::tok
