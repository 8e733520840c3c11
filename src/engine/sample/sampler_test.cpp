// Sampler: greedy ties, truncation sets on hand-made logits, penalty formulas, logit bias, seeded
// reproducibility, distribution sanity and logprobs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "engine/sample/sampler.h"

namespace ingot::sample {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kNegInf = -std::numeric_limits<float>::infinity();

// Plain sampling at `temperature`: every truncation off, fixed seed, no penalties.
SamplingParams Plain(float temperature = 1.0f) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = 1234;
  return p;
}

Sampler Make(const SamplingParams& params, size_t n_vocab) {
  auto sampler = Sampler::Create(params, static_cast<int32_t>(n_vocab));
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  return std::move(sampler).value();
}

std::vector<float> Logs(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

// Draws `draws` tokens, each from a fresh copy of `logits`; returns how often each id came out.
std::vector<int> Counts(const SamplingParams& params, const std::vector<float>& logits, int draws) {
  Sampler sampler = Make(params, logits.size());
  std::vector<int> counts(logits.size(), 0);
  std::vector<float> work;
  for (int i = 0; i < draws; ++i) {
    work = logits;
    const int32_t token = sampler.Sample(work.data(), {}, nullptr);
    EXPECT_GE(token, 0);
    EXPECT_LT(token, static_cast<int32_t>(logits.size()));
    ++counts[token];
  }
  return counts;
}

std::set<int32_t> Drawn(const SamplingParams& params, const std::vector<float>& logits, int draws = 2000) {
  const std::vector<int> counts = Counts(params, logits, draws);
  std::set<int32_t> drawn;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) drawn.insert(static_cast<int32_t>(i));
  }
  return drawn;
}

int32_t SampleOnce(const SamplingParams& params, std::vector<float> logits, std::vector<int32_t> history = {}) {
  Sampler sampler = Make(params, logits.size());
  return sampler.Sample(logits.data(), history, nullptr);
}

TEST(Sampler, GreedyTiesGoToTheLowestId) {
  EXPECT_EQ(SampleOnce(Plain(0.0f), {1, 5, 5, 2}), 1);
  EXPECT_EQ(SampleOnce(Plain(0.0f), {3, 3, 3}), 0);
  EXPECT_EQ(SampleOnce(Plain(0.0f), {kNaN, 1, kNaN, 1}), 1);
  SamplingParams top1 = Plain(1.0f);
  top1.top_k = 1;
  EXPECT_EQ(SampleOnce(top1, {1, 5, 5, 2}), 1);
  EXPECT_EQ(SampleOnce(top1, {7, 0, 7}), 0);
}

// Probabilities 0.3, 0.25, 0.2, 0.15, 0.1 for ids 0..4.
const std::vector<float> kFive = Logs({0.3, 0.25, 0.2, 0.15, 0.1});

TEST(Sampler, TopKKeepsTheKBest) {
  SamplingParams p = Plain();
  p.top_k = 3;
  EXPECT_EQ(Drawn(p, Logs({0.1, 0.3, 0.15, 0.25, 0.2})), (std::set<int32_t>{1, 3, 4}));
  p.top_k = 2;
  EXPECT_EQ(Drawn(p, {0, 3, 3, 3, 0}), (std::set<int32_t>{1, 2}));  // ties: lowest ids
  p.top_k = 5;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1, 2, 3, 4}));
  p.top_k = 50;  // larger than the vocabulary: no truncation
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1, 2, 3, 4}));
}

TEST(Sampler, TopPKeepsTheTokenThatCrossesP) {
  SamplingParams p = Plain();
  p.top_p = 0.2f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0}));
  p.top_p = 0.5f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1}));
  p.top_p = 0.6f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1, 2}));
  p.top_p = 0.95f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1, 2, 3, 4}));
}

TEST(Sampler, MinPIsRelativeToTheBestToken) {
  SamplingParams p = Plain();
  p.min_p = 0.6f;  // p >= 0.18
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1, 2}));
  p.min_p = 0.8f;  // p >= 0.24
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1}));
  p.min_p = 1.0f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0}));
}

