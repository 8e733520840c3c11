// llama.cpp's tokenizer test vectors (../shared/tokenizer) and the stories260K vocabulary: every vector must
// tokenize to llama.cpp's ids and decode back to its input. Each vocab file is loaded once.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace ingot::tok {
namespace {

const std::string kDir = std::string(INGOT_SHARED_DIR) + "/tokenizer/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loads (once per process) the tokenizer of a GGUF file; fails the test if it cannot.
const Tokenizer* Load(const std::string& path) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second.get();
  auto file = gguf::File::Open(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return nullptr;
  auto tok = Tokenizer::FromGguf(**file);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  if (!tok.ok()) return nullptr;
  return cache.emplace(path, std::move(tok).value()).first->second.get();
}

std::vector<std::string> SplitInputs(const std::string& all) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t pos; (pos = all.find(sep, start)) != std::string::npos; start = pos + sep.size()) {
    out.push_back(all.substr(start, pos - start));
  }
  return out;  // the file ends with a separator: the empty tail is dropped
}

std::vector<std::vector<int32_t>> ParseExpected(const std::string& all) {
  std::vector<std::vector<int32_t>> out;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream nums(line);
    std::vector<int32_t> ids;
    for (int32_t id; nums >> id;) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

std::string Ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (const int32_t id : ids) {
    s += ' ';
    s += std::to_string(id);
  }
  return s;
}

struct VocabCase {
  const char* file;
  const char* model;
  const char* pre;
};

class VocabFileTest : public testing::TestWithParam<VocabCase> {};

