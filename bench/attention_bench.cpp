// Single-thread paged attention over a KV cache of 32 query heads on 8 KV heads, head size 64 (Llama-3.2-1B) or
// 128 (Llama-3-8B), per cache type. Decode: one token at depth 512, 4096 or 16384, the 4 heads of each KV head per
// call as the engine makes them (ops::AttentionGroup); also one head per call and the scalar reference. Prefill:
// a causal prompt of 512 tokens as query tiles (ops::AttentionBatch on a one-thread pool) or token by token.
// Reported as GFLOP/s (2 flops per multiply-add of q·k and p·v over the visible positions) and K/V bytes per s.
//   build-dir/bench/attention_bench --benchmark_filter='Prefill'
#include <benchmark/benchmark.h>

#include <numeric>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "ops/attention.h"
#include "util/fp16.h"

namespace ingot::ops {
namespace {

constexpr int32_t kHeads = 32, kKvHeads = 8, kGroup = kHeads / kKvHeads, kBlock = 16;

// A cache of ctx random tokens (blocks in scrambled order) and random queries for n_tokens tokens.
struct Setup {
  std::vector<uint8_t> k, v;
  std::vector<int32_t> table;
  std::vector<float> q, scratch, out;
  PagedKv kv;

  Setup(DType type, int32_t head_dim, int32_t ctx, int32_t n_tokens) {
    const int32_t n_blocks = (ctx + kBlock - 1) / kBlock;
    table.resize(size_t(n_blocks));
    std::iota(table.begin(), table.end(), 0);
    std::mt19937 rng(42);
    std::shuffle(table.begin(), table.end(), rng);
    std::normal_distribution<float> nd;
    const size_t row = RowBytes(type, size_t(head_dim));
    k.resize(size_t(n_blocks) * kBlock * kKvHeads * row);
    v.resize(k.size());
    std::vector<float> x(static_cast<size_t>(head_dim));
    for (std::vector<uint8_t>* pool : {&k, &v}) {
      for (size_t r = 0; r < pool->size() / row; ++r) {
        for (float& e : x) e = nd(rng);
        uint8_t* dst = pool->data() + r * row;
        if (type == DType::kQ8_0) {
          kernels::QuantizeActivationRow(DType::kQ8_0, x.data(), dst, x.size());
        } else if (type == DType::kF16) {
          for (size_t i = 0; i < x.size(); ++i) reinterpret_cast<uint16_t*>(dst)[i] = F32ToF16(x[i]);
        } else {
          std::copy(x.begin(), x.end(), reinterpret_cast<float*>(dst));
        }
      }
    }
    q.resize(size_t(n_tokens) * kHeads * size_t(head_dim));
    for (float& e : q) e = nd(rng);
    out.resize(q.size());
    kv = {type, k.data(), v.data(), kBlock, kKvHeads, head_dim, head_dim, table.data()};
  }
};

void Report(benchmark::State& state, double macs_per_iter, int64_t kv_bytes_per_iter) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * macs_per_iter * double(state.iterations()) * 1e-9,
                                                 benchmark::Counter::kIsRate);
  state.SetBytesProcessed(int64_t(state.iterations()) * kv_bytes_per_iter);
}

enum class Mode { kGroup, kHead, kReference };

// kGroup: as the engine calls it (the 4 query heads of each KV head together, K/V rows read once per group);
// kHead: one query head per call; kReference: the scalar reference.
void BM_Decode(benchmark::State& state, DType type, int32_t head_dim, Mode mode) {
  const int32_t ctx = int32_t(state.range(0));
  Setup s(type, head_dim, ctx, 1);
  const AttentionParams p{kHeads, 1.0f / std::sqrt(float(head_dim)), 0.0f, 0, ctx};
  s.scratch.resize(AttentionScratchFloats(s.kv, kGroup));
  for (auto _ : state) {
    for (int32_t h = 0; h < kHeads; h += mode == Mode::kGroup ? kGroup : 1) {
      float* out = s.out.data() + size_t(h) * size_t(head_dim);
      if (mode == Mode::kGroup) {
        AttentionGroup(s.q.data(), h, kGroup, s.kv, p, s.scratch.data(), out);
      } else if (mode == Mode::kHead) {
        AttentionHead(s.q.data(), h, s.kv, p, s.scratch.data(), out);
      } else {
        AttentionHeadReference(s.q.data(), h, s.kv, p, out);
      }
    }
    benchmark::DoNotOptimize(s.out.data());
  }
  // Bytes of K and V the 32 heads attend over (what a non-grouped pass reads: 4x the cache of a GQA group).
  Report(state, double(kHeads) * ctx * 2 * head_dim,
         int64_t(kHeads) * 2 * ctx * int64_t(RowBytes(type, size_t(head_dim))));
}

