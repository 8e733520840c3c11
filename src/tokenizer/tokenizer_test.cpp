// Tokenizer tests on small hand-built vocabularies: SentencePiece score order and byte fallback, BPE merge
// ranks, special-token parsing, decoding, streaming, and metadata errors.
#include <gtest/gtest.h>

#include "tokenizer/tokenizer.h"

namespace ingot::tok {
namespace {

constexpr int32_t kByte0 = 3;  // "<0x00>" in the SentencePiece vocab below

// <unk> <s> </s> <0x00>..<0xFF>, then normal pieces, a user-defined and a control token.
VocabSpec SpmSpec() {
  VocabSpec s;
  s.model = "llama";
  s.tokens = {"<unk>", "<s>", "</s>"};
  s.types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    s.tokens.push_back(buf);
    s.types.push_back(6);
  }
  s.scores.assign(s.tokens.size(), 0.0f);
  const std::vector<std::pair<const char*, float>> pieces = {
      {"\xE2\x96\x81", -10}, {"h", -10}, {"e", -10}, {"l", -10}, {"o", -10}, {"\xE2\x96\x81h", -5},
      {"he", -2}, {"ll", -3}, {"lo", -4}, {"\xE2\x96\x81he", -1}, {"hel", -6}, {"hello", -7},
      {"\xE2\x96\x81hello", -8}};
  for (const auto& [text, score] : pieces) {
    s.tokens.push_back(text);
    s.types.push_back(1);
    s.scores.push_back(score);
  }
  s.tokens.push_back("<|user|>");
  s.types.push_back(4);
  s.scores.push_back(0);
  s.tokens.push_back("<|ctl|>");
  s.types.push_back(3);
  s.scores.push_back(0);
  return s;
}

std::unique_ptr<Tokenizer> Make(VocabSpec spec) {
  auto t = Tokenizer::FromSpec(std::move(spec));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

int32_t Id(const Tokenizer& t, const std::string& text) {
  const auto id = t.FindToken(text);
  EXPECT_TRUE(id.has_value()) << text;
  return id.value_or(-1);
}

TEST(Spm, MergesByScoreNotLength) {
  auto t = Make(SpmSpec());
  ASSERT_NE(t, nullptr);
  // "he" (-2) merges first, then "▁he" (-1) and "ll" (-3); "▁hello" is in the vocab but never reached.
  EXPECT_EQ(t->Encode("hello", false, false),
            (std::vector<int32_t>{Id(*t, "\xE2\x96\x81he"), Id(*t, "ll"), Id(*t, "o")}));
  EXPECT_EQ(t->Encode("hello", true, false).front(), 1);
  EXPECT_EQ(t->Encode("", true, false), (std::vector<int32_t>{1}));
  EXPECT_TRUE(t->Encode("", false, false).empty());
}

TEST(Spm, ByteFallbackAndDecode) {
  auto t = Make(SpmSpec());
  ASSERT_NE(t, nullptr);
  const std::vector<int32_t> ids = t->Encode("h\xC3\xA9", false, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{Id(*t, "\xE2\x96\x81h"), kByte0 + 0xC3, kByte0 + 0xA9}));
  EXPECT_EQ(t->Decode(ids), " h\xC3\xA9");
  EXPECT_EQ(t->Decode(ids, /*remove_leading_space=*/true), "h\xC3\xA9");
  EXPECT_EQ(t->TokenToPiece(kByte0 + 0x41), "A");
  EXPECT_EQ(t->TokenToPiece(1), "");
  EXPECT_EQ(t->TokenText(1), "<s>");
  EXPECT_EQ(t->TokenToPiece(-1), "");
  EXPECT_EQ(t->TokenToPiece(100000), "");
  // The space after BOS is removed from the first real token.
  EXPECT_EQ(t->Decode({1, Id(*t, "\xE2\x96\x81he")}, true), "he");
  EXPECT_EQ(t->Decode({1, Id(*t, "\xE2\x96\x81he")}, false, /*render_special=*/true), "<s> he");
}

TEST(Spm, SpecialTokens) {
  auto t = Make(SpmSpec());
  ASSERT_NE(t, nullptr);
  const int32_t user = Id(*t, "<|user|>");
  const int32_t ctl = Id(*t, "<|ctl|>");
  const std::vector<int32_t> hello = t->Encode("hello", false, false);
  std::vector<int32_t> want = {user};
  want.insert(want.end(), hello.begin(), hello.end());  // a space prefix follows a special token
  EXPECT_EQ(t->Encode("<|user|>hello", false, false), want);
  // Control tokens only with parse_special; otherwise their text is spelled out in bytes.
  const std::vector<int32_t> literal = t->Encode("<|ctl|>", false, false);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), ctl), 0);
  EXPECT_EQ(t->Decode(literal), " <|ctl|>");
  EXPECT_EQ(t->Encode("<|ctl|>", false, true), (std::vector<int32_t>{ctl}));
  EXPECT_TRUE(t->IsControl(ctl));
  EXPECT_FALSE(t->IsControl(user));
  EXPECT_TRUE(t->IsEog(2));
  EXPECT_EQ(t->TokenToPiece(user), "<|user|>");
}

