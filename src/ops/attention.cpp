// Attention over the paged cache with an online softmax (see attention.h), a cache block at a time. One token
// (AttendRange, AttentionGroup): the block's scores for all heads of the group (kernels::DotRowsMulti, or one
// int8 GEMM for Q8_0), a softmax step per head, then the block's V rows added to every head's output
// (kernels::AxpyRowsMulti, rescaling what was accumulated when a maximum rose). A tile of tokens (AttentionTile):
// the same scores for all its queries written position-major, a softmax step per query across the lanes, and the
// block's V rows (converted to f32 once) times the weights as a small matrix product with the queries as columns.
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

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// Tile queries are padded to a multiple of the widest register's floats.
constexpr size_t kLanes = 16;

// Bytes of one head's row of `dim` values in the cache.
size_t RowBytesOf(DType type, int32_t dim) { return RowBytes(type, size_t(dim)); }

// Floats holding one converted query: f32 values, or a Q8_0 row.
size_t QueryFloats(const PagedKv& kv) {
  return kv.type == DType::kQ8_0 ? (RowBytesOf(DType::kQ8_0, kv.head_dim_k) + 3) / 4 : size_t(kv.head_dim_k);
}

size_t PaddedQueries(int32_t n_q) { return (size_t(n_q) + kLanes - 1) / kLanes * kLanes; }

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

// The scale the softmax kernels apply: with a soft-cap the scores already went through Score().
float KernelScale(const AttentionParams& p) { return p.softcap > 0.0f ? 1.0f : p.scale; }

