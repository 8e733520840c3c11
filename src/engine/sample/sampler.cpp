// Sampler implementation. Candidates are ordered by (logit descending, id ascending), a strict total order, so
// every partial sort yields the same set and order on every standard library: draws depend only on the seed, the
// logits and (at the last bit, through expf) the C library.
#include "engine/sample/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

namespace ingot::sample {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// The smallest slice of a full vocabulary sorted for top-p before the nucleus is known to fit; most nuclei of
// real models fit in a few hundred tokens, so one nth_element + a small sort usually suffices.
constexpr size_t kTopPFirstSort = 1024;

// SelectTop rejects logits a block at a time (the block maximum is branch-free); a block holds 64 floats, four
// cache lines.
constexpr int32_t kSelectBlock = 64;

float Clean(float logit) { return std::isnan(logit) ? kNegInf : logit; }

bool PenaltiesActive(const SamplingParams& p) {
  return p.repeat_last_n != 0 &&
         (p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f);
}

// Largest logit (NaN ignored; -inf when there is none). Several independent running maxima let the loop run at
// load throughput instead of waiting on one chain of dependent compares (greedy on 150k logits: 147 → 22 µs).
float MaxOf(const float* logits, int32_t n) {
  constexpr int32_t kChains = 8;
  float chain[kChains];
  std::fill(chain, chain + kChains, kNegInf);
  int32_t i = 0;
  for (; i + kChains <= n; i += kChains) {
    for (int32_t j = 0; j < kChains; ++j) chain[j] = logits[i + j] > chain[j] ? logits[i + j] : chain[j];
  }
  float max = kNegInf;
  for (; i < n; ++i) max = logits[i] > max ? logits[i] : max;
  for (float m : chain) max = m > max ? m : max;
  return max;
}

// Highest logit, lowest id among equals; NaN never wins. Returns 0 when every logit is -inf or NaN.
int32_t ArgMax(const float* logits, int32_t n) {
  const float max = MaxOf(logits, n);
  if (max == kNegInf) return 0;
  return static_cast<int32_t>(std::find(logits, logits + n, max) - logits);
}

// log(sum(exp(logits))) over the whole vocabulary; -inf when every logit is -inf or NaN.
float LogSumExp(const float* logits, int32_t n) {
  const float max = MaxOf(logits, n);
  if (max == kNegInf) return kNegInf;
  double sum = 0.0;
  for (int32_t i = 0; i < n; ++i) sum += std::exp(Clean(logits[i]) - max);
  return max + static_cast<float>(std::log(sum));
}

}  // namespace

bool Sampler::Better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

Result<Sampler> Sampler::Create(const SamplingParams& params, int32_t n_vocab) {
  if (n_vocab <= 0) return InvalidArgument("n_vocab: must be positive, got " + std::to_string(n_vocab));
  INGOT_RETURN_IF_ERROR(ValidateSampling(params, n_vocab));
  uint64_t seed = 0;
  if (params.seed.has_value()) {
    seed = *params.seed;
  } else {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  }
  return Sampler(params, n_vocab, seed);
}

Sampler::Sampler(const SamplingParams& params, int32_t n_vocab, uint64_t seed)
    : params_(params), n_vocab_(n_vocab), seed_(seed), rng_(seed) {
  cand_.reserve(static_cast<size_t>(n_vocab));
  top_.reserve(static_cast<size_t>(params.n_probs));
  if (PenaltiesActive(params)) counts_.assign(static_cast<size_t>(n_vocab), 0);
}

int32_t Sampler::Sample(float* logits, std::span<const int32_t> history, SampleResult* out) {
  ApplyLogitBias(logits);
  ApplyPenalties(logits, history);
  const bool greedy = params_.temperature <= 0.0f || params_.top_k == 1;
  const int32_t token = greedy ? ArgMax(logits, n_vocab_) : SampleTruncated(logits);
  if (out != nullptr) {
    out->token = token;
    out->logprob = 0.0f;
    out->top.clear();
    if (params_.logprobs || params_.n_probs > 0) FillLogprobs(logits, token, out);
  }
  return token;
}

void Sampler::ApplyLogitBias(float* logits) const {
  for (const auto& [token, bias] : params_.logit_bias) {
    if (token < 0 || token >= n_vocab_) continue;  // rejected by ValidateSampling; never index out of bounds
    // OpenAI: "-100 should result in a ban". Adding -100 leaves a strong token reachable, -inf does not.
    logits[token] = bias <= -100.0f ? kNegInf : logits[token] + bias;
  }
}

// llama.cpp's penalties: for each distinct token among the last repeat_last_n of the history, seen `count` times,
// logit = (logit <= 0 ? logit * repeat : logit / repeat) - count * frequency - presence.
void Sampler::ApplyPenalties(float* logits, std::span<const int32_t> history) {
  if (counts_.empty()) return;
  size_t window = history.size();
  if (params_.repeat_last_n >= 0) window = std::min(window, static_cast<size_t>(params_.repeat_last_n));
  const std::span<const int32_t> recent = history.last(window);
  for (int32_t token : recent) {
    if (token >= 0 && token < n_vocab_) ++counts_[token];
  }
  for (int32_t token : recent) {
    if (token < 0 || token >= n_vocab_ || counts_[token] == 0) continue;
    float& logit = logits[token];
    logit = logit <= 0.0f ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
    logit -= static_cast<float>(counts_[token]) * params_.frequency_penalty + params_.presence_penalty;
    counts_[token] = 0;  // each distinct token once; leaves counts_ all zero for the next call
  }
}

