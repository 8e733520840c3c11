// StopMatcher: stop strings spanning pieces, overlapping prefixes, several stops, no stops, UTF-8 boundaries.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/sample/stop.h"

namespace ingot::sample {
namespace {

struct Fed {
  std::vector<std::string> emitted;  // what each Feed returned
  std::string text;                  // everything emitted, Flush included
  bool stopped = false;
};

Fed Feed(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopMatcher matcher(std::move(stops));
  Fed run;
  for (const std::string& piece : pieces) {
    StopMatcher::Output out = matcher.Feed(piece);
    run.emitted.push_back(out.text);
    run.text += out.text;
    run.stopped = run.stopped || out.stopped;
  }
  run.text += matcher.Flush();
  EXPECT_EQ(run.stopped, matcher.stopped());
  return run;
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  const Fed run = Feed({}, {"Hello", ", ", "world"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"Hello", ", ", "world"}));
  EXPECT_FALSE(run.stopped);
}

TEST(StopMatcher, StopInsideOnePieceDropsItAndTheRest) {
  const Fed run = Feed({"STOP"}, {"abc", "deSTOPfg", "never"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"abc", "de", ""}));
  EXPECT_EQ(run.text, "abcde");
  EXPECT_TRUE(run.stopped);
}

TEST(StopMatcher, StopSpanningPiecesIsHeldBackThenDropped) {
  const Fed run = Feed({"</end>"}, {"text </", "en", "d> tail"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"text ", "", ""}));
  EXPECT_EQ(run.text, "text ");
  EXPECT_TRUE(run.stopped);
}

TEST(StopMatcher, FalseStartIsReleased) {
  const Fed run = Feed({"</end>"}, {"a </", "b", "c"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"a ", "</b", "c"}));
  EXPECT_FALSE(run.stopped);
}

TEST(StopMatcher, OverlappingPrefixes) {
  // "aab" with stop "ab": the first "a" is not part of the stop, the second is.
  Fed run = Feed({"ab"}, {"a", "a", "b"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"", "a", ""}));
  EXPECT_EQ(run.text, "a");
  EXPECT_TRUE(run.stopped);
  run = Feed({"aab"}, {"aa", "aa", "b"});
  EXPECT_EQ(run.text, "aa");
  EXPECT_TRUE(run.stopped);
}

TEST(StopMatcher, FlushReleasesHeldBackText) {
  StopMatcher matcher({"###"});
  EXPECT_EQ(matcher.Feed("end #").text, "end ");
  EXPECT_EQ(matcher.Feed("#").text, "");
  EXPECT_EQ(matcher.Flush(), "##");
  EXPECT_FALSE(matcher.stopped());
}

TEST(StopMatcher, EarliestOfSeveralStopsWins) {
  StopMatcher matcher({"world", "o w", "\n\n"});
  const StopMatcher::Output out = matcher.Feed("hello world");
  EXPECT_EQ(out.text, "hell");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(matcher.matched(), "o w");
  EXPECT_EQ(matcher.Feed("more").text, "");
  EXPECT_TRUE(matcher.Feed("more").stopped);
  EXPECT_EQ(matcher.Flush(), "");
}

TEST(StopMatcher, HoldsBackForTheLongestPossibleStop) {
  const Fed run = Feed({"xyz", "y"}, {"axy", "z"});
  // "y" completes inside the first piece, before "xyz" could.
  EXPECT_EQ(run.text, "ax");
  EXPECT_TRUE(run.stopped);
  const Fed other = Feed({"abcd", "bx"}, {"zab", "c", "e"});
  EXPECT_EQ(other.emitted, (std::vector<std::string>{"z", "", "abce"}));
}

TEST(StopMatcher, EmptyStopStringsAreIgnored) {
  const Fed run = Feed({"", "."}, {"one", " two. three"});
  EXPECT_EQ(run.text, "one two");
}

TEST(StopMatcher, Utf8CharactersAreNeverCut) {
  // "é" is C3 A9, "€" is E2 82 AC. A stop starting with "€" must not hold back or split the "é" before it.
  Fed run = Feed({"€€"}, {"caf\xC3", "\xA9 \xE2\x82", "\xAC", "\xE2\x82\xAC!"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"caf", "\xC3\xA9 ", "", ""}));
  EXPECT_EQ(run.text, "caf\xC3\xA9 ");
  EXPECT_TRUE(run.stopped);
  // No stops: unfinished characters are held until complete.
  run = Feed({}, {"\xF0\x9F", "\x98\x80 ok"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"", "\xF0\x9F\x98\x80 ok"}));
  // Stop string that shares a lead byte with the text: "€" vs "₂" (E2 82 82).
  run = Feed({"\xE2\x82\xAC"}, {"a\xE2\x82", "\x82", "b"});
  EXPECT_EQ(run.text, "a\xE2\x82\x82" "b");
  EXPECT_FALSE(run.stopped);
}

TEST(StopMatcher, StopAtTheVeryStart) {
  const Fed run = Feed({"<|im_end|>"}, {"<|im_end|>", "x"});
  EXPECT_EQ(run.text, "");
  EXPECT_TRUE(run.stopped);
}

// Random texts over a small alphabet, random piece boundaries: the stream must equal the text cut at the first stop
// string, and never hold back more than the longest stop string minus one byte.
TEST(StopMatcher, RandomSplitsMatchTheWholeTextAnswer) {
  std::mt19937_64 rng(3);
  const auto below = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::vector<std::vector<std::string>> stop_sets = {{"ab"}, {"aab", "ba"}, {"abcab", "cc"}, {"aaaa"}};
  for (int round = 0; round < 2000; ++round) {
    const std::vector<std::string>& stops = stop_sets[round % stop_sets.size()];
    std::string text;
    for (size_t i = below(30); i > 0; --i) text += "abc"[below(3)];
    size_t cut = std::string::npos;
    for (const std::string& stop : stops) cut = std::min(cut, text.find(stop));
    const std::string expected = text.substr(0, cut);

    StopMatcher matcher(stops);
    std::string emitted;
    size_t fed = 0;
    bool stopped = false;
    while (fed < text.size()) {
      const size_t len = 1 + below(4);
      const StopMatcher::Output out = matcher.Feed(std::string_view(text).substr(fed, len));
      fed = std::min(text.size(), fed + len);
      emitted += out.text;
      stopped = out.stopped;
      ASSERT_EQ(expected.compare(0, emitted.size(), emitted), 0) << text;
      if (stopped) break;
      ASSERT_LE(fed - emitted.size(), 4u) << text;
    }
    emitted += matcher.Flush();
    EXPECT_EQ(emitted, expected) << text;
    EXPECT_EQ(stopped, cut != std::string::npos) << text;
  }
}

}  // namespace
}  // namespace ingot::sample