TEST(Sampler, ChainOrderMatchesLlamaCpp) {
  // top-p renormalizes after top-k: {0.3, 0.25} → {0.545, 0.455}, so p = 0.5 keeps one token (alone it keeps 2).
  SamplingParams p = Plain();
  p.top_k = 2;
  p.top_p = 0.5f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0}));
  // Temperature comes after truncation: a flat temperature does not widen the nucleus.
  p = Plain(5.0f);
  p.top_p = 0.5f;
  EXPECT_EQ(Drawn(p, kFive), (std::set<int32_t>{0, 1}));
}

// The nucleus of `logits` computed the slow way: full sort, cumulative softmax.
std::set<int32_t> Nucleus(const std::vector<float>& logits, size_t top_k, double top_p) {
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  if (top_k > 0) ids.resize(std::min(top_k, ids.size()));
  double total = 0.0;
  for (int32_t id : ids) total += std::exp(static_cast<double>(logits[id] - logits[ids[0]]));
  std::set<int32_t> kept;
  double mass = 0.0;
  for (int32_t id : ids) {
    kept.insert(id);
    mass += std::exp(static_cast<double>(logits[id] - logits[ids[0]]));
    if (mass >= top_p * total) break;
  }
  return kept;
}

std::vector<float> RandomLogits(size_t n, float scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> logits(n);
  for (float& l : logits) l = scale * static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53);
  return logits;
}

TEST(Sampler, TopPOverAWholeVocabularyMatchesAFullSort) {
  // Nearly flat logits: the nucleus holds thousands of tokens, more than the first partial sort covers.
  const std::vector<float> logits = RandomLogits(20000, 2.0f, 7);
  SamplingParams p = Plain();
  p.top_p = 0.9f;
  const std::set<int32_t> nucleus = Nucleus(logits, 0, 0.9);
  ASSERT_GT(nucleus.size(), 10000u);
  std::vector<float> sorted = logits;
  std::sort(sorted.begin(), sorted.end(), std::greater<float>());
  int deep = 0;  // draws from beyond the second partial sort (rank > 8192)
  for (int32_t token : Drawn(p, logits, 300)) {
    EXPECT_TRUE(nucleus.count(token)) << token;
    deep += logits[token] < sorted[8192];
  }
  EXPECT_GT(deep, 0);
}

TEST(Sampler, TopKThenTopPOnAFullSizeVocabulary) {
  const std::vector<float> logits = RandomLogits(151936, 30.0f, 11);
  SamplingParams p = Plain();
  p.top_k = 40;
  p.top_p = 0.95f;
  const std::set<int32_t> nucleus = Nucleus(logits, 40, 0.95);
  const std::set<int32_t> drawn = Drawn(p, logits, 500);
  for (int32_t token : drawn) EXPECT_TRUE(nucleus.count(token)) << token;
  EXPECT_GT(drawn.size(), 3u);
}

// Greedy run that returns the logits after bias and penalties.
std::vector<float> Penalized(const SamplingParams& params, std::vector<float> logits,
                             const std::vector<int32_t>& history) {
  Sampler sampler = Make(params, logits.size());
  sampler.Sample(logits.data(), history, nullptr);
  return logits;
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams p = Plain(0.0f);
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = -1;
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 0}), (std::vector<float>{1, -4, 1, 0.5f}));
}

TEST(Sampler, PresenceOnceFrequencyPerOccurrence) {
  SamplingParams p = Plain(0.0f);
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  // token 0 seen twice: 2 - 2 * 0.25 - 0.5; token 1 once: -2 - 0.25 - 0.5.
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 0}), (std::vector<float>{1, -2.75f, 1, 0.5f}));
  p.repeat_penalty = 2.0f;  // repeat first, then the additive penalties
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 0}), (std::vector<float>{0, -4.75f, 1, 0.5f}));
}

TEST(Sampler, PenaltyWindowIsTheLastRepeatLastNTokens) {
  SamplingParams p = Plain(0.0f);
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 1;
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 2}), (std::vector<float>{2, -2, 0.5f, 0.5f}));
  p.repeat_last_n = 0;  // disabled
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 2}), (std::vector<float>{2, -2, 1, 0.5f}));
  p.repeat_last_n = 64;  // longer than the history
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {0, 1, 2}), (std::vector<float>{1, -4, 0.5f, 0.5f}));
  // Ids outside the vocabulary are ignored.
  EXPECT_EQ(Penalized(p, {2, -2, 1, 0.5f}, {-3, 4, 99, 3}), (std::vector<float>{2, -2, 1, 0.25f}));
}

