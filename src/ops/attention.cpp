// Attention over the paged cache, one pass per group of query heads with an online softmax (see attention.h):
// per cache block, the scores of its tokens for every head (vector kernels, or one int8 GEMM for Q8_0), each
// head's running maximum raised if needed (rescaling its accumulated output and sum), then the block's V rows
// (dequantized once for Q8_0) added to every head's output with its weights.
#include "ops/attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/vec.h"
#include "quant/blocks.h"
#include "quant/quant.h"
#include "util/fp16.h"

namespace ingot::ops {

namespace {

// Bytes of one head's row of `dim` values in the cache.
size_t RowBytesOf(DType type, int32_t dim) { return RowBytes(type, size_t(dim)); }

// Floats holding one converted query: f32 values, or a Q8_0 row.
size_t QueryFloats(const PagedKv& kv) {
  return kv.type == DType::kQ8_0 ? (RowBytesOf(DType::kQ8_0, kv.head_dim_k) + 3) / 4 : size_t(kv.head_dim_k);
}

// Address of token j's row for KV head `head` in `pool`.
const uint8_t* TokenRow(const uint8_t* pool, const PagedKv& kv, int32_t j, int32_t head, size_t row_bytes) {
  const size_t token_bytes = size_t(kv.n_kv_head) * row_bytes;
  const size_t block = size_t(kv.block_table[j / kv.block_size]);
  const size_t slot = size_t(j % kv.block_size);
  return pool + (block * size_t(kv.block_size) + slot) * token_bytes + size_t(head) * row_bytes;
}

inline float Score(float dot, const AttentionParams& p) {
  const float s = dot * p.scale;
  return p.softcap > 0.0f ? p.softcap * std::tanh(s / p.softcap) : s;
}

// The query as the dot products with K rows of `type` see it (F16: rounded to f16; Q8_0: quantized into q8).
void ConvertQuery(const float* qh, const PagedKv& kv, float* rounded, void* q8) {
  const int32_t dk = kv.head_dim_k;
  if (kv.type == DType::kF16) {
    for (int32_t d = 0; d < dk; ++d) rounded[d] = F16ToF32(F32ToF16(qh[d]));
  } else if (kv.type == DType::kQ8_0) {
    kernels::QuantizeActivationRow(DType::kQ8_0, qh, q8, size_t(dk));
  } else {
    std::copy(qh, qh + dk, rounded);
  }
}

// rows [count][dim] = the Q8_0 rows at src (`stride` bytes apart), dequantized.
void DequantizeQ8_0Rows(const uint8_t* src, size_t stride, size_t count, int32_t dim, float* rows) {
  for (size_t i = 0; i < count; ++i) {
    const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(src + i * stride);
    float* dst = rows + i * size_t(dim);
    for (int32_t b = 0; b < dim / quant::kQK; ++b) {
      // A local copy of the quants: stores through dst may alias int8 data, which would keep the compiler from
      // vectorizing the loop.
      int8_t qs[quant::kQK];
      std::memcpy(qs, blocks[b].qs, sizeof(qs));
      const float d = F16ToF32(blocks[b].d);
      for (int32_t k = 0; k < quant::kQK; ++k) dst[b * quant::kQK + k] = d * float(qs[k]);
    }
  }
}

}  // namespace

size_t AttentionScratchFloats(const PagedKv& kv, int32_t n_heads) {
  size_t n = size_t(n_heads) * (size_t(kv.block_size) + QueryFloats(kv));
  if (kv.type == DType::kQ8_0) n += size_t(kv.block_size) * size_t(kv.head_dim_v);
  return n;
}

void AttentionGroup(const float* q, int32_t first_head, int32_t n_heads, const PagedKv& kv,
                    const AttentionParams& p, float* scratch, float* out) {
  assert(n_heads >= 1 && n_heads <= kMaxGroupHeads && "group of heads out of range");
  const int32_t group = p.n_head / kv.n_kv_head;
  const int32_t kvh = first_head / group;
  assert((first_head + n_heads - 1) / group == kvh && "heads of one call must share their KV head");
  const int32_t dk = kv.head_dim_k;
  const int32_t dv = kv.head_dim_v;
  const int32_t bs = kv.block_size;
  const size_t nh = size_t(n_heads);
  float* scores = scratch;                          // [n_heads][block_size]
  float* queries = scores + nh * size_t(bs);        // [n_heads][QueryFloats]
  float* v_rows = queries + nh * QueryFloats(kv);   // Q8_0: [block_size][dv] dequantized V
  auto query = [&](size_t h) { return queries + h * QueryFloats(kv); };
  for (size_t h = 0; h < nh; ++h) ConvertQuery(q + (size_t(first_head) + h) * size_t(dk), kv, query(h), query(h));

  const size_t k_row = RowBytesOf(kv.type, dk);
  const size_t v_row = RowBytesOf(kv.type, dv);
  const size_t k_stride = size_t(kv.n_kv_head) * k_row;  // bytes between consecutive tokens of a block
  const size_t v_stride = size_t(kv.n_kv_head) * v_row;
  const size_t elem = kv.type == DType::kF16 ? 2 : 4;     // F16/F32 strides in elements

  std::fill(out, out + nh * size_t(dv), 0.0f);
  float running_max[kMaxGroupHeads];
  double sum[kMaxGroupHeads];
  std::fill_n(running_max, nh, -std::numeric_limits<float>::infinity());
  std::fill_n(sum, nh, 0.0);
  for (int32_t j0 = p.kv_begin; j0 < p.kv_end;) {
    const int32_t j1 = std::min(p.kv_end, (j0 / bs + 1) * bs);
    const size_t count = size_t(j1 - j0);
    const uint8_t* k = TokenRow(kv.k, kv, j0, kvh, k_row);
    if (kv.type == DType::kQ8_0) {
      // One int8 GEMM: the block's K rows against every head's quantized query.
      kernels::GemmArgs g{DType::kQ8_0, size_t(dk), k, k_stride, 0, count,
                          reinterpret_cast<const uint8_t*>(queries), QueryFloats(kv) * 4, nh, scores, size_t(bs)};
      kernels::Gemm(g);
    }
    for (size_t h = 0; h < nh; ++h) {
      float* s = scores + h * size_t(bs);
      if (kv.type == DType::kF16) {
        kernels::DotRowsF16(reinterpret_cast<const uint16_t*>(k), k_stride / elem, count, query(h), size_t(dk), s);
      } else if (kv.type == DType::kF32) {
        kernels::DotRowsF32(reinterpret_cast<const float*>(k), k_stride / elem, count, query(h), size_t(dk), s);
      }
      float block_max = -std::numeric_limits<float>::infinity();
      for (size_t i = 0; i < count; ++i) {
        s[i] = Score(s[i], p);
        block_max = std::max(block_max, s[i]);
      }
      if (block_max > running_max[h]) {
        // Everything accumulated so far was weighted against the old maximum.
        const float c = std::exp(running_max[h] - block_max);
        if (sum[h] > 0.0) {
          for (int32_t d = 0; d < dv; ++d) out[h * size_t(dv) + size_t(d)] *= c;
          sum[h] *= double(c);
        }
        running_max[h] = block_max;
      }
      for (size_t i = 0; i < count; ++i) {
        s[i] = std::exp(s[i] - running_max[h]);
        sum[h] += double(s[i]);
      }
    }
    const uint8_t* v = TokenRow(kv.v, kv, j0, kvh, v_row);
    if (kv.type == DType::kQ8_0) DequantizeQ8_0Rows(v, v_stride, count, dv, v_rows);
    for (size_t h = 0; h < nh; ++h) {
      const float* w = scores + h * size_t(bs);
      float* o = out + h * size_t(dv);
      if (kv.type == DType::kF16) {
        kernels::AxpyRowsF16(w, reinterpret_cast<const uint16_t*>(v), v_stride / elem, count, o, size_t(dv));
      } else if (kv.type == DType::kF32) {
        kernels::AxpyRowsF32(w, reinterpret_cast<const float*>(v), v_stride / elem, count, o, size_t(dv));
      } else {
        kernels::AxpyRowsF32(w, v_rows, size_t(dv), count, o, size_t(dv));
      }
    }
    j0 = j1;
  }
  for (size_t h = 0; h < nh; ++h) {
    if (sum[h] <= 0.0) continue;
    const float inv = float(1.0 / sum[h]);
    for (int32_t d = 0; d < dv; ++d) out[h * size_t(dv) + size_t(d)] *= inv;
  }
}

void AttentionHeadReference(const float* q, int32_t head, const PagedKv& kv, const AttentionParams& p,
                            float* out) {
  const int32_t kvh = head / (p.n_head / kv.n_kv_head);
  const int32_t dk = kv.head_dim_k;
  const int32_t dv = kv.head_dim_v;
  std::vector<float> qr(static_cast<size_t>(dk)), row(static_cast<size_t>(std::max(dk, dv)));
  std::vector<uint8_t> q8(RowBytesOf(DType::kQ8_0, dk) + 1);
  ConvertQuery(q + size_t(head) * size_t(dk), kv, qr.data(), q8.data());
  if (kv.type == DType::kQ8_0) DequantizeRow(DType::kQ8_0, q8.data(), qr.data(), size_t(dk));
  const size_t k_row = RowBytesOf(kv.type, dk);
  const size_t v_row = RowBytesOf(kv.type, dv);
  std::vector<double> w;
  double max_score = -std::numeric_limits<double>::infinity();
  for (int32_t j = p.kv_begin; j < p.kv_end; ++j) {
    DequantizeRow(kv.type, TokenRow(kv.k, kv, j, kvh, k_row), row.data(), size_t(dk));
    double dot = 0.0;
    for (int32_t d = 0; d < dk; ++d) dot += double(qr[size_t(d)]) * double(row[size_t(d)]);
    double s = dot * double(p.scale);
    if (p.softcap > 0.0f) s = double(p.softcap) * std::tanh(s / double(p.softcap));
    w.push_back(s);
    max_score = std::max(max_score, s);
  }
  double sum = 0.0;
  for (double& x : w) sum += (x = std::exp(x - max_score));
  std::vector<double> acc(size_t(dv), 0.0);
  for (int32_t j = p.kv_begin; j < p.kv_end; ++j) {
    DequantizeRow(kv.type, TokenRow(kv.v, kv, j, kvh, v_row), row.data(), size_t(dv));
    for (int32_t d = 0; d < dv; ++d) acc[size_t(d)] += w[size_t(j - p.kv_begin)] / sum * double(row[size_t(d)]);
  }
  for (int32_t d = 0; d < dv; ++d) out[d] = float(acc[size_t(d)]);
}

}  // namespace ingot::ops
