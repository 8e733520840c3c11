// Tests for prompt files (lines and JSON Lines) and the built-in prompt set.
#include "bench/prompts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace ingot::bench {
namespace {

std::string UserText(const Prompt& p) { return p.messages.back()["content"].get<std::string>(); }

TEST(PromptsTest, OnePromptPerLine) {
  Result<std::vector<Prompt>> p = ParsePrompts("first\r\n\n   \nsecond {not json}\nthird", PromptFormat::kAuto);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ(UserText((*p)[0]), "first");
  EXPECT_EQ(UserText((*p)[1]), "second {not json}");
  EXPECT_EQ((*p)[2].messages, nlohmann::json::parse(R"([{"role":"user","content":"third"}])"));
}

TEST(PromptsTest, SkipsAByteOrderMark) {
  Result<std::vector<Prompt>> p = ParsePrompts("\xEF\xBB\xBF{\"prompt\": \"x\"}\n", PromptFormat::kAuto);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(UserText((*p)[0]), "x");
}

TEST(PromptsTest, JsonLinesShapes) {
  const std::string text =
      "{\"prompt\": \"a\\nmulti-line\", \"system\": \"be brief\"}\n"
      "\"a bare string\"\n"
      "{\"text\": \"t\"}\n"
      "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"parts\"}]}]}\n"
      "{\"conversations\": [{\"from\": \"system\", \"value\": \"s\"}, {\"from\": \"human\", \"value\": \"q\"},"
      " {\"from\": \"gpt\", \"value\": \"a\"}]}\n";
  Result<std::vector<Prompt>> p = ParsePrompts(text, PromptFormat::kJsonl);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 5u);
  EXPECT_EQ((*p)[0].messages.size(), 2u);
  EXPECT_EQ((*p)[0].messages[0]["role"], "system");
  EXPECT_EQ(UserText((*p)[0]), "a\nmulti-line");
  EXPECT_EQ(UserText((*p)[1]), "a bare string");
  EXPECT_EQ(UserText((*p)[2]), "t");
  EXPECT_TRUE((*p)[3].messages[0]["content"].is_array());
  EXPECT_EQ(UserText((*p)[4]), "q");
}

TEST(PromptsTest, AutoDetectsJsonLinesFromFirstLine) {
  Result<std::vector<Prompt>> p = ParsePrompts("\n{\"prompt\": \"x\"}\n\"y\"\n", PromptFormat::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(UserText((*p)[1]), "y");
}

TEST(PromptsTest, ErrorsNameTheLine) {
  auto expect_error = [](std::string_view text, std::string_view what) {
    Result<std::vector<Prompt>> p = ParsePrompts(text, PromptFormat::kJsonl);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.status().message().find(what), std::string::npos) << p.status().message();
  };
  expect_error("{\"prompt\":\"ok\"}\n\n{broken", "line 3");
  expect_error("[1]", "string or object");
  expect_error("{\"prompt\": 5}", "\"prompt\"");
  expect_error("{\"messages\": []}", "non-empty");
  expect_error("{\"messages\": [{\"content\": \"x\"}]}", "role");
  expect_error("{\"conversations\": [{\"from\": \"gpt\", \"value\": \"a\"}]}", "human");
  expect_error("{\"other\": 1}", "expected");
  expect_error("", "no prompts");
}

TEST(PromptsTest, LoadsFilesByExtensionAndContent) {
  const std::filesystem::path dir = std::filesystem::path(INGOT_TEST_TMP) / "bench_prompts";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "p.jsonl") << "\"x\"\n";
    std::ofstream(dir / "p.txt") << "\"x\"\n";
  }
  Result<std::vector<Prompt>> jsonl = LoadPrompts((dir / "p.jsonl").string());
  Result<std::vector<Prompt>> lines = LoadPrompts((dir / "p.txt").string());
  ASSERT_TRUE(jsonl.ok() && lines.ok());
  EXPECT_EQ(UserText((*jsonl)[0]), "x");
  EXPECT_EQ(UserText((*lines)[0]), "\"x\"");
  Result<std::vector<Prompt>> missing = LoadPrompts((dir / "missing.txt").string());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(PromptsTest, BuiltInSetIsLargeDistinctAndVaried) {
  std::vector<Prompt> prompts = DefaultPrompts();
  EXPECT_GE(prompts.size(), 250u);
  std::set<std::string> distinct;
  size_t short_prompts = 0, long_prompts = 0;
  for (const Prompt& p : prompts) {
    const std::string text = UserText(p);
    distinct.insert(text);
    if (text.size() < 80) ++short_prompts;
    if (text.size() > 1000) ++long_prompts;
  }
  EXPECT_EQ(distinct.size(), prompts.size());
  EXPECT_GE(short_prompts, 100u);
  EXPECT_GE(long_prompts, 10u);
}

}  // namespace
}  // namespace ingot::bench