// The query as the dot products with K rows of `type` see it (F16: rounded to f16; Q8_0: quantized into q8).
void ConvertQuery(const float* qh, const PagedKv& kv, float* rounded, void* q8) {
  const int32_t dk = kv.head_dim_k;
  if (kv.type == DType::kF16) {
    kernels::RoundToF16(qh, size_t(dk), rounded);
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

// One KV head's rows of a layer: strides between consecutive tokens of a block.
struct KvRows {
  size_t k_row, v_row;        // bytes of one head's row
  size_t k_stride, v_stride;  // bytes between tokens

  explicit KvRows(const PagedKv& kv)
      : k_row(RowBytesOf(kv.type, kv.head_dim_k)),
        v_row(RowBytesOf(kv.type, kv.head_dim_v)),
        k_stride(size_t(kv.n_kv_head) * k_row),
        v_stride(size_t(kv.n_kv_head) * v_row) {}
};

// s[q * ld + r] = q8 query q · K row r for `count` rows at k: one int8 GEMM.
void Q8Scores(const PagedKv& kv, const uint8_t* k, size_t k_stride, size_t count, const float* queries,
              size_t n_q, float* s, size_t ld) {
  kernels::GemmArgs g{DType::kQ8_0, size_t(kv.head_dim_k), k, k_stride, 0, count,
                      reinterpret_cast<const uint8_t*>(queries), QueryFloats(kv) * 4, n_q, s, ld};
  kernels::Gemm(g);
}

template <typename T>
kernels::RowsOf<T> Rows(const uint8_t* p, size_t stride_bytes, size_t count, int32_t n) {
  return {reinterpret_cast<const T*>(p), stride_bytes / sizeof(T), count, size_t(n)};
}

}  // namespace

size_t AttentionScratchFloats(const PagedKv& kv, int32_t n_heads) {
  size_t n = size_t(n_heads) * (size_t(kv.block_size) + QueryFloats(kv));
  if (kv.type == DType::kQ8_0) n += size_t(kv.block_size) * size_t(kv.head_dim_v);
  return n;
}

void AttendRange(const float* q, int32_t first_head, int32_t n_heads, const PagedKv& kv, const AttentionParams& p,
                 float* scratch, const AttentionState& state) {
  assert(n_heads >= 1 && n_heads <= kMaxGroupHeads && "group of heads out of range");
  const int32_t group = p.n_head / kv.n_kv_head;
  const int32_t kvh = first_head / group;
  assert((first_head + n_heads - 1) / group == kvh && "heads of one call must share their KV head");
  const int32_t dk = kv.head_dim_k;
  const int32_t dv = kv.head_dim_v;
  const int32_t bs = kv.block_size;
  const size_t nh = size_t(n_heads);
  const size_t qf = QueryFloats(kv);
  float* scores = scratch;                   // [n_heads][block_size]
  float* queries = scores + nh * size_t(bs); // [n_heads][qf]
  float* v_rows = queries + nh * qf;         // Q8_0: [block_size][dv] dequantized V
  if (p.kv_begin >= p.kv_end) return;
  for (size_t h = 0; h < nh; ++h) {
    ConvertQuery(q + (size_t(first_head) + h) * size_t(dk), kv, queries + h * qf, queries + h * qf);
  }
  const KvRows rows(kv);
  float* out = state.acc;
  float factor[kMaxGroupHeads], block_sum[kMaxGroupHeads];
  for (int32_t j0 = p.kv_begin; j0 < p.kv_end;) {
    const int32_t j1 = std::min(p.kv_end, (j0 / bs + 1) * bs);
    const size_t count = size_t(j1 - j0);
    const uint8_t* k = TokenRow(kv.k, kv, j0, kvh, rows.k_row);
    if (kv.type == DType::kF16) {
      kernels::DotRowsMulti(Rows<uint16_t>(k, rows.k_stride, count, dk), queries, qf, nh, {scores, size_t(bs), 1});
    } else if (kv.type == DType::kF32) {
      kernels::DotRowsMulti(Rows<float>(k, rows.k_stride, count, dk), queries, qf, nh, {scores, size_t(bs), 1});
    } else {
      Q8Scores(kv, k, rows.k_stride, count, queries, nh, scores, size_t(bs));
    }
    if (p.softcap > 0.0f) {
      for (size_t h = 0; h < nh; ++h) {
        for (size_t i = 0; i < count; ++i) scores[h * size_t(bs) + i] = Score(scores[h * size_t(bs) + i], p);
      }
    }
    kernels::SoftmaxRows({scores, size_t(bs), count, nh, KernelScale(p), state.max, factor, block_sum});
    for (size_t h = 0; h < nh; ++h) state.sum[h] = state.sum[h] * double(factor[h]) + double(block_sum[h]);
    const uint8_t* v = TokenRow(kv.v, kv, j0, kvh, rows.v_row);
    if (kv.type == DType::kF16) {
      kernels::AxpyRowsMulti(Rows<uint16_t>(v, rows.v_stride, count, dv), scores, size_t(bs), nh, factor, out,
                             size_t(dv));
    } else if (kv.type == DType::kF32) {
      kernels::AxpyRowsMulti(Rows<float>(v, rows.v_stride, count, dv), scores, size_t(bs), nh, factor, out,
                             size_t(dv));
    } else {
      DequantizeQ8_0Rows(v, rows.v_stride, count, dv, v_rows);
      kernels::AxpyRowsMulti({v_rows, size_t(dv), count, size_t(dv)}, scores, size_t(bs), nh, factor, out,
                             size_t(dv));
    }
    j0 = j1;
  }
}

void StartAttentionState(const AttentionState& state, int32_t n_heads, int32_t head_dim_v) {
  std::fill_n(state.acc, size_t(n_heads) * size_t(head_dim_v), 0.0f);
  std::fill_n(state.max, n_heads, kNegInf);
  std::fill_n(state.sum, n_heads, 0.0);
}

void MergeAttentionState(const AttentionState& into, const AttentionState& from, int32_t n_heads,
                         int32_t head_dim_v) {
  for (int32_t h = 0; h < n_heads; ++h) {
    const float m = std::max(into.max[h], from.max[h]);
    if (m == kNegInf) continue;  // neither saw a position
    const float a = kernels::Exp(into.max[h] - m), b = kernels::Exp(from.max[h] - m);
    float* acc = into.acc + size_t(h) * size_t(head_dim_v);
    const float* other = from.acc + size_t(h) * size_t(head_dim_v);
    for (int32_t d = 0; d < head_dim_v; ++d) acc[d] = acc[d] * a + other[d] * b;
    into.sum[h] = into.sum[h] * double(a) + from.sum[h] * double(b);
    into.max[h] = m;
  }
}

void FinishAttention(const AttentionState& state, int32_t n_heads, int32_t head_dim_v, float* out) {
  for (int32_t h = 0; h < n_heads; ++h) {
    const float inv = state.sum[h] > 0.0 ? float(1.0 / state.sum[h]) : 0.0f;
    const float* acc = state.acc + size_t(h) * size_t(head_dim_v);
    for (int32_t d = 0; d < head_dim_v; ++d) out[size_t(h) * size_t(head_dim_v) + size_t(d)] = acc[d] * inv;
  }
}

void AttentionGroup(const float* q, int32_t first_head, int32_t n_heads, const PagedKv& kv,
                    const AttentionParams& p, float* scratch, float* out) {
  float max[kMaxGroupHeads];
  double sum[kMaxGroupHeads];
  const AttentionState state{out, max, sum};
  StartAttentionState(state, n_heads, kv.head_dim_v);
  AttendRange(q, first_head, n_heads, kv, p, scratch, state);
  FinishAttention(state, n_heads, kv.head_dim_v, out);
}

size_t AttentionTileScratchFloats(const PagedKv& kv, int32_t n_heads, int32_t n_tokens) {
  const size_t n_q = size_t(n_heads) * size_t(n_tokens), n_qp = PaddedQueries(int32_t(n_q));
  const size_t bs = size_t(kv.block_size), dv = size_t(kv.head_dim_v);
  const size_t q8_scores = kv.type == DType::kQ8_0 ? n_q * bs : 0;
  return n_q * QueryFloats(kv) + q8_scores + (dv + bs) * n_qp + bs * dv;
}

void AttentionTile(const QueryTile& tile, int32_t first_head, int32_t n_heads, const PagedKv& kv,
                   const AttentionParams& p, float* scratch) {
  const int32_t n_q = n_heads * tile.n_tokens;
  assert(n_heads >= 1 && tile.n_tokens >= 1 && n_q <= kMaxTileQueries && "tile out of range");
  const int32_t group = p.n_head / kv.n_kv_head;
  const int32_t kvh = first_head / group;
  assert((first_head + n_heads - 1) / group == kvh && "heads of one call must share their KV head");
  const size_t nh = size_t(n_heads), nq = size_t(n_q), n_qp = PaddedQueries(n_q);
  const size_t bs = size_t(kv.block_size), dk = size_t(kv.head_dim_k), dv = size_t(kv.head_dim_v);
  const bool q8 = kv.type == DType::kQ8_0;
  const size_t qf = QueryFloats(kv);
  // Query q = t * n_heads + h is column q of the score and weight blocks and of the transposed outputs.
  float* queries = scratch;                      // [n_q][qf]: the converted queries
  float* q8_scores = queries + nq * qf;          // Q8_0: [n_q][block_size]
  float* acc = q8_scores + (q8 ? nq * bs : 0);   // [dv][n_qp]: the outputs, transposed
  float* s = acc + dv * n_qp;                    // [block_size][n_qp]: scores, then weights
  float* v_f32 = s + bs * n_qp;                  // [block_size][dv]: a block's V rows as f32
  for (int32_t t = 0; t < tile.n_tokens; ++t) {
    for (size_t h = 0; h < nh; ++h) {
      const float* qh = tile.q + size_t(t) * tile.q_stride + (size_t(first_head) + h) * dk;
      float* converted = queries + (size_t(t) * nh + h) * qf;
      ConvertQuery(qh, kv, converted, converted);
    }
  }
  std::fill(acc, acc + dv * n_qp, 0.0f);
  std::fill(s, s + bs * n_qp, 0.0f);  // the padding columns stay finite
  float running_max[kMaxTileQueries], factor[kMaxTileQueries], block_sum[kMaxTileQueries];
  double sum[kMaxTileQueries];
  std::fill_n(running_max, n_qp, kNegInf);
  std::fill_n(sum, n_qp, 0.0);
  const int32_t* tb = tile.kv_begin;
  const int32_t* te = tile.kv_end;
  const int32_t lo = *std::min_element(tb, tb + tile.n_tokens), hi = *std::max_element(te, te + tile.n_tokens);
  const int32_t all_begin = *std::max_element(tb, tb + tile.n_tokens);
  const int32_t all_end = *std::min_element(te, te + tile.n_tokens);
  const KvRows rows(kv);
  for (int32_t j0 = lo; j0 < hi;) {
    const int32_t j1 = std::min(hi, (j0 / kv.block_size + 1) * kv.block_size);
    const size_t count = size_t(j1 - j0);
    const uint8_t* k = TokenRow(kv.k, kv, j0, kvh, rows.k_row);
    // The same dot products as AttentionGroup's, written position-major.
    if (kv.type == DType::kF16) {
      kernels::DotRowsMulti(Rows<uint16_t>(k, rows.k_stride, count, int32_t(dk)), queries, qf, nq, {s, 1, n_qp});
    } else if (kv.type == DType::kF32) {
      kernels::DotRowsMulti(Rows<float>(k, rows.k_stride, count, int32_t(dk)), queries, qf, nq, {s, 1, n_qp});
    } else {
      Q8Scores(kv, k, rows.k_stride, count, queries, nq, q8_scores, bs);
      for (size_t i = 0; i < count; ++i) {
        for (size_t c = 0; c < nq; ++c) s[i * n_qp + c] = q8_scores[c * bs + i];
      }
    }
    if (p.softcap > 0.0f) {
      for (size_t i = 0; i < count * n_qp; ++i) s[i] = Score(s[i], p);
    }
    if (j0 < all_begin || j1 > all_end) {
      for (int32_t t = 0; t < tile.n_tokens; ++t) {
        for (int32_t j = j0; j < j1; ++j) {
          if (j >= tb[t] && j < te[t]) continue;
          std::fill_n(s + size_t(j - j0) * n_qp + size_t(t) * nh, nh, kNegInf);
        }
      }
    }
    kernels::SoftmaxColumns({s, n_qp, count, n_qp, KernelScale(p), running_max, factor, block_sum});
    for (size_t c = 0; c < n_qp; ++c) sum[c] = sum[c] * double(factor[c]) + double(block_sum[c]);
    const uint8_t* v = TokenRow(kv.v, kv, j0, kvh, rows.v_row);
    const float* v32 = reinterpret_cast<const float*>(v);
    size_t v_ld = rows.v_stride / 4;
    if (kv.type != DType::kF32) {
      if (q8) {
        DequantizeQ8_0Rows(v, rows.v_stride, count, int32_t(dv), v_f32);
      } else {
        kernels::RowsToF32(Rows<uint16_t>(v, rows.v_stride, count, int32_t(dv)), v_f32);
      }
      v32 = v_f32;
      v_ld = dv;
    }
    kernels::TileGemm({dv, n_qp, count, v32, 1, v_ld, s, factor, acc});
    j0 = j1;
  }
  for (int32_t t = 0; t < tile.n_tokens; ++t) {
    for (size_t h = 0; h < nh; ++h) {
      const size_t col = size_t(t) * nh + h;
      const float inv = sum[col] > 0.0 ? float(1.0 / sum[col]) : 0.0f;
      float* o = tile.out + size_t(t) * tile.out_stride + h * dv;
      for (size_t d = 0; d < dv; ++d) o[d] = acc[d * n_qp + col] * inv;
    }
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
