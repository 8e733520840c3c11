// Flash-style paged attention against its scalar reference on every ISA the CPU has: one token (a head alone and
// a KV head's group) over lengths 0, 1, block-1, block, block+1 and 600, GQA ratios 1-8, head sizes 64-512,
// F32/F16/Q8_0 caches, sliding windows and soft-caps; query tiles of 1-33 tokens at several positions with the
// same variations; a threaded batch mixing prefill runs and decode tokens of several sequences; Q8_0 against F16.
// Outputs are weighted averages of N(0, 1) values; every variant agrees with the double reference within 2e-5.
#include "ops/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "util/fp16.h"

namespace ingot::ops {
namespace {

constexpr int32_t kBlock = 16;
constexpr float kTol = 2e-5f;

// A paged cache of n_tok random tokens in `type`, its blocks in scrambled order.
struct Cache {
  DType type;
  int32_t n_kv, hd;
  std::vector<uint8_t> k, v;
  std::vector<int32_t> table;

  Cache(DType t, int32_t n_tok, int32_t n_kv_head, int32_t head_dim, std::mt19937& rng)
      : type(t), n_kv(n_kv_head), hd(head_dim) {
    const int32_t n_blocks = std::max(1, (n_tok + kBlock - 1) / kBlock);
    table.resize(size_t(n_blocks));
    std::iota(table.begin(), table.end(), 0);
    std::shuffle(table.begin(), table.end(), rng);
    const size_t token_bytes = size_t(n_kv) * RowBytes(t, size_t(hd));
    k.assign(size_t(n_blocks) * kBlock * token_bytes, 0);
    v.assign(k.size(), 0);
    std::normal_distribution<float> nd;
    std::vector<float> row(size_t(n_kv) * size_t(hd));
    for (int32_t j = 0; j < n_tok; ++j) {
      const size_t at = (size_t(table[size_t(j / kBlock)]) * kBlock + size_t(j % kBlock)) * token_bytes;
      for (std::vector<uint8_t>* pool : {&k, &v}) {
        for (float& x : row) x = nd(rng);
        Store(row, pool->data() + at);
      }
    }
  }
  void Store(const std::vector<float>& row, uint8_t* dst) const {
    if (type == DType::kF32) {
      std::copy(row.begin(), row.end(), reinterpret_cast<float*>(dst));
    } else if (type == DType::kF16) {
      for (size_t i = 0; i < row.size(); ++i) reinterpret_cast<uint16_t*>(dst)[i] = F32ToF16(row[i]);
    } else {
      kernels::QuantizeActivationRow(DType::kQ8_0, row.data(), dst, row.size());
    }
  }
  PagedKv View() const { return {type, k.data(), v.data(), kBlock, n_kv, hd, hd, table.data()}; }
};

std::vector<float> RandomQueries(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> nd;
  std::vector<float> q(n);
  for (float& x : q) x = nd(rng);
  return q;
}

// Calls fn(isa name) with each ISA the CPU supports active.
template <typename Fn>
void ForEachIsa(Fn fn) {
  const kernels::Isa saved = kernels::ActiveIsa();
  for (kernels::Isa isa : {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512,
                           kernels::Isa::kAvx512Vnni, kernels::Isa::kAmx}) {
    if (!kernels::IsaSupported(isa)) continue;
    kernels::SetActiveIsa(isa);
    fn(kernels::IsaName(isa));
  }
  kernels::SetActiveIsa(saved);
}

// Values of got that differ from want by more than kTol.
size_t CountBad(const float* got, const float* want, int32_t n) {
  size_t bad = 0;
  for (int32_t i = 0; i < n; ++i) bad += !(std::fabs(got[i] - want[i]) <= kTol);
  return bad;
}

// The reference output of AttentionBatch: every head of every token against its own range of its sequence.
std::vector<float> BatchReference(const Cache& cache, const AttentionParams& ap,
                                  const std::vector<AttentionToken>& tokens, const std::vector<float>& q) {
  const size_t q_dim = size_t(ap.n_head) * size_t(cache.hd);
  std::vector<float> want(q.size());
  for (size_t t = 0; t < tokens.size(); ++t) {
    PagedKv kv = cache.View();
    kv.block_table = tokens[t].block_table;
    AttentionParams one = ap;
    one.kv_begin = tokens[t].kv_begin;
    one.kv_end = tokens[t].kv_end;
    for (int32_t h = 0; h < ap.n_head; ++h) {
      AttentionHeadReference(&q[t * q_dim], h, kv, one, &want[t * q_dim + size_t(h * cache.hd)]);
    }
  }
  return want;
}

TEST(AttentionTest, GroupMatchesReferenceOverLengthsGqaHeadSizesAndTypesOnEveryIsa) {
  std::mt19937 rng(7);
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0}) {
    for (int32_t hd : {64, 128, 256, 512}) {
      for (int32_t ratio : {1, 2, 4, 8}) {
        for (int32_t len : {0, 1, kBlock - 1, kBlock, kBlock + 1, 600}) {
          const int32_t n_kv = 2, n_head = n_kv * ratio;
          const Cache c(type, len, n_kv, hd, rng);
          const PagedKv kv = c.View();
          const std::vector<float> q = RandomQueries(size_t(n_head) * size_t(hd), rng);
          std::vector<float> scratch(AttentionScratchFloats(kv, ratio));
          std::vector<float> got(static_cast<size_t>(hd)), want(size_t(n_head) * size_t(hd));
          std::vector<float> group(size_t(ratio) * size_t(hd));
          // Full causal range; a sliding window starting mid-block with a soft-cap.
          for (const AttentionParams ap : {AttentionParams{n_head, 1.0f / std::sqrt(float(hd)), 0.0f, 0, len},
                                           AttentionParams{n_head, 0.3f, 5.0f, std::min(len, 7), len}}) {
            for (int32_t h = 0; h < n_head; ++h) AttentionHeadReference(q.data(), h, kv, ap, &want[size_t(h * hd)]);
            ForEachIsa([&](std::string_view isa) {
              for (int32_t h = 0; h < n_head; ++h) {
                // The head alone and within its KV head's group must both match the reference.
                if (h % ratio == 0) AttentionGroup(q.data(), h, ratio, kv, ap, scratch.data(), group.data());
                AttentionHead(q.data(), h, kv, ap, scratch.data(), got.data());
                const float* w = &want[size_t(h * hd)];
                const size_t bad = CountBad(got.data(), w, hd) + CountBad(&group[size_t(h % ratio * hd)], w, hd);
                ASSERT_EQ(bad, 0u) << isa << " " << DTypeName(type) << " head_dim " << hd << " gqa " << ratio
                                   << " len " << len << " kv_begin " << ap.kv_begin << " head " << h;
              }
            });
          }
        }
      }
    }
  }
}

