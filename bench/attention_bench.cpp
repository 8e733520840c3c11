// Single-thread paged attention (ops::AttentionGroup) for one decode token of a Llama-3-8B-like layer (32 query
// heads, 8 KV heads, head size 128) at contexts 512, 4096 and 16384, per KV cache type; reported as per-token
// time and as K/V bytes attended per second. Also one head per call, and the scalar reference at 512.
//   build-dir/bench/attention_bench --benchmark_filter='q8_0'
#include <benchmark/benchmark.h>

#include <numeric>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "ops/attention.h"
#include "util/fp16.h"

namespace ingot::ops {
namespace {

constexpr int32_t kHeads = 32, kKvHeads = 8, kHeadDim = 128, kBlock = 16;

struct Setup {
  std::vector<uint8_t> k, v;
  std::vector<int32_t> table;
  std::vector<float> q, scratch, out;
  PagedKv kv;

  Setup(DType type, int32_t ctx) {
    const int32_t n_blocks = (ctx + kBlock - 1) / kBlock;
    table.resize(size_t(n_blocks));
    std::iota(table.begin(), table.end(), 0);
    std::mt19937 rng(42);
    std::shuffle(table.begin(), table.end(), rng);
    std::normal_distribution<float> nd;
    const size_t row = RowBytes(type, kHeadDim);
    k.resize(size_t(n_blocks) * kBlock * kKvHeads * row);
    v.resize(k.size());
    std::vector<float> x(kHeadDim);
    for (std::vector<uint8_t>* pool : {&k, &v}) {
      for (size_t r = 0; r < pool->size() / row; ++r) {
        for (float& e : x) e = nd(rng);
        uint8_t* dst = pool->data() + r * row;
        if (type == DType::kQ8_0) {
          kernels::QuantizeActivationRow(DType::kQ8_0, x.data(), dst, kHeadDim);
        } else if (type == DType::kF16) {
          for (int32_t i = 0; i < kHeadDim; ++i) reinterpret_cast<uint16_t*>(dst)[i] = F32ToF16(x[size_t(i)]);
        } else {
          std::copy(x.begin(), x.end(), reinterpret_cast<float*>(dst));
        }
      }
    }
    q.resize(size_t(kHeads) * kHeadDim);
    for (float& e : q) e = nd(rng);
    kv = {type, k.data(), v.data(), kBlock, kKvHeads, kHeadDim, kHeadDim, table.data()};
    scratch.resize(AttentionScratchFloats(kv));
    out.resize(kHeadDim);
  }
};

enum class Mode { kGroup, kHead, kReference };

// kGroup: as the engine calls it (the 4 query heads of each KV head together, K/V rows read once per group);
// kHead: one query head per call; kReference: the scalar reference.
void BM_Attention(benchmark::State& state, DType type, Mode mode) {
  const int32_t ctx = int32_t(state.range(0));
  Setup s(type, ctx);
  const AttentionParams p{kHeads, 1.0f / 11.3137f, 0.0f, 0, ctx};
  const int32_t group = kHeads / kKvHeads;
  s.scratch.resize(AttentionScratchFloats(s.kv, group));
  s.out.resize(size_t(group) * kHeadDim);
  for (auto _ : state) {
    for (int32_t h = 0; h < kHeads; h += mode == Mode::kGroup ? group : 1) {
      if (mode == Mode::kGroup) {
        AttentionGroup(s.q.data(), h, group, s.kv, p, s.scratch.data(), s.out.data());
      } else if (mode == Mode::kHead) {
        AttentionHead(s.q.data(), h, s.kv, p, s.scratch.data(), s.out.data());
      } else {
        AttentionHeadReference(s.q.data(), h, s.kv, p, s.out.data());
      }
      benchmark::DoNotOptimize(s.out.data());
    }
  }
  // Bytes of K and V the 32 heads attend over (what a non-grouped pass reads: 4x the cache of a GQA group).
  state.SetBytesProcessed(int64_t(state.iterations()) * kHeads * 2 * ctx * int64_t(RowBytes(type, kHeadDim)));
  state.counters["ctx"] = ctx;
}

BENCHMARK_CAPTURE(BM_Attention, f32, DType::kF32, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Attention, f16, DType::kF16, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Attention, q8_0, DType::kQ8_0, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Attention, f16_per_head, DType::kF16, Mode::kHead)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Attention, q8_0_per_head, DType::kQ8_0, Mode::kHead)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Attention, f16_reference, DType::kF16, Mode::kReference)->Arg(512);

}  // namespace
}  // namespace ingot::ops

BENCHMARK_MAIN();
