// Scalar vector primitives (the twins the SIMD builds are tested against) and their dispatch: the AVX-512 table
// on the AVX-512 ISAs, the AVX2 one on AVX2, these otherwise.
#include "kernels/vec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/kernels.h"
#include "kernels/vec_table.h"
#include "util/fp16.h"

namespace ingot::kernels {

float Exp(float x) {
  // exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln 2 / 2, ln 2 split in two so that x - n ln 2 is
  // exact to float precision; exp(r) by its Taylor series to r^7 (truncation error < 6e-9 relative).
  if (!(x >= -87.0f)) return 0.0f;
  x = std::min(x, 88.0f);
  const float n = std::nearbyint(x * 1.44269504088896341f);
  float r = std::fma(n, -0.693359375f, x);
  r = std::fma(n, 2.12194440e-4f, r);
  float p = 1.0f / 5040;
  for (float c : {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = std::fma(p, r, c);
  const uint32_t bits = uint32_t(int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

namespace scalar {
namespace {

inline float ToF32(float x) { return x; }
inline float ToF32(uint16_t h) { return F16ToF32(h); }

// Split in 16 partial sums added as a tree, like the vector versions' lanes (see vec.h).
template <typename T>
void DotRows(RowsOf<T> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  for (size_t r = 0; r < rows.count; ++r) {
    const T* row = rows.data + r * rows.stride;
    for (size_t h = 0; h < n_q; ++h) {
      float part[16] = {};
      for (size_t i = 0; i < rows.n; ++i) part[i % 16] += ToF32(row[i]) * q[h * q_stride + i];
      for (size_t width = 8; width >= 1; width /= 2) {
        for (size_t l = 0; l < width; ++l) part[l] += part[l + width];
      }
      out.data[h * out.query_stride + r * out.row_stride] = part[0];
    }
  }
}

template <typename T>
void AxpyRows(RowsOf<T> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
              size_t y_stride) {
  for (size_t h = 0; h < n_q; ++h) {
    float* yh = y + h * y_stride;
    for (size_t i = 0; i < rows.n; ++i) {
      float acc = yh[i] * factor[h];
      for (size_t r = 0; r < rows.count; ++r) acc += w[h * w_stride + r] * ToF32(rows.data[r * rows.stride + i]);
      yh[i] = acc;
    }
  }
}

// The softmax step of one query whose scores are s[0], s[stride], ... (already scaled).
void SoftmaxOne(float* s, size_t stride, size_t count, float& running_max, float& factor, float& sum) {
  float m = running_max;
  for (size_t i = 0; i < count; ++i) m = std::max(m, s[i * stride]);
  const float shift = m == -std::numeric_limits<float>::infinity() ? 0.0f : m;
  factor = Exp(running_max - shift);
  running_max = m;
  sum = 0.0f;
  for (size_t i = 0; i < count; ++i) sum += (s[i * stride] = Exp(s[i * stride] - shift));
}

}  // namespace

void DotRowsMulti(RowsOf<uint16_t> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  DotRows(rows, q, q_stride, n_q, out);
}
void DotRowsMulti(RowsOf<float> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  DotRows(rows, q, q_stride, n_q, out);
}
void AxpyRowsMulti(RowsOf<uint16_t> rows, const float* w, size_t w_stride, size_t n_q, const float* factor,
                   float* y, size_t y_stride) {
  AxpyRows(rows, w, w_stride, n_q, factor, y, y_stride);
}
void AxpyRowsMulti(RowsOf<float> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
                   size_t y_stride) {
  AxpyRows(rows, w, w_stride, n_q, factor, y, y_stride);
}

void SoftmaxRows(const SoftmaxStep& st) {
  for (size_t j = 0; j < st.n_q; ++j) {
    float* s = st.s + j * st.ld;
    for (size_t i = 0; i < st.count; ++i) s[i] *= st.scale;
    SoftmaxOne(s, 1, st.count, st.running_max[j], st.factor[j], st.sum[j]);
  }
}

void SoftmaxColumns(const SoftmaxStep& st) {
  for (size_t j = 0; j < st.n_q; ++j) {
    for (size_t i = 0; i < st.count; ++i) st.s[i * st.ld + j] *= st.scale;
    SoftmaxOne(st.s + j, st.ld, st.count, st.running_max[j], st.factor[j], st.sum[j]);
  }
}

void TileGemm(const TileGemmArgs& g) {
  for (size_t i = 0; i < g.m; ++i) {
    for (size_t j = 0; j < g.n; ++j) {
      float acc = g.scale != nullptr ? g.c[i * g.n + j] * g.scale[j] : 0.0f;
      for (size_t k = 0; k < g.depth; ++k) acc += g.a[i * g.a_row + k * g.a_col] * g.b[k * g.n + j];
      g.c[i * g.n + j] = acc;
    }
  }
}

void RowsToF32(RowsOf<uint16_t> rows, float* dst) {
  for (size_t r = 0; r < rows.count; ++r) {
    for (size_t i = 0; i < rows.n; ++i) dst[r * rows.n + i] = F16ToF32(rows.data[r * rows.stride + i]);
  }
}

void RoundToF16(const float* x, size_t n, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = F16ToF32(F32ToF16(x[i]));
}

void SwiGlu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + Exp(-gate[i])) * up[i];
}

}  // namespace scalar

namespace {

const VecTable& ScalarTable() {
  static const VecTable table{scalar::DotRowsMulti, scalar::DotRowsMulti,   scalar::AxpyRowsMulti,
                              scalar::AxpyRowsMulti, scalar::SoftmaxRows,    scalar::SoftmaxColumns,
                              scalar::TileGemm,      scalar::RowsToF32,      scalar::RoundToF16,
                              scalar::SwiGlu};
  return table;
}

const VecTable& Active() {
#if defined(__x86_64__)
  switch (ActiveIsa()) {
    case Isa::kScalar: return ScalarTable();
    case Isa::kAvx2: return VecTableAvx2();
    default: return VecTableAvx512();
  }
#else
  return ScalarTable();
#endif
}

}  // namespace

void DotRowsMulti(RowsOf<uint16_t> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  Active().dot_rows_f16(rows, q, q_stride, n_q, out);
}
void DotRowsMulti(RowsOf<float> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  Active().dot_rows_f32(rows, q, q_stride, n_q, out);
}
void AxpyRowsMulti(RowsOf<uint16_t> rows, const float* w, size_t w_stride, size_t n_q, const float* factor,
                   float* y, size_t y_stride) {
  Active().axpy_rows_f16(rows, w, w_stride, n_q, factor, y, y_stride);
}
void AxpyRowsMulti(RowsOf<float> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
                   size_t y_stride) {
  Active().axpy_rows_f32(rows, w, w_stride, n_q, factor, y, y_stride);
}
void SoftmaxRows(const SoftmaxStep& step) { Active().softmax_rows(step); }
void SoftmaxColumns(const SoftmaxStep& step) { Active().softmax_columns(step); }
void TileGemm(const TileGemmArgs& g) { Active().tile_gemm(g); }
void RowsToF32(RowsOf<uint16_t> rows, float* dst) { Active().rows_to_f32(rows, dst); }
void RoundToF16(const float* x, size_t n, float* y) { Active().round_to_f16(x, n, y); }
void SwiGlu(float* gate, const float* up, size_t n) { Active().swiglu(gate, up, n); }

}  // namespace ingot::kernels
