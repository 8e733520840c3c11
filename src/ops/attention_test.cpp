// Flash-style paged attention (one head, and a KV head's group of heads at once) against its scalar reference,
// over lengths (0, 1, block-1, block, block+1, long), GQA ratios, head sizes 64..512, F32/F16/Q8_0 caches,
// sliding windows and soft-caps; Q8_0 against F16.
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

TEST(AttentionTest, FlashMatchesReferenceOverLengthsGqaHeadSizesAndTypes) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0}) {
    for (int32_t hd : {64, 128, 256, 512}) {
      for (int32_t ratio : {1, 2, 4, 8}) {
        for (int32_t len : {0, 1, kBlock - 1, kBlock, kBlock + 1, 600}) {
          const int32_t n_kv = 2, n_head = n_kv * ratio;
          const Cache c(type, len, n_kv, hd, rng);
          const PagedKv kv = c.View();
          std::vector<float> q(size_t(n_head) * size_t(hd));
          for (float& x : q) x = nd(rng);
          std::vector<float> scratch(AttentionScratchFloats(kv, ratio));
          std::vector<float> got(static_cast<size_t>(hd)), want(static_cast<size_t>(hd));
          std::vector<float> group(size_t(ratio) * size_t(hd));
          // Full causal range; a sliding window starting mid-block with a soft-cap.
          for (const AttentionParams ap : {AttentionParams{n_head, 1.0f / std::sqrt(float(hd)), 0.0f, 0, len},
                                           AttentionParams{n_head, 0.3f, 5.0f, std::min(len, 7), len}}) {
            for (int32_t h = 0; h < n_head; ++h) {
              // The head alone and within its KV head's group must both match the reference.
              if (h % ratio == 0) AttentionGroup(q.data(), h, ratio, kv, ap, scratch.data(), group.data());
              AttentionHead(q.data(), h, kv, ap, scratch.data(), got.data());
              AttentionHeadReference(q.data(), h, kv, ap, want.data());
              size_t bad = 0;
              for (int32_t d = 0; d < hd; ++d) {
                bad += !(std::fabs(got[size_t(d)] - want[size_t(d)]) <= 2e-5f);
                bad += !(std::fabs(group[size_t(h % ratio) * size_t(hd) + size_t(d)] - want[size_t(d)]) <= 2e-5f);
              }
              EXPECT_EQ(bad, 0u) << DTypeName(type) << " head_dim " << hd << " gqa " << ratio << " len " << len
                                 << " kv_begin " << ap.kv_begin << " head " << h;
            }
          }
        }
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
  std::normal_distribution<float> nd;
  std::vector<float> q(size_t(n_head) * size_t(hd));
  for (float& x : q) x = nd(rng_q);
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
