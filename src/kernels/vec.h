// Float vector primitives of attention over the KV cache: multi-query dot products and accumulation over the rows
// of a cache block, online-softmax steps with a vectorized exp, and the small matrix products of a query tile.
// Same dispatch as the matmul kernels (scalar twin, AVX2+F16C+FMA, AVX-512); thread-safe, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::kernels {

// `count` rows of `n` values, `stride` elements apart: one KV head's K or V rows in consecutive slots of a cache
// block.
template <typename T>
struct RowsOf {
  const T* data;
  size_t stride;
  size_t count;
  size_t n;
};

// exp(x) to within 2 ulp for x in [-87, 88]; 0 below -87 (so -inf gives 0); inputs above 88 give exp(88).
// The vector versions inside the softmax steps below evaluate the same polynomial.
float Exp(float x);

// Where DotRowsMulti writes the score of query h for row r: data[h * query_stride + r * row_stride].
struct ScoreLayout {
  float* data;
  size_t query_stride;
  size_t row_stride;
};

// Several queries (the heads of a GQA group, or all queries of a tile) against each row, every row chunk loaded
// (and converted from f16) once for up to 8 of them. Each dot product is split across the lanes of a register
// and the lanes summed as a tree, as llama.cpp's dot products do: a float running sum along the row would carry
// several times the rounding error, which the peaked softmax of unscaled scores (Gemma 4) turns into visible
// logit changes.
// out(h, r) = sum_i rows[r][i] * q[h * q_stride + i]   for h < n_q, r < count
void DotRowsMulti(RowsOf<uint16_t> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out);
void DotRowsMulti(RowsOf<float> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out);
// y[h * y_stride + i] = y[h * y_stride + i] * factor[h] + sum_r w[h * w_stride + r] * rows[r][i]   for h < n_q
void AxpyRowsMulti(RowsOf<uint16_t> rows, const float* w, size_t w_stride, size_t n_q, const float* factor,
                   float* y, size_t y_stride);
void AxpyRowsMulti(RowsOf<float> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
                   size_t y_stride);

// One cache block's step of the online softmax of n_q queries over `count` scores each (flash attention). For
// query j with scores s_i (times `scale`; -inf for a masked position) and running maximum m:
//   m' = max(m, max_i s_i), factor[j] = exp(m - m'), s_i <- exp(s_i - m'), sum[j] = sum_i s_i, m <- m'.
// factor rescales what was accumulated before this block. While every score so far is -inf, m stays -inf and
// factor and the weights are 0.
struct SoftmaxStep {
  float* s;
  size_t ld;            // see the two layouts below
  size_t count;
  size_t n_q;
  float scale;          // > 0
  float* running_max;   // [n_q]
  float* factor;        // [n_q] out
  float* sum;           // [n_q] out
};
// Scores query-major: s[j * ld + i] (decode: the lanes run along the block).
void SoftmaxRows(const SoftmaxStep& step);
// Scores position-major: s[i * ld + j] (query tiles: the lanes run across queries); n_q a multiple of 16.
void SoftmaxColumns(const SoftmaxStep& step);

// The output accumulation of a query tile (queries as columns, a multiple of 16 of them):
//   c[i * n + j] = (scale ? c[i * n + j] * scale[j] : 0) + sum_k a[i * a_row + k * a_col] * b[k * n + j]
// for i < m, j < n, k < depth: a = a block's V rows read transposed (a_row = 1), b = the softmax weights,
// scale = the softmax factors; the sum runs in order over k (the block's positions), as AxpyRowsMulti's does.
struct TileGemmArgs {
  size_t m, n, depth;
  const float* a;
  size_t a_row, a_col;
  const float* b;
  const float* scale;
  float* c;
};
void TileGemm(const TileGemmArgs& g);

// dst[r * rows.n + i] = f16(rows[r][i]): a block's K or V rows as f32, contiguous.
void RowsToF32(RowsOf<uint16_t> rows, float* dst);
// y[i] = x[i] rounded to f16 (to nearest even) and back: a query as an f16 cache's dot products see it.
void RoundToF16(const float* x, size_t n, float* y);
// gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + Exp(-gate[i])) * up[i]: the SwiGLU feed-forward's one pass.
void SwiGlu(float* gate, const float* up, size_t n);

// The scalar twins, always compiled (tests compare against them).
namespace scalar {
void DotRowsMulti(RowsOf<uint16_t> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out);
void DotRowsMulti(RowsOf<float> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out);
void AxpyRowsMulti(RowsOf<uint16_t> rows, const float* w, size_t w_stride, size_t n_q, const float* factor,
                   float* y, size_t y_stride);
void AxpyRowsMulti(RowsOf<float> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
                   size_t y_stride);
void SoftmaxRows(const SoftmaxStep& step);
void SoftmaxColumns(const SoftmaxStep& step);
void TileGemm(const TileGemmArgs& g);
void RowsToF32(RowsOf<uint16_t> rows, float* dst);
void RoundToF16(const float* x, size_t n, float* y);
void SwiGlu(float* gate, const float* up, size_t n);
}  // namespace scalar

}  // namespace ingot::kernels
