// Attention over the paged cache (two passes: scores, then softmax-weighted values; dot products and
// accumulations in kernels/vec.h). With an F16 cache the query and the softmax weights are rounded to F16 before their
// dot products, as llama.cpp's (non flash-attention) CPU path does, so that logits agree with it closely.
#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/vec.h"
#include "util/fp16.h"

namespace ingot::ops {

size_t AttentionScratchFloats(int32_t kv_len) { return size_t(std::max(kv_len, 0)); }

namespace {

inline float RoundF16(float x) { return F16ToF32(F32ToF16(x)); }

inline const uint8_t* TokenRow(const uint8_t* pool, const PagedKv& kv, int32_t j, int32_t head, int32_t head_dim) {
  const size_t elem = kv.type == DType::kF16 ? 2 : 4;
  const size_t token_bytes = size_t(kv.n_kv_head) * size_t(head_dim) * elem;
  const size_t block = size_t(kv.block_table[j / kv.block_size]);
  const size_t slot = size_t(j % kv.block_size);
  return pool + (block * size_t(kv.block_size) + slot) * token_bytes + size_t(head) * size_t(head_dim) * elem;
}

}  // namespace

void AttentionHead(const float* q, int32_t head, const PagedKv& kv, const AttentionParams& p, float* scratch,
                   float* out) {
  const int32_t group = p.n_head / kv.n_kv_head;
  const int32_t kvh = head / group;
  const float* qh = q + size_t(head) * size_t(kv.head_dim_k);
  const bool f16 = kv.type == DType::kF16;
  const int32_t n = p.kv_end - p.kv_begin;

  float qr[1024];
  const int32_t dk = kv.head_dim_k;
  for (int32_t d = 0; d < dk; ++d) qr[d] = f16 ? RoundF16(qh[d]) : qh[d];

  // Positions are visited one cache block at a time: within a block consecutive tokens are `stride` elements
  // apart, so each block is one call into the vector kernels.
  const int32_t bs = kv.block_size;
  auto for_each_block = [&](int32_t head_dim, auto&& fn) {
    const size_t stride = size_t(kv.n_kv_head) * size_t(head_dim);
    for (int32_t j0 = p.kv_begin; j0 < p.kv_end;) {
      const int32_t j1 = std::min(p.kv_end, (j0 / bs + 1) * bs);
      fn(j0 - p.kv_begin, size_t(j1 - j0), stride);
      j0 = j1;
    }
  };
  for_each_block(dk, [&](int32_t first, size_t count, size_t stride) {
    const uint8_t* row = TokenRow(kv.k, kv, p.kv_begin + first, kvh, dk);
    if (f16) {
      kernels::DotRowsF16(reinterpret_cast<const uint16_t*>(row), stride, count, qr, size_t(dk), scratch + first);
    } else {
      kernels::DotRowsF32(reinterpret_cast<const float*>(row), stride, count, qr, size_t(dk), scratch + first);
    }
  });
  float max_score = -std::numeric_limits<float>::infinity();
  for (int32_t j = 0; j < n; ++j) {
    float s = scratch[j] * p.scale;
    if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
    scratch[j] = s;
    max_score = std::max(max_score, s);
  }
  double sum = 0.0;
  for (int32_t j = 0; j < n; ++j) {
    const float e = std::exp(scratch[j] - max_score);
    scratch[j] = e;
    sum += e;
  }
  const float inv = float(1.0 / sum);
  for (int32_t j = 0; j < n; ++j) scratch[j] = f16 ? RoundF16(scratch[j] * inv) : scratch[j] * inv;
  const int32_t dv = kv.head_dim_v;
  std::fill(out, out + dv, 0.0f);
  for_each_block(dv, [&](int32_t first, size_t count, size_t stride) {
    const uint8_t* row = TokenRow(kv.v, kv, p.kv_begin + first, kvh, dv);
    if (f16) {
      kernels::AxpyRowsF16(scratch + first, reinterpret_cast<const uint16_t*>(row), stride, count, out, size_t(dv));
    } else {
      kernels::AxpyRowsF32(scratch + first, reinterpret_cast<const float*>(row), stride, count, out, size_t(dv));
    }
  });
}

}  // namespace ingot::ops
