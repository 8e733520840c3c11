// Sampler::Sample cost on a Qwen-sized vocabulary (151936 logits) for the common parameter sets.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "engine/sample/sampler.h"

namespace ingot::sample {
namespace {

constexpr int32_t kVocab = 151936;

// Roughly what a model emits: a broad normal bulk and a handful of clear favourites.
std::vector<float> ModelLikeLogits() {
  std::mt19937_64 rng(1);
  std::normal_distribution<float> bulk(0.0f, 3.0f);
  std::vector<float> logits(kVocab);
  for (float& l : logits) l = bulk(rng);
  for (int32_t i = 0; i < 8; ++i) logits[(i * 7919) % kVocab] = 18.0f - static_cast<float>(i);
  return logits;
}

void Run(benchmark::State& state, const SamplingParams& params) {
  const std::vector<float> logits = ModelLikeLogits();
  const std::vector<int32_t> history(512, 42);
  auto sampler = Sampler::Create(params, kVocab);
  if (!sampler.ok()) {
    state.SkipWithError(sampler.status().ToString().c_str());
    return;
  }
  std::vector<float> work = logits;
  SampleResult out;
  for (auto _ : state) {
    state.PauseTiming();
    work = logits;
    state.ResumeTiming();
    benchmark::DoNotOptimize(sampler->Sample(work.data(), history, &out));
  }
}

SamplingParams Params(float temperature, int32_t top_k, float top_p, float min_p) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = 7;
  return p;
}

void BM_Greedy(benchmark::State& state) { Run(state, Params(0.0f, 40, 0.95f, 0.05f)); }
void BM_TopK40TopP095(benchmark::State& state) { Run(state, Params(0.8f, 40, 0.95f, 0.0f)); }
void BM_LlamaDefaults(benchmark::State& state) { Run(state, Params(0.8f, 40, 0.95f, 0.05f)); }
void BM_NoTopKTopP095(benchmark::State& state) { Run(state, Params(0.8f, 0, 0.95f, 0.0f)); }
void BM_PureTemperature(benchmark::State& state) { Run(state, Params(1.0f, 0, 1.0f, 0.0f)); }
void BM_TopK40WithPenalties(benchmark::State& state) {
  SamplingParams p = Params(0.8f, 40, 0.95f, 0.05f);
  p.repeat_penalty = 1.1f;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.5f;
  Run(state, p);
}
void BM_GreedyLogprobs5(benchmark::State& state) {
  SamplingParams p = Params(0.0f, 40, 0.95f, 0.05f);
  p.logprobs = true;
  p.n_probs = 5;
  Run(state, p);
}

BENCHMARK(BM_Greedy)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopK40TopP095)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LlamaDefaults)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NoTopKTopP095)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PureTemperature)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopK40WithPenalties)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GreedyLogprobs5)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ingot::sample