// One decode token over 16 layers' caches (beyond L2, as in a forward pass), each through ops::AttentionBatch as
// the engine calls it (the token's positions walked a few blocks at a time for all KV heads) on a pool of
// `threads`.
void BM_DecodeLayers(benchmark::State& state, DType type, int32_t head_dim, int threads) {
  const int32_t ctx = int32_t(state.range(0));
  constexpr int kLayers = 16;
  std::vector<Setup> layers;
  for (int l = 0; l < kLayers; ++l) layers.emplace_back(type, head_dim, ctx, 1);
  const AttentionParams p{kHeads, 1.0f / std::sqrt(float(head_dim)), 0.0f, 0, 0};
  ThreadPool pool(threads);
  std::vector<float> scratch;
  for (auto _ : state) {
    for (Setup& s : layers) {
      AttentionBatch(pool, s.kv, p, {{s.table.data(), 0, ctx}}, s.q.data(), s.out.data(), scratch);
      benchmark::DoNotOptimize(s.out.data());
    }
  }
  Report(state, double(kLayers) * kHeads * ctx * 2 * head_dim,
         int64_t(kLayers) * kKvHeads * 2 * ctx * int64_t(RowBytes(type, size_t(head_dim))));
}

// A causal prompt of n tokens at positions 0 .. n - 1: tiled (tiles = true) or token by token.
void BM_Prefill(benchmark::State& state, DType type, int32_t head_dim, bool tiles) {
  const int32_t n = int32_t(state.range(0));
  Setup s(type, head_dim, n, n);
  const AttentionParams p{kHeads, 1.0f / std::sqrt(float(head_dim)), 0.0f, 0, 0};
  std::vector<AttentionToken> tokens;
  for (int32_t t = 0; t < n; ++t) tokens.push_back({s.table.data(), 0, t + 1});
  ThreadPool pool(1);
  s.scratch.resize(AttentionScratchFloats(s.kv, kGroup));
  const size_t q_dim = size_t(kHeads) * size_t(head_dim);
  for (auto _ : state) {
    if (tiles) {
      AttentionBatch(pool, s.kv, p, tokens, s.q.data(), s.out.data(), s.scratch);
    } else {
      for (int32_t t = 0; t < n; ++t) {
        AttentionParams pt = p;
        pt.kv_end = t + 1;
        for (int32_t h = 0; h < kHeads; h += kGroup) {
          AttentionGroup(s.q.data() + size_t(t) * q_dim, h, kGroup, s.kv, pt, s.scratch.data(),
                         s.out.data() + size_t(t) * q_dim + size_t(h) * size_t(head_dim));
        }
      }
    }
    benchmark::DoNotOptimize(s.out.data());
  }
  const double pairs = double(n) * (n + 1) / 2;
  Report(state, double(kHeads) * pairs * 2 * head_dim,
         int64_t(pairs) * kKvHeads * 2 * int64_t(RowBytes(type, size_t(head_dim))));
}

BENCHMARK_CAPTURE(BM_Decode, f16_hd64, DType::kF16, 64, Mode::kGroup)->Arg(512)->Arg(4096);
BENCHMARK_CAPTURE(BM_Decode, f32_hd128, DType::kF32, 128, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Decode, f16_hd128, DType::kF16, 128, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Decode, q8_0_hd128, DType::kQ8_0, 128, Mode::kGroup)->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK_CAPTURE(BM_Decode, f16_hd128_per_head, DType::kF16, 128, Mode::kHead)->Arg(512)->Arg(4096);
BENCHMARK_CAPTURE(BM_Decode, f16_hd128_reference, DType::kF16, 128, Mode::kReference)->Arg(512);
BENCHMARK_CAPTURE(BM_DecodeLayers, f16_hd64_1thread, DType::kF16, 64, 1)->Arg(576)->Arg(4096);
BENCHMARK_CAPTURE(BM_DecodeLayers, f16_hd64_2threads, DType::kF16, 64, 2)->Arg(576)->Arg(4096)->UseRealTime();
BENCHMARK_CAPTURE(BM_Prefill, f16_hd64_tiles, DType::kF16, 64, true)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, f16_hd64_tokens, DType::kF16, 64, false)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, f16_hd128_tiles, DType::kF16, 128, true)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, q8_0_hd64_tiles, DType::kQ8_0, 64, true)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, f32_hd64_tiles, DType::kF32, 64, true)->Arg(512)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ingot::ops

BENCHMARK_MAIN();