void Sampler::FillLogprobs(const float* logits, int32_t token, SampleResult* out) {
  const float lse = LogSumExp(logits, n_vocab_);
  if (lse == kNegInf) return;  // every token banned: there is no distribution to report
  out->logprob = Clean(logits[token]) - lse;
  if (params_.n_probs == 0) return;
  SelectTop(logits, std::min(params_.n_probs, n_vocab_), &top_);
  for (const Candidate& c : top_) {
    if (c.logit == kNegInf) break;
    out->top.push_back({c.id, c.logit - lse});
  }
}

int32_t Sampler::SampleTruncated(const float* logits) {
  bool sorted = false;
  if (params_.top_k > 0 && params_.top_k < n_vocab_) {
    SelectTop(logits, params_.top_k, &cand_);
    sorted = true;
  } else {
    cand_.resize(static_cast<size_t>(n_vocab_));
    for (int32_t i = 0; i < n_vocab_; ++i) cand_[i] = {Clean(logits[i]), i};
  }
  // Every truncation keeps the best candidate, so this stays the maximum along the chain.
  const float max = sorted ? cand_.front().logit : MaxOf(logits, n_vocab_);
  if (max == kNegInf) return cand_.front().id;  // every token banned: lowest id, as greedy does
  if (params_.top_p < 1.0f) TopP(max, &sorted);
  if (params_.min_p > 0.0f) MinP(max, sorted);
  return Draw(max);
}

// The k best candidates, best first. One pass with a size-k heap whose root is the worst kept candidate: for
// k << n_vocab almost every block of logits is rejected by one block maximum, O(n) instead of a sort.
void Sampler::SelectTop(const float* logits, int32_t k, std::vector<Candidate>* out) const {
  assert(k > 0);
  out->clear();
  const size_t size = static_cast<size_t>(k);
  for (int32_t i = 0; i < n_vocab_ && out->size() < size; ++i) {
    out->push_back({Clean(logits[i]), i});
    std::push_heap(out->begin(), out->end(), Better);
  }
  float floor = out->empty() ? kNegInf : out->front().logit;  // the worst kept logit
  for (int32_t begin = static_cast<int32_t>(size); begin < n_vocab_; begin += kSelectBlock) {
    const int32_t end = std::min(n_vocab_, begin + kSelectBlock);
    if (!(MaxOf(logits + begin, end - begin) > floor)) continue;
    for (int32_t i = begin; i < end; ++i) {
      // Ids only grow, so an equal logit never beats the root (which has a lower id); NaN fails the test too.
      if (!(logits[i] > floor)) continue;
      std::pop_heap(out->begin(), out->end(), Better);
      out->back() = {logits[i], i};
      std::push_heap(out->begin(), out->end(), Better);
      floor = out->front().logit;
    }
  }
  std::sort_heap(out->begin(), out->end(), Better);
}

// Keeps the smallest best-first prefix whose probability mass reaches top_p (the token crossing it included).
// Without a prior top-k the candidates are the whole vocabulary: sort only a growing prefix until it holds the
// nucleus instead of sorting 150k entries.
void Sampler::TopP(float max, bool* sorted) {
  double total = 0.0;
  for (const Candidate& c : cand_) total += std::exp(c.logit - max);
  const double target = static_cast<double>(params_.top_p) * total;

  size_t ready = *sorted ? cand_.size() : 0;  // length of the sorted prefix
  size_t keep = 0;
  double mass = 0.0;
  while (keep < cand_.size()) {
    if (keep == ready) {
      const size_t next = std::min(cand_.size(), std::max(kTopPFirstSort, ready * 8));
      std::nth_element(cand_.begin() + ready, cand_.begin() + next, cand_.end(), Better);
      std::sort(cand_.begin() + ready, cand_.begin() + next, Better);
      ready = next;
    }
    mass += std::exp(cand_[keep].logit - max);
    ++keep;
    if (mass >= target) break;
  }
  cand_.resize(keep);
  *sorted = true;
}

// Keeps candidates with p >= min_p * p_max, i.e. logit >= max_logit + log(min_p).
void Sampler::MinP(float max, bool sorted) {
  const float threshold = max + std::log(params_.min_p);
  if (sorted) {
    size_t keep = 1;
    while (keep < cand_.size() && cand_[keep].logit >= threshold) ++keep;
    cand_.resize(keep);
  } else {
    std::erase_if(cand_, [threshold](const Candidate& c) { return c.logit < threshold; });
  }
}

// One uniform draw per call, walked over softmax(logit / temperature) of the remaining candidates in their
// (deterministic) order.
int32_t Sampler::Draw(float max) {
  const double u = Uniform01();
  const float inv_temperature = 1.0f / params_.temperature;
  double total = 0.0;
  for (Candidate& c : cand_) {
    c.logit = std::exp((c.logit - max) * inv_temperature);  // now an unnormalized probability
    total += c.logit;
  }
  const double target = u * total;
  double mass = 0.0;
  for (const Candidate& c : cand_) {
    mass += c.logit;
    if (target < mass) return c.id;
  }
  // Rounding put the target on the upper edge: the last candidate that has any probability.
  for (auto it = cand_.rbegin(); it != cand_.rend(); ++it) {
    if (it->logit > 0.0f) return it->id;
  }
  return cand_.front().id;
}

// 53 random bits from the raw 64-bit output → [0, 1). std::uniform_real_distribution is implementation-defined.
double Sampler::Uniform01() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

}  // namespace ingot::sample