// Tiles of consecutive tokens at positions first .. first + n_tokens - 1 (causal), with and without a window of
// 20 positions and a soft-cap, and for the larger heads with a scale of 1 (Gemma 4: normalized q and k, peaked
// softmax weights that amplify rounding errors of the scores); the heads of a KV head in calls of at most
// kMaxTileQueries queries.
TEST(AttentionTest, TileMatchesReferenceOverSizesPositionsGqaHeadSizesAndTypesOnEveryIsa) {
  std::mt19937 rng(8);
  struct Case {
    int32_t n_tokens, first;
  };
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0}) {
    for (int32_t hd : {64, 128, 256, 512}) {
      for (int32_t ratio : {1, 2, 4, 8}) {
        const bool big = hd == 64 && ratio == 4;  // the full sweep of tile sizes on the common shape
        std::vector<Case> cases = {{1, 0}, {2, 14}, {16, 0}, {17, 31}};
        if (hd <= 128) cases.push_back({33, 567});  // long context (the reference is slow at the larger sizes)
        if (big) {
          for (int32_t n = 1; n <= 33; ++n) cases.push_back({n, (n * 7) % 40});
        }
        for (const Case& cs : cases) {
          const int32_t n_kv = 2, n_head = n_kv * ratio, len = cs.first + cs.n_tokens;
          const Cache c(type, len, n_kv, hd, rng);
          const PagedKv kv = c.View();
          const size_t q_dim = size_t(n_head) * size_t(hd);
          const std::vector<float> q = RandomQueries(size_t(cs.n_tokens) * q_dim, rng);
          const int32_t per_call = std::min(ratio, kMaxTileQueries / cs.n_tokens);
          std::vector<float> scratch(AttentionTileScratchFloats(kv, per_call, cs.n_tokens));
          std::vector<float> got(size_t(cs.n_tokens) * q_dim), want(got.size());
          std::vector<int32_t> kv_begin(size_t(cs.n_tokens)), kv_end(size_t(cs.n_tokens));
          for (const int32_t variant : {0, 1, 2}) {
            const int32_t window = variant == 1 ? 20 : 0;
            if (variant == 2 && hd < 256) continue;
            const float scale = variant == 0 ? 1.0f / std::sqrt(float(hd)) : (variant == 1 ? 0.3f : 1.0f);
            const AttentionParams ap{n_head, scale, variant == 1 ? 5.0f : 0.0f, 0, 0};
            for (int32_t t = 0; t < cs.n_tokens; ++t) {
              kv_end[size_t(t)] = cs.first + t + 1;
              kv_begin[size_t(t)] = window ? std::max(0, kv_end[size_t(t)] - window) : 0;
              AttentionParams one = ap;
              one.kv_begin = kv_begin[size_t(t)];
              one.kv_end = kv_end[size_t(t)];
              for (int32_t h = 0; h < n_head; ++h) {
                AttentionHeadReference(&q[size_t(t) * q_dim], h, kv, one, &want[size_t(t) * q_dim + size_t(h * hd)]);
              }
            }
            ForEachIsa([&](std::string_view isa) {
              std::fill(got.begin(), got.end(), -1.0f);
              for (int32_t h = 0, n_heads = 0; h < n_head; h += n_heads) {
                n_heads = std::min(per_call, (h / ratio + 1) * ratio - h);
                const QueryTile tile{q.data(), q_dim, got.data() + size_t(h * hd), q_dim, cs.n_tokens,
                                     kv_begin.data(), kv_end.data()};
                AttentionTile(tile, h, n_heads, kv, ap, scratch.data());
              }
              const size_t bad = CountBad(got.data(), want.data(), int32_t(got.size()));
              ASSERT_EQ(bad, 0u) << isa << " " << DTypeName(type) << " head_dim " << hd << " gqa " << ratio
                                 << " tokens " << cs.n_tokens << " from " << cs.first << " variant " << variant;
            });
          }
        }
      }
    }
  }
}