TEST(Sampler, PenaltyCountsDoNotLeakBetweenCalls) {
  SamplingParams p = Plain(0.0f);
  p.frequency_penalty = 1.0f;
  Sampler sampler = Make(p, 3);
  const std::vector<int32_t> history = {0, 0, 2};
  for (int i = 0; i < 3; ++i) {
    std::vector<float> logits = {5, 4, 3};
    sampler.Sample(logits.data(), history, nullptr);
    EXPECT_EQ(logits, (std::vector<float>{3, 4, 2}));
  }
}

TEST(Sampler, LogitBiasMinus100Bans) {
  SamplingParams p = Plain(0.0f);
  p.logit_bias = {{0, -100.0f}, {2, 2.0f}};
  std::vector<float> logits = {500, 1, 0};
  Sampler greedy = Make(p, 3);
  EXPECT_EQ(greedy.Sample(logits.data(), {}, nullptr), 2);
  EXPECT_EQ(logits[0], kNegInf);
  EXPECT_EQ(logits[2], 2.0f);
  p = Plain(2.0f);
  p.logit_bias = {{0, -100.0f}};
  EXPECT_EQ(Drawn(p, {500, 1, 0}), (std::set<int32_t>{1, 2}));
}

TEST(Sampler, EverythingBannedStillReturnsAToken) {
  for (float temperature : {0.0f, 1.0f}) {
    SamplingParams p = Plain(temperature);
    p.logit_bias = {{0, -100.0f}, {1, -100.0f}};
    p.logprobs = true;
    p.n_probs = 2;
    Sampler sampler = Make(p, 2);
    std::vector<float> logits = {1, 2};
    SampleResult out;
    EXPECT_EQ(sampler.Sample(logits.data(), {}, &out), 0);
    EXPECT_TRUE(out.top.empty());
  }
}

std::vector<int32_t> Sequence(const SamplingParams& params, int length) {
  Sampler sampler = Make(params, 1000);
  std::vector<int32_t> tokens;
  std::vector<float> logits;
  for (int i = 0; i < length; ++i) {
    logits.assign(1000, 0.0f);
    tokens.push_back(sampler.Sample(logits.data(), {}, nullptr));
  }
  return tokens;
}

TEST(Sampler, SameSeedSameSequence) {
  SamplingParams p = Plain();
  p.seed = 42;
  const std::vector<int32_t> first = Sequence(p, 64);
  EXPECT_EQ(Sequence(p, 64), first);
  p.seed = 43;
  EXPECT_NE(Sequence(p, 64), first);
}

TEST(Sampler, FirstDrawsArePinned) {
  // Flat logits over 1000 tokens: token = floor(u * 1000) with u = (mt19937_64 output >> 11) / 2^53.
  // A change of generator or of the float conversion changes these numbers.
  SamplingParams p = Plain();
  p.seed = 42;
  std::mt19937_64 reference(42);
  std::vector<int32_t> expected;
  for (int i = 0; i < 8; ++i) {
    expected.push_back(static_cast<int32_t>(static_cast<double>(reference() >> 11) * 0x1.0p-53 * 1000));
  }
  EXPECT_EQ(Sequence(p, 8), expected);
  EXPECT_EQ(expected, (std::vector<int32_t>{755, 639, 752, 136, 903, 94, 574, 372}));
}

TEST(Sampler, UnsetSeedIsRandom) {
  SamplingParams p = Plain();
  p.seed.reset();
  EXPECT_NE(Make(p, 10).seed(), Make(p, 10).seed());
  p.seed = 99;
  EXPECT_EQ(Make(p, 10).seed(), 99u);
}

// Chi-square statistic of `counts` against `probs` (normalized here).
double ChiSquare(const std::vector<int>& counts, std::vector<double> probs) {
  const double total_p = std::accumulate(probs.begin(), probs.end(), 0.0);
  const double n = std::accumulate(counts.begin(), counts.end(), 0.0);
  double chi = 0.0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = n * probs[i] / total_p;
    chi += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  return chi;
}

