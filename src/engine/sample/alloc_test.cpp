// Sampler::Sample allocates nothing after its first call: this binary counts every global operator new.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "engine/sample/sampler.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ingot::sample {
namespace {

TEST(SamplerAllocations, NoneAfterTheFirstCall) {
  constexpr int32_t kVocab = 5000;
  std::vector<float> logits(kVocab);
  for (int32_t i = 0; i < kVocab; ++i) logits[i] = static_cast<float>((i * 37) % 101) * 0.1f;
  const std::vector<int32_t> history = {1, 2, 3, 2, 1, 4999, 7};

  std::vector<SamplingParams> cases(6);
  cases[0].temperature = 0.0f;
  cases[1].top_k = 40;
  cases[2].top_k = 0;
  cases[3].top_k = 0;
  cases[3].top_p = 1.0f;
  cases[3].min_p = 0.0f;
  cases[4].repeat_penalty = 1.1f;
  cases[4].presence_penalty = 0.5f;
  cases[4].frequency_penalty = 0.5f;
  cases[5].logprobs = true;
  cases[5].n_probs = 20;
  cases[5].logit_bias = {{3, -100.0f}, {4, 2.0f}};
  for (size_t c = 0; c < cases.size(); ++c) {
    cases[c].seed = 5;
    auto sampler = Sampler::Create(cases[c], kVocab);
    ASSERT_TRUE(sampler.ok());
    std::vector<float> work(kVocab);
    SampleResult out;
    std::copy(logits.begin(), logits.end(), work.begin());
    sampler->Sample(work.data(), history, &out);
    const long before = g_allocations.load();
    for (int i = 0; i < 20; ++i) {
      std::copy(logits.begin(), logits.end(), work.begin());
      sampler->Sample(work.data(), history, &out);
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << "case " << c;
  }
}

}  // namespace
}  // namespace ingot::sample