// One batch as the engine builds it: a 40-token prompt, a decode token at depth 100 and a 3-token chunk of a third
// sequence, then a batch of decode tokens only; 8 query heads on 2 KV heads, with and without a window. The three
// sequences own disjoint blocks of one cache.
TEST(AttentionTest, BatchMatchesReferenceForMixedSequences) {
  std::mt19937 rng(9);
  const int32_t n_kv = 2, n_head = 8, hd = 64;
  const size_t q_dim = size_t(n_head) * hd;
  const Cache cache(DType::kF16, 12 * kBlock, n_kv, hd, rng);
  const int32_t* tables[] = {&cache.table[0], &cache.table[3], &cache.table[10]};  // 3, 7 and 2 blocks
  ThreadPool pool(2);
  std::vector<float> scratch;
  for (const bool decode_only : {false, true}) {
    for (const int32_t window : {0, 12}) {
      std::vector<std::pair<int32_t, int32_t>> seq_pos;  // (sequence, position)
      if (!decode_only) {
        for (int32_t pos = 0; pos < 40; ++pos) seq_pos.push_back({0, pos});
      }
      seq_pos.push_back({1, 100});
      for (int32_t pos = decode_only ? 22 : 20; pos < 23; ++pos) seq_pos.push_back({2, pos});
      if (decode_only) seq_pos.push_back({0, 39});
      std::vector<AttentionToken> tokens;
      for (const auto& [seq, pos] : seq_pos) {
        tokens.push_back({tables[seq], window ? std::max(0, pos + 1 - window) : 0, pos + 1});
      }
      const std::vector<float> q = RandomQueries(tokens.size() * q_dim, rng);
      std::vector<float> got(q.size());
      const AttentionParams ap{n_head, 0.125f, 0.0f, 0, 0};
      AttentionBatch(pool, cache.View(), ap, tokens, q.data(), got.data(), scratch);
      const std::vector<float> want = BatchReference(cache, ap, tokens, q);
      EXPECT_EQ(CountBad(got.data(), want.data(), int32_t(got.size())), 0u)
          << "decode only " << decode_only << " window " << window;
    }
  }
}

