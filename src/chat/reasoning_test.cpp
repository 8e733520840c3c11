// Tests for the streaming reasoning/content splitter.
#include "chat/reasoning.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingot::chat {
namespace {

ReasoningSyntax Think(bool inside = false) { return {"<think>", "</think>", inside}; }
ReasoningSyntax Channel() { return {"<|channel>thought", "<channel|>", false}; }

// Feeds the text in pieces of `step` bytes and returns {reasoning, content}.
std::pair<std::string, std::string> Split(ReasoningSyntax syntax, const std::string& text, size_t step) {
  ReasoningParser parser(std::move(syntax));
  std::string reasoning, content;
  for (size_t i = 0; i < text.size(); i += step) {
    auto d = parser.Push(std::string_view(text).substr(i, step));
    reasoning += d.reasoning;
    content += d.content;
  }
  auto d = parser.Finish();
  reasoning += d.reasoning;
  content += d.content;
  return {reasoning, content};
}

TEST(Reasoning, SplitsThinkBlockAtEveryPieceSize) {
  const std::string text = "<think>\nLet me add: 2+2=4.\n</think>\n\nThe answer is 4.";
  for (size_t step = 1; step <= text.size(); ++step) {
    auto [reasoning, content] = Split(Think(), text, step);
    EXPECT_EQ(reasoning, "Let me add: 2+2=4.\n") << step;
    EXPECT_EQ(content, "The answer is 4.") << step;
  }
}

TEST(Reasoning, PromptOpenedBlockStartsInside) {
  for (size_t step = 1; step < 8; ++step) {
    auto [reasoning, content] = Split(Think(true), "\nhmm < not a tag</think>Four", step);
    EXPECT_EQ(reasoning, "hmm < not a tag");
    EXPECT_EQ(content, "Four");
  }
}

TEST(Reasoning, NoMarkerMeansAllContent) {
  auto [reasoning, content] = Split(Think(), "Hello <think> there", 3);
  EXPECT_EQ(reasoning, "");
  EXPECT_EQ(content, "Hello <think> there");
}

TEST(Reasoning, UnclosedBlockIsReasoning) {
  auto [reasoning, content] = Split(Think(), "<think>still thinking </thi", 2);
  EXPECT_EQ(reasoning, "still thinking </thi");
  EXPECT_EQ(content, "");
}

TEST(Reasoning, PartialOpenMarkerThatFailsIsContent) {
  auto [reasoning, content] = Split(Think(), "<thin", 1);
  EXPECT_EQ(content, "<thin");
  auto [r2, c2] = Split(Think(), "<thinking is fun", 1);
  EXPECT_EQ(r2, "");
  EXPECT_EQ(c2, "<thinking is fun");
}

TEST(Reasoning, GemmaThoughtChannel) {
  for (size_t step = 1; step < 12; ++step) {
    auto [reasoning, content] = Split(Channel(), "<|channel>thought\nI think.\n<channel|>Yes.", step);
    EXPECT_EQ(reasoning, "I think.\n");
    EXPECT_EQ(content, "Yes.");
  }
}

TEST(Reasoning, EmptySyntaxPassesThrough) {
  auto [reasoning, content] = Split(ReasoningSyntax{}, "<think>x</think>y", 2);
  EXPECT_EQ(reasoning, "");
  EXPECT_EQ(content, "<think>x</think>y");
}

TEST(Reasoning, DetectFromTemplateAndPrompt) {
  auto none = DetectReasoningSyntax(ReasoningFormat::kNone, "<think>", "x<think>\n");
  EXPECT_TRUE(none.open.empty());

  auto r1 = DetectReasoningSyntax(ReasoningFormat::kAuto, "... '<think>\\n' ...", "<|Assistant|><think>\n");
  EXPECT_EQ(r1.open, "<think>");
  EXPECT_TRUE(r1.starts_inside);

  auto qwen_off = DetectReasoningSyntax(ReasoningFormat::kAuto, "<think>", "assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(qwen_off.open, "<think>");
  EXPECT_FALSE(qwen_off.starts_inside);

  auto plain = DetectReasoningSyntax(ReasoningFormat::kAuto, "{{ messages }}", "x");
  EXPECT_TRUE(plain.open.empty());
  auto forced = DetectReasoningSyntax(ReasoningFormat::kDeepseek, "{{ messages }}", "x");
  EXPECT_EQ(forced.open, "<think>");

  auto gemma = DetectReasoningSyntax(ReasoningFormat::kAuto, "'<|channel>thought\\n'", "<|turn>model\n");
  EXPECT_EQ(gemma.open, "<|channel>thought");
  EXPECT_FALSE(gemma.starts_inside);
}

TEST(Reasoning, ParseFormatNames) {
  ReasoningFormat f = ReasoningFormat::kNone;
  EXPECT_TRUE(ParseReasoningFormat("deepseek", &f));
  EXPECT_EQ(f, ReasoningFormat::kDeepseek);
  EXPECT_TRUE(ParseReasoningFormat("auto", &f));
  EXPECT_EQ(f, ReasoningFormat::kAuto);
  EXPECT_FALSE(ParseReasoningFormat("yes", &f));
}

}  // namespace
}  // namespace ingot::chat