TEST(Spm, StreamDecoderHoldsBackSplitCharacters) {
  auto t = Make(SpmSpec());
  ASSERT_NE(t, nullptr);
  // 😀 is F0 9F 98 80: four byte tokens after the "▁" piece.
  const std::vector<int32_t> ids = t->Encode("\xF0\x9F\x98\x80", false, false);
  ASSERT_EQ(ids.size(), 5u);
  StreamDecoder d(*t);
  EXPECT_EQ(d.Push(ids[0]), " ");
  EXPECT_EQ(d.Push(ids[1]), "");
  EXPECT_EQ(d.Push(ids[2]), "");
  EXPECT_EQ(d.Push(ids[3]), "");
  EXPECT_EQ(d.Push(ids[4]), "\xF0\x9F\x98\x80");
  EXPECT_EQ(d.Flush(), "");

  StreamDecoder cut(*t);
  EXPECT_EQ(cut.Push(kByte0 + 'a'), "a");
  EXPECT_EQ(cut.Push(kByte0 + 0xF0), "");
  EXPECT_EQ(cut.Push(kByte0 + 0x9F), "");
  EXPECT_EQ(cut.Flush(), "\xEF\xBF\xBD");
  EXPECT_EQ(cut.Push(kByte0 + 0xFF), "\xEF\xBF\xBD");  // can never start a character
  EXPECT_EQ(cut.Push(1), "");                          // control tokens contribute nothing
}

VocabSpec BpeSpec() {
  VocabSpec s;
  s.model = "gpt2";
  s.pre = "gpt-2";
  s.tokens = {"h", "e", "l", "o", "\xC4\xA0", "he", "ll", "hell", "hello", "\xC4\xA0h", "<|endoftext|>", "<x>"};
  s.types = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4};
  s.merges = {"h e", "l l", "he ll", "hell o", "\xC4\xA0 h"};
  s.bos = 10;
  s.eos = 10;
  return s;
}

TEST(Bpe, MergesByRank) {
  auto t = Make(BpeSpec());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->model(), "gpt2");
  EXPECT_EQ(t->pre(), "gpt-2");
  EXPECT_FALSE(t->add_bos());
  // " hello": "h e" (rank 0) wins over "Ġ h" (rank 4), so the space stays alone.
  const std::vector<int32_t> ids = t->Encode("hello hello", false, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{8, 4, 8}));
  EXPECT_EQ(t->Decode(ids), "hello hello");
  EXPECT_EQ(t->Encode(" h", false, false), (std::vector<int32_t>{9}));
  // Characters outside the tiny alphabet are dropped, as llama.cpp does when no byte token exists.
  EXPECT_EQ(t->Encode("hx", false, false), (std::vector<int32_t>{0}));
}