// A lone decode token deep in its sequence is split into ranges of positions over the threads and merged: every
// cache type, with and without a window and a soft-cap, 2 and 3 tokens of different sequences.
TEST(AttentionTest, BatchSplitsLoneTokensOverThreadsAndMerges) {
  std::mt19937 rng(10);
  const int32_t n_kv = 2, n_head = 8, hd = 64;
  const size_t q_dim = size_t(n_head) * hd;
  ThreadPool pool(4);
  std::vector<float> scratch;
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0}) {
    const Cache cache(type, 2 * 640, n_kv, hd, rng);
    const int32_t* tables[] = {&cache.table[0], &cache.table[40]};  // 40 blocks each
    for (const bool capped : {false, true}) {
      std::vector<AttentionToken> tokens;
      for (int32_t pos : {639, 517}) tokens.push_back({tables[tokens.size()], capped ? pos + 1 - 300 : 0, pos + 1});
      const AttentionParams ap{n_head, capped ? 0.3f : 0.125f, capped ? 5.0f : 0.0f, 0, 0};
      for (const size_t n_tokens : {size_t(1), size_t(2)}) {
        const std::vector<AttentionToken> batch(tokens.begin(), tokens.begin() + long(n_tokens));
        const std::vector<float> q = RandomQueries(n_tokens * q_dim, rng);
        std::vector<float> got(q.size());
        AttentionBatch(pool, cache.View(), ap, batch, q.data(), got.data(), scratch);
        const std::vector<float> want = BatchReference(cache, ap, batch, q);
        EXPECT_EQ(CountBad(got.data(), want.data(), int32_t(got.size())), 0u)
            << DTypeName(type) << " capped " << capped << " tokens " << n_tokens;
      }
    }
  }
}

// A Q8_0 cache holds the same values as an F16 one to within its 8-bit blocks: outputs (weighted averages of
// N(0, 1) values) agree within 1e-2 absolute (4.6e-3 measured).
TEST(AttentionTest, Q8_0CacheAgreesWithF16) {
  std::mt19937 rng_a(11), rng_b(11), rng_q(12);
  const int32_t n_kv = 2, n_head = 8, hd = 128, len = 300;
  const Cache f16(DType::kF16, len, n_kv, hd, rng_a);
  const Cache q8(DType::kQ8_0, len, n_kv, hd, rng_b);  // same random values, same block order
  const std::vector<float> q = RandomQueries(size_t(n_head) * size_t(hd), rng_q);
  const AttentionParams ap{n_head, 1.0f / std::sqrt(float(hd)), 0.0f, 0, len};
  std::vector<float> s16(AttentionScratchFloats(f16.View())), s8(AttentionScratchFloats(q8.View()));
  std::vector<float> a(static_cast<size_t>(hd)), b(static_cast<size_t>(hd));
  float worst = 0;
  for (int32_t h = 0; h < n_head; ++h) {
    AttentionHead(q.data(), h, f16.View(), ap, s16.data(), a.data());
    AttentionHead(q.data(), h, q8.View(), ap, s8.data(), b.data());
    for (int32_t d = 0; d < hd; ++d) worst = std::max(worst, std::fabs(a[size_t(d)] - b[size_t(d)]));
  }
  std::printf("[ q8_0 vs f16 ] max abs difference %.2e\n", double(worst));
  EXPECT_LE(worst, 1e-2f);
}

}  // namespace
}  // namespace ingot::ops