TEST_P(VocabFileTest, MatchesLlamaCppVectors) {
  const VocabCase& c = GetParam();
  const std::string base = kDir + c.file;
  const Tokenizer* tok = Load(base);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->model(), c.model);
  EXPECT_EQ(tok->pre(), c.pre);

  const std::vector<std::string> inputs = SplitInputs(ReadFile(base + ".inp"));
  const std::vector<std::vector<int32_t>> expected = ParseExpected(ReadFile(base + ".out"));
  ASSERT_EQ(inputs.size(), 46u) << base << ".inp missing or malformed";
  ASSERT_EQ(expected.size(), inputs.size()) << base << ".out";

  const bool spm = std::string_view(c.model) == "llama";
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<int32_t> ids = tok->Encode(inputs[i], /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(ids, expected[i]) << c.file << " input #" << i << " '" << inputs[i] << "'\n got:     " << Ids(ids)
                                << "\n expected:" << Ids(expected[i]);
    // SentencePiece prefixes a space; BPE decodes to the input exactly.
    std::string want = inputs[i];
    if (spm && !want.empty()) want.insert(want.begin(), ' ');
    EXPECT_EQ(tok->Decode(expected[i]), want) << c.file << " input #" << i;
    if (spm) {
      EXPECT_EQ(tok->Decode(expected[i], /*remove_leading_space=*/true), inputs[i]) << c.file << " #" << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    LlamaCpp, VocabFileTest,
    testing::Values(VocabCase{"ggml-vocab-llama-spm.gguf", "llama", "default"},
                    VocabCase{"ggml-vocab-phi-3.gguf", "llama", "default"},
                    VocabCase{"ggml-vocab-llama-bpe.gguf", "gpt2", "llama-bpe"},
                    VocabCase{"ggml-vocab-qwen2.gguf", "gpt2", "qwen2"},
                    VocabCase{"ggml-vocab-gpt-2.gguf", "gpt2", "gpt-2"},
                    VocabCase{"ggml-vocab-falcon.gguf", "gpt2", "falcon"},
                    VocabCase{"ggml-vocab-deepseek-coder.gguf", "gpt2", "deepseek-coder"},
                    VocabCase{"ggml-vocab-starcoder.gguf", "gpt2", "starcoder"}),
    [](const testing::TestParamInfo<VocabCase>& info) {
      std::string name = info.param.file + 11;  // after "ggml-vocab-"
      name = name.substr(0, name.size() - 5);
      for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

// Random text over tricky pieces (spaces, newlines, contractions, digits, marks, CJK, emoji, odd whitespace):
// encoding never loses anything, so decoding gives the text back.
TEST_P(VocabFileTest, RandomTextRoundTrips) {
  const VocabCase& c = GetParam();
  const Tokenizer* tok = Load(kDir + c.file);
  ASSERT_NE(tok, nullptr);
  const std::vector<std::string> alphabet = {
      " ", "  ", "\t", "\n", "\r\n", "a", "Z", "hello", "World", "'s", "'LL", "'", "0", "42", "12345", "!", "?!",
      ".", ",", "$", "~", "`", "<", "|", "(", "\xC3\xA9", "e\xCC\x81", "\xE4\xB8\xAD\xE6\x96\x87",
      "\xED\x95\x9C", "\xF0\x9F\x98\x80", "\xF0\x9F\xA6\x99", "\xE1\x9E\x80\xE1\x9F\x92",
      "\xC2\xA0", "\xE3\x80\x80", "\xE2\x80\x83", "\xD0\x9F\xD1\x80\xD0\xB8", "\xC2\xBD", "\x01", "\x7F",
      "\xEF\xBD\x9E", "\xE0\xA4\x95\xE0\xA4\xBF"};
  std::mt19937 rng(1234);
  const bool spm = std::string_view(c.model) == "llama";
  for (int iter = 0; iter < 300; ++iter) {
    std::string text;
    const int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
    const std::vector<int32_t> ids = tok->Encode(text, false, false);
    std::string want = text;
    if (spm && !text.empty()) want.insert(want.begin(), ' ');
    ASSERT_EQ(tok->Decode(ids), want) << c.file << " text '" << text << "' ids" << Ids(ids);
  }
  // Arbitrary bytes must not crash anything (BPE replaces malformed UTF-8 with U+FFFD, as llama.cpp does).
  for (int iter = 0; iter < 100; ++iter) {
    std::string bytes(rng() % 32, '\0');
    for (char& ch : bytes) ch = static_cast<char>(rng());
    const std::vector<int32_t> ids = tok->Encode(bytes, true, true);
    for (const int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab());
    StreamDecoder stream(*tok);
    for (const int32_t id : ids) stream.Push(id);
    stream.Flush();
  }
}

TEST(VocabFiles, Stories260kPromptWithBos) {
  const Tokenizer* tok = Load(std::string(INGOT_SHARED_DIR) + "/models/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 512);
  EXPECT_EQ(tok->bos(), 1);
  EXPECT_EQ(tok->eos(), 2);
  EXPECT_TRUE(tok->add_bos());
  EXPECT_EQ(tok->pad(), -1);  // stored as UINT32_MAX
  const std::vector<int32_t> ids = tok->Encode("Once upon a time", /*add_special=*/true, /*parse_special=*/false);
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(tok->Decode(ids), " Once upon a time");
  EXPECT_EQ(tok->Decode(ids, /*remove_leading_space=*/true), "Once upon a time");
  EXPECT_TRUE(tok->IsEog(2));
  EXPECT_FALSE(tok->IsEog(1));
}

TEST(VocabFiles, Llama3SpecialTokens) {
  const Tokenizer* tok = Load(kDir + "ggml-vocab-llama-bpe.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->bos(), 128000);
  EXPECT_TRUE(tok->add_bos());
  const auto eot = tok->FindToken("<|eot_id|>");
  ASSERT_TRUE(eot.has_value());
  EXPECT_TRUE(tok->IsEog(*eot));
  EXPECT_TRUE(tok->IsControl(*eot));
  EXPECT_EQ(tok->TokenToPiece(*eot), "");
  EXPECT_EQ(tok->TokenText(*eot), "<|eot_id|>");
  const std::string text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
  const std::vector<int32_t> parsed = tok->Encode(text, true, true);
  ASSERT_EQ(parsed.size(), 7u);
  EXPECT_EQ(parsed[0], 128000);
  EXPECT_EQ(parsed[1], *tok->FindToken("<|start_header_id|>"));
  EXPECT_EQ(parsed.back(), *eot);
  EXPECT_EQ(tok->Decode(parsed, false, /*render_special=*/true), "<|begin_of_text|>" + text);
  const std::vector<int32_t> literal = tok->Encode(text, false, false);
  EXPECT_GT(literal.size(), 7u);
  EXPECT_EQ(tok->Decode(literal), text);
}

TEST(VocabFiles, Qwen2UserDefinedTokensMatchWithoutParseSpecial) {
  const Tokenizer* tok = Load(kDir + "ggml-vocab-qwen2.gguf");
  ASSERT_NE(tok, nullptr);
  const auto think = tok->FindToken("<think>");
  const auto im_end = tok->FindToken("<|im_end|>");
  ASSERT_TRUE(think && im_end);
  EXPECT_EQ(tok->token_type(*think), TokenType::kUserDefined);
  EXPECT_FALSE(tok->add_bos());
  EXPECT_TRUE(tok->IsEog(*im_end));
  EXPECT_TRUE(tok->IsEog(*tok->FindToken("<|endoftext|>")));
  EXPECT_FALSE(tok->IsEog(*think));
  // User-defined tokens are always split out; control tokens only with parse_special.
  const std::vector<int32_t> plain = tok->Encode("<think>hi<|im_end|>", false, false);
  ASSERT_FALSE(plain.empty());
  EXPECT_EQ(plain[0], *think);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), *im_end), 0);
  const std::vector<int32_t> parsed = tok->Encode("<think>hi<|im_end|>", false, true);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0], *think);
  EXPECT_EQ(parsed[2], *im_end);
  EXPECT_EQ(tok->TokenToPiece(*think), "<think>");
}

}  // namespace
}  // namespace ingot::tok
