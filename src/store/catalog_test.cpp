// Tests of the built-in catalog and of catalog parsing and overlay.
#include "store/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/names.h"

namespace ingot::store {
namespace {

TEST(Catalog, BuiltinParsesAndCoversTheFamilies) {
  auto catalog = Catalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  for (const char* name : {"llama-3.1-8b", "llama-3.2-3b", "llama-3.3-70b", "phi-4-mini", "gemma-3-4b", "gemma-3-12b",
                           "mistral-7b", "mistral-small-24b", "qwen2.5-7b", "qwen2.5-coder-7b",
                           "deepseek-r1-qwen-7b", "mixtral-8x7b", "gemma-4-e2b", "gemma-4-e4b", "gemma-4-26b-a4b",
                           "gemma-4-31b", "qwen3-8b", "qwen3-30b-a3b", "smollm2-1.7b", "tinyllama-1.1b"}) {
    EXPECT_NE(catalog->Find(name), nullptr) << name;
  }
  for (const auto& e : catalog->entries()) {
    auto source = ParseSource(e.url, "");
    EXPECT_TRUE(source.ok()) << e.name;
    EXPECT_FALSE(e.quantization.empty()) << e.name;
    EXPECT_GT(e.context, 0) << e.name;
    // A known hash pins the revision it belongs to (a moving "main" could change under it).
    if (!e.sha256.empty()) {
      EXPECT_EQ(e.url.find("/resolve/main/"), std::string::npos) << e.name;
      EXPECT_NE(e.url.find('@'), std::string::npos) << e.name;
      EXPECT_TRUE(e.size.has_value()) << e.name;
    }
  }
  EXPECT_TRUE(catalog->Find("qwen3-30b-a3b")->HasTag("moe"));
  EXPECT_FALSE(catalog->WithTag("code").empty());
  EXPECT_EQ(catalog->WithTag("").size(), catalog->entries().size());
}

TEST(Catalog, ParsesFieldsAndUnknownHash) {
  auto c = Catalog::Parse(R"({"version": 1, "models": [
      {"name": "m1", "url": "hf://o/r/m1.gguf", "size": 1234, "sha256": null, "context": 4096,
       "tags": ["small"], "quantization": "Q8_0"},
      {"name": "m2", "url": "https://example.com/m2.gguf",
       "sha256": "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"}]})",
                          "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const CatalogEntry* m1 = c->Find("m1");
  ASSERT_NE(m1, nullptr);
  EXPECT_EQ(m1->sha256, "");
  EXPECT_EQ(*m1->size, 1234u);
  EXPECT_EQ(m1->context, 4096);
  EXPECT_TRUE(m1->RecommendedMemory().has_value());
  EXPECT_EQ(c->Find("m2")->sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_FALSE(c->Find("m2")->RecommendedMemory().has_value());
}

TEST(Catalog, RejectsBadDocuments) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"models": {}})",
      R"({"version": 2, "models": []})",
      R"({"models": [{"name": "../x", "url": "hf://o/r/f.gguf"}]})",
      R"({"models": [{"name": "x"}]})",
      R"({"models": [{"name": "x", "url": "file:///etc/passwd"}]})",
      R"({"models": [{"name": "x", "url": "hf://o/r/f.gguf", "sha256": "1234"}]})",
      R"({"models": [{"name": "x", "url": "hf://o/r/f.gguf", "size": -5}]})",
      R"({"models": [{"name": "x", "url": "hf://o/r/f.gguf", "tags": "small"}]})",
      R"({"models": [{"name": "x", "url": "hf://o/r/f.gguf"}, {"name": "x", "url": "hf://o/r/g.gguf"}]})",
  };
  for (const char* doc : bad) EXPECT_FALSE(Catalog::Parse(doc, "test").ok()) << doc;
}

TEST(Catalog, UserFileOverlaysBuiltin) {
  const std::string dir = std::string(INGOT_TEST_TMP) + "/catalog_overlay";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/catalog.json";
  std::ofstream(path) << R"({"models": [
      {"name": "qwen3-8b", "url": "https://mirror.local/qwen3-8b.gguf", "quantization": "Q8_0", "context": 1},
      {"name": "house-model", "url": "https://mirror.local/house.gguf", "tags": ["internal"]}]})";
  auto c = Catalog::Load(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Find("qwen3-8b")->url, "https://mirror.local/qwen3-8b.gguf");
  EXPECT_EQ(c->Find("qwen3-8b")->quantization, "Q8_0");
  ASSERT_NE(c->Find("house-model"), nullptr);
  EXPECT_NE(c->Find("llama-3.1-8b"), nullptr);
  auto builtin = Catalog::Builtin();
  EXPECT_EQ(c->entries().size(), builtin->entries().size() + 1);
  EXPECT_TRUE(Catalog::Load(dir + "/absent.json").ok());
  std::ofstream(path) << "{broken";
  EXPECT_FALSE(Catalog::Load(path).ok());
}

}  // namespace
}  // namespace ingot::store