TEST(Bpe, SpecialTokensAndEog) {
  auto t = Make(BpeSpec());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Encode("<|endoftext|>", false, true), (std::vector<int32_t>{10}));
  EXPECT_EQ(t->Encode("<x>he", false, false), (std::vector<int32_t>{11, 5}));
  EXPECT_TRUE(t->IsEog(10));
  EXPECT_EQ(t->eot(), 10);  // found by its text
  EXPECT_EQ(t->Decode({10, 8}), "hello");
  EXPECT_EQ(t->Decode({10, 8}, false, true), "<|endoftext|>hello");
}

TEST(Bpe, UnknownPreFallsBackToDefault) {
  VocabSpec s = BpeSpec();
  s.pre = "no-such-pre";
  auto t = Make(std::move(s));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->pre(), "default");
  EXPECT_EQ(t->Encode("hello", false, false), (std::vector<int32_t>{8}));
}

// Gemma 4: BPE over raw UTF-8 with spaces as "▁", newline runs split off, <0xNN> byte fallback, BOS forced.
TEST(Gemma4, RawUtf8Bpe) {
  VocabSpec s;
  s.model = "gemma4";
  s.tokens = {"<pad>", "<eos>", "<bos>"};
  s.types = {3, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    s.tokens.push_back(buf);
    s.types.push_back(6);
  }
  for (const char* t : {"\xE2\x96\x81", "h", "i", "\xE2\x96\x81h", "\xE2\x96\x81hi", "\n", "\n\n", "<turn|>"}) {
    s.tokens.push_back(t);
    s.types.push_back(1);
  }
  s.types.back() = 3;
  s.merges = {"\xE2\x96\x81 h", "\xE2\x96\x81h i"};
  s.bos = 2;
  s.eos = 1;
  s.add_bos = false;  // overridden, as llama.cpp does for Gemma 4
  auto t = Make(std::move(s));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->model(), "gemma4");
  EXPECT_EQ(t->pre(), "gemma4");
  EXPECT_TRUE(t->add_bos());
  const std::vector<int32_t> ids = t->Encode("hi hi\n\nx", true, false);
  EXPECT_EQ(ids, (std::vector<int32_t>{2, Id(*t, "h"), Id(*t, "i"), Id(*t, "\xE2\x96\x81hi"), Id(*t, "\n\n"),
                                       3 + 'x'}));
  EXPECT_EQ(t->Decode(ids), "hi hi\n\nx");
  const int32_t turn = Id(*t, "<turn|>");
  EXPECT_TRUE(t->IsEog(turn));
  EXPECT_TRUE(t->IsEog(1));
}

TEST(Errors, BadMetadata) {
  VocabSpec unknown = BpeSpec();
  unknown.model = "wordpiece-ish";
  auto r = Tokenizer::FromSpec(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("llama, gpt2, gemma4"), std::string::npos);

  VocabSpec no_merges = BpeSpec();
  no_merges.merges.clear();
  EXPECT_EQ(Tokenizer::FromSpec(no_merges).status().code(), Code::kCorrupt);

  VocabSpec empty = SpmSpec();
  empty.tokens.clear();
  EXPECT_EQ(Tokenizer::FromSpec(empty).status().code(), Code::kCorrupt);

  VocabSpec short_types = SpmSpec();
  short_types.types.resize(3);
  EXPECT_EQ(Tokenizer::FromSpec(short_types).status().code(), Code::kCorrupt);

  VocabSpec dup = SpmSpec();
  dup.tokens[5] = dup.tokens[4];
  EXPECT_EQ(Tokenizer::FromSpec(dup).status().code(), Code::kCorrupt);

  VocabSpec bos_missing = BpeSpec();
  bos_missing.bos = -1;  // out of range: keeps the default 11, which is in range here
  bos_missing.add_bos = true;
  EXPECT_TRUE(Tokenizer::FromSpec(bos_missing).ok());
  bos_missing.tokens.resize(11);
  bos_missing.types.resize(11);
  EXPECT_EQ(Tokenizer::FromSpec(bos_missing).status().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace ingot::tok