TEST(Sampler, DrawsFollowTheDistribution) {
  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001.
  const std::vector<double> probs = {0.4, 0.3, 0.2, 0.1};
  EXPECT_LT(ChiSquare(Counts(Plain(1.0f), Logs(probs), 10000), probs), 16.27);
  std::vector<double> flatter, sharper;
  for (double q : probs) {
    flatter.push_back(std::sqrt(q));  // temperature 2: p^(1/2)
    sharper.push_back(q * q);         // temperature 0.5: p^2
  }
  EXPECT_LT(ChiSquare(Counts(Plain(2.0f), Logs(probs), 10000), flatter), 16.27);
  EXPECT_LT(ChiSquare(Counts(Plain(0.5f), Logs(probs), 10000), sharper), 16.27);
}

TEST(Sampler, LogprobsAreTheModelDistributionBeforeTemperature) {
  const std::vector<float> logits = {1, 2, 3, 0, -1};
  double total = 0.0;
  for (float l : logits) total += std::exp(static_cast<double>(l));
  std::vector<TokenProb> first_top;
  for (float temperature : {0.0f, 0.5f, 2.0f}) {
    SamplingParams p = Plain(temperature);
    p.logprobs = true;
    p.n_probs = 5;
    Sampler sampler = Make(p, logits.size());
    std::vector<float> work = logits;
    SampleResult out;
    const int32_t token = sampler.Sample(work.data(), {}, &out);
    EXPECT_EQ(out.token, token);
    EXPECT_NEAR(out.logprob, logits[token] - std::log(total), 1e-5);
    ASSERT_EQ(out.top.size(), 5u);
    double sum = 0.0;
    for (size_t i = 0; i < out.top.size(); ++i) {
      sum += std::exp(static_cast<double>(out.top[i].logprob));
      if (i > 0) {
        EXPECT_GE(out.top[i - 1].logprob, out.top[i].logprob);
      }
      if (out.top[i].token == token) {
        EXPECT_EQ(out.top[i].logprob, out.logprob);
      }
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    EXPECT_EQ(out.top[0].token, 2);
    EXPECT_EQ(out.top[4].token, 4);
    if (first_top.empty()) first_top = out.top;
    for (size_t i = 0; i < out.top.size(); ++i) EXPECT_EQ(out.top[i].logprob, first_top[i].logprob);
  }
}

TEST(Sampler, LogprobsIncludeBiasAndSkipBannedTokens) {
  SamplingParams p = Plain(0.0f);
  p.n_probs = 3;
  p.logit_bias = {{2, -100.0f}, {3, 4.0f}};
  Sampler sampler = Make(p, 5);
  std::vector<float> logits = {1, 2, 3, 0, -1};
  SampleResult out;
  EXPECT_EQ(sampler.Sample(logits.data(), {}, &out), 3);
  const double total = std::exp(1.0) + std::exp(2.0) + std::exp(4.0) + std::exp(-1.0);
  EXPECT_NEAR(out.logprob, 4.0 - std::log(total), 1e-5);
  ASSERT_EQ(out.top.size(), 3u);
  EXPECT_EQ(out.top[0].token, 3);
  EXPECT_EQ(out.top[1].token, 1);
  EXPECT_EQ(out.top[2].token, 0);
}

TEST(Sampler, NoLogprobsUnlessAsked) {
  Sampler sampler = Make(Plain(0.0f), 3);
  std::vector<float> logits = {1, 2, 3};
  SampleResult out;
  out.top.push_back({0, 0.0f});
  EXPECT_EQ(sampler.Sample(logits.data(), {}, &out), 2);
  EXPECT_EQ(out.token, 2);
  EXPECT_EQ(out.logprob, 0.0f);
  EXPECT_TRUE(out.top.empty());
}

TEST(Sampler, CreateValidates) {
  SamplingParams p = Plain();
  p.top_p = 0.0f;
  auto bad = Sampler::Create(p, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("top_p: ", 0), 0u);
  EXPECT_FALSE(Sampler::Create(Plain(), 0).ok());
}

}  // namespace
}  // namespace ingot::sample
