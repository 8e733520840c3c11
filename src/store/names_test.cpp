// Tests of model names, source parsing, safe file names and split-file naming.
#include "store/names.h"

#include <gtest/gtest.h>

namespace ingot::store {
namespace {

TEST(ModelName, AcceptsSafeNames) {
  for (const char* name : {"qwen3-8b", "llama-3.2-3b", "a", "x_1.q4_k_m", "0model"}) {
    EXPECT_TRUE(ValidateModelName(name).ok()) << name;
  }
}

TEST(ModelName, RejectsTraversalAndOddCharacters) {
  for (const char* name : {"", "..", "../etc", "a/b", "a..b", ".hidden", "-x", "Upper", "a b", "a:b", "a\\b",
                           "x\n"}) {
    EXPECT_FALSE(ValidateModelName(name).ok()) << name;
  }
  EXPECT_FALSE(ValidateModelName(std::string(97, 'a')).ok());
  EXPECT_TRUE(ValidateModelName(std::string(96, 'a')).ok());
}

TEST(ModelName, DerivedFromFileNames) {
  EXPECT_EQ(*ModelNameFromFileName("Llama-3.2-3B-Instruct-Q4_K_M.gguf"), "llama-3.2-3b-instruct-q4_k_m");
  EXPECT_EQ(*ModelNameFromFileName("Qwen3-235B-A22B-Q4_K_M-00001-of-00003.gguf"), "qwen3-235b-a22b-q4_k_m");
  EXPECT_EQ(*ModelNameFromFileName("tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"), "tinyllama-1.1b-chat-v1.0.q4_k_m");
  EXPECT_EQ(*ModelNameFromFileName("..weird name!.gguf"), "weird-name-");
  EXPECT_FALSE(ModelNameFromFileName("....gguf").ok());
}

TEST(FileName, RejectsSeparatorsAndHiddenFiles) {
  EXPECT_TRUE(ValidateFileName("model.gguf").ok());
  for (const char* f : {"", ".", "..", ".x.gguf", "a/b.gguf", "a\\b", "a\tb"}) {
    EXPECT_FALSE(ValidateFileName(f).ok()) << f;
  }
}

TEST(Utf8, AcceptsWellFormedOnly) {
  EXPECT_TRUE(IsValidUtf8("mod\xc3\xa8le.gguf"));
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\xa6\x99"));
  for (const char* bad : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "a\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
  EXPECT_FALSE(ValidateFileName("bad\xff.gguf").ok());
  EXPECT_FALSE(ParseSource("/models/\xfe.gguf", "").ok());
}

TEST(Sha256Hex, Validates) {
  EXPECT_TRUE(IsValidSha256Hex(std::string(64, 'a')));
  EXPECT_TRUE(IsValidSha256Hex("0A63699A68456AAA873455BB54283E9D52C35C2AD32D3CFEE63FEE9784D2B60A"));
  EXPECT_FALSE(IsValidSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsValidSha256Hex(std::string(64, 'g')));
}

TEST(Source, CatalogNames) {
  auto s = ParseSource("qwen3-8b", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, SourceKind::kCatalog);
  EXPECT_FALSE(ParseSource("Qwen3 8B", "").ok());
  EXPECT_FALSE(ParseSource("", "").ok());
}

TEST(Source, HuggingFaceReferences) {
  auto s = ParseSource("hf://bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf", "");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->kind, SourceKind::kHuggingFace);
  EXPECT_EQ(s->url, "https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/"
                    "Llama-3.2-3B-Instruct-Q4_K_M.gguf");
  EXPECT_EQ(s->file_name, "Llama-3.2-3B-Instruct-Q4_K_M.gguf");

  EXPECT_EQ(*HuggingFaceUrl("hf://Qwen/Qwen3-8B-GGUF@abc123/sub/dir/f.gguf", ""),
            "https://huggingface.co/Qwen/Qwen3-8B-GGUF/resolve/abc123/sub/dir/f.gguf");
  EXPECT_EQ(*HuggingFaceUrl("hf://a/b/f.gguf", "http://mirror.local:8080/hf/"),
            "http://mirror.local:8080/hf/a/b/resolve/main/f.gguf");
  for (const char* bad : {"hf://", "hf://org", "hf://org/repo", "hf://org/repo/", "hf://../repo/f.gguf",
                          "hf://org/../f.gguf", "hf://org/repo/../../x.gguf", "hf://org/repo@/f.gguf"}) {
    EXPECT_FALSE(HuggingFaceUrl(bad, "").ok()) << bad;
  }
}

TEST(Source, HttpUrlsAndMirror) {
  auto s = ParseSource("https://example.com/models/My%20Model.gguf?download=true", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, SourceKind::kHttp);
  EXPECT_EQ(s->file_name, "My Model.gguf");
  auto m = ParseSource("https://huggingface.co/a/b/resolve/main/f.gguf", "http://10.0.0.5/hf");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->url, "http://10.0.0.5/hf/a/b/resolve/main/f.gguf");
  // A file name that decodes to a path is refused.
  EXPECT_FALSE(ParseSource("https://example.com/x/..%2F..%2Fevil.gguf", "").ok());
  EXPECT_FALSE(ParseSource("https://example.com/dir/", "").ok());
}

TEST(Source, LocalFiles) {
  auto f = ParseSource("file:///models/a.gguf", "");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, SourceKind::kLocalFile);
  EXPECT_EQ(f->path, "/models/a.gguf");
  EXPECT_EQ(f->file_name, "a.gguf");
  auto p = ParseSource("/srv/x/b.gguf", "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, SourceKind::kLocalFile);
  EXPECT_FALSE(ParseSource("file://relative/a.gguf", "").ok());
}

TEST(Url, HostAndFileName) {
  EXPECT_EQ(UrlHost("https://user:pw@Cdn-LFS.HuggingFace.co:443/x?y"), "cdn-lfs.huggingface.co");
  EXPECT_EQ(UrlHost("http://127.0.0.1:8080/a"), "127.0.0.1");
  EXPECT_EQ(UrlHost("ftp://x/y"), "");
  EXPECT_TRUE(IsHuggingFaceHost("huggingface.co"));
  EXPECT_TRUE(IsHuggingFaceHost("cdn-lfs.huggingface.co"));
  EXPECT_TRUE(IsHuggingFaceHost("hf.co"));
  EXPECT_FALSE(IsHuggingFaceHost("evilhuggingface.co"));
  EXPECT_FALSE(IsHuggingFaceHost("huggingface.co.evil.com"));
  EXPECT_EQ(ReplaceUrlFileName("http://h/a/b-00001-of-00002.gguf?x=1", "b-00002-of-00002.gguf"),
            "http://h/a/b-00002-of-00002.gguf");
}

TEST(Split, ParsesAndListsParts) {
  auto s = ParseSplitName("Big-Model-Q4_K_M-00001-of-00003.gguf");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->prefix, "Big-Model-Q4_K_M");
  EXPECT_EQ(s->index, 1);
  EXPECT_EQ(s->count, 3);
  EXPECT_EQ(SplitPartNames(*s), (std::vector<std::string>{"Big-Model-Q4_K_M-00001-of-00003.gguf",
                                                          "Big-Model-Q4_K_M-00002-of-00003.gguf",
                                                          "Big-Model-Q4_K_M-00003-of-00003.gguf"}));
  EXPECT_FALSE(ParseSplitName("model.gguf").has_value());
  EXPECT_FALSE(ParseSplitName("m-00004-of-00003.gguf").has_value());
  EXPECT_FALSE(ParseSplitName("m-0001-of-00003.gguf").has_value());
}

}  // namespace
}  // namespace ingot::store
