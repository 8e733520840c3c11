// The vector primitives of vec.h written once over a vector type V (8 floats: AVX2, 16: AVX-512), included by
// vec_avx2.cpp and vec_avx512.cpp, each compiled with its own flags. Everything has internal linkage.
//
// V provides: F (the register type), kLanes, kRegisters (architectural registers), kTileRows x kTileVectors (the
// TileGemm accumulator block), Zero, Set1, Load(float*), Load(uint16_t*) (f16 -> f32), Store, Add, Sub, Mul,
// Div, Fma(a, b, c) = a * b + c, Max, Min, Round (to nearest even), RoundToF16 (to f16 and back), Pow2 (2^n for
// integral n in [-126, 127]), ZeroBelow(v, x, limit) (v where x >= limit, else 0), ZeroWhereNegInf, ReduceAdd,
// ReduceMax, ReduceAdd4(a, b, c, d, out) (the sums of a, b, c, d into out[0..3]) and ReduceAddGroup (the sums of
// kReduceGroup registers into out[0 .. kReduceGroup)).
#pragma once

#include <algorithm>
#include <limits>

#include "kernels/intrinsics.h"
#include "kernels/vec_table.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline float ToF32(float x) { return x; }
inline float ToF32(uint16_t h) { return _cvtsh_ss(h); }

// The same evaluation as kernels::Exp, a register at a time.
template <class V>
typename V::F VecExp(typename V::F x) {
  using F = typename V::F;
  const F xc = V::Min(V::Max(x, V::Set1(-88.0f)), V::Set1(88.0f));
  const F n = V::Round(V::Mul(xc, V::Set1(1.44269504088896341f)));
  F r = V::Fma(n, V::Set1(-0.693359375f), xc);
  r = V::Fma(n, V::Set1(2.12194440e-4f), r);
  F p = V::Set1(1.0f / 5040);
  p = V::Fma(p, r, V::Set1(1.0f / 720));
  p = V::Fma(p, r, V::Set1(1.0f / 120));
  p = V::Fma(p, r, V::Set1(1.0f / 24));
  p = V::Fma(p, r, V::Set1(1.0f / 6));
  p = V::Fma(p, r, V::Set1(0.5f));
  p = V::Fma(p, r, V::Set1(1.0f));
  p = V::Fma(p, r, V::Set1(1.0f));
  return V::ZeroBelow(V::Mul(p, V::Pow2(n)), x, -87.0f);
}

// Dot products of R rows with H queries into sums[r * H + h]: per step each row chunk and each query chunk is
// loaded once for the R x H accumulators, which are then summed four at a time.
template <class V, int R, int H, typename T>
__attribute__((always_inline)) inline void DotTile(const T* rows, size_t stride, const float* q, size_t q_stride,
                                                   size_t n, float* sums) {
  using F = typename V::F;
  constexpr size_t L = V::kLanes;
  constexpr int kPadded = (R * H + 3) / 4 * 4;
  F acc[kPadded];
  for (int u = 0; u < kPadded; ++u) acc[u] = V::Zero();
  size_t i = 0;
  for (; i + L <= n; i += L) {
    F x[R];
    for (int r = 0; r < R; ++r) x[r] = V::Load(rows + size_t(r) * stride + i);
    for (int h = 0; h < H; ++h) {
      const F qv = V::Load(q + size_t(h) * q_stride + i);
      for (int r = 0; r < R; ++r) acc[r * H + h] = V::Fma(x[r], qv, acc[r * H + h]);
    }
  }
  int u = 0;
  for (; u + V::kReduceGroup <= R * H; u += V::kReduceGroup) V::ReduceAddGroup(acc + u, sums + u);
  for (; u < kPadded; u += 4) {
    if (u + 4 <= R * H) {
      V::ReduceAdd4(acc[u], acc[u + 1], acc[u + 2], acc[u + 3], sums + u);
    } else {
      float four[4];
      V::ReduceAdd4(acc[u], acc[u + 1], acc[u + 2], acc[u + 3], four);
      std::copy_n(four, R * H - u, sums + u);
    }
  }
  for (; i < n; ++i) {
    for (int r = 0; r < R; ++r) {
      const float x = ToF32(rows[size_t(r) * stride + i]);
      for (int h = 0; h < H; ++h) sums[r * H + h] += x * q[size_t(h) * q_stride + i];
    }
  }
}

// All rows against H queries, R rows at a time: R x H accumulators within half the ISA's registers.
template <class V, int H, typename T>
void DotRowsH(RowsOf<T> rows, const float* q, size_t q_stride, ScoreLayout out) {
  constexpr int R = std::max(1, std::min(4, V::kRegisters / 2 / H));
  float sums[R * H];
  size_t r = 0;
  for (; r + R <= rows.count; r += R) {
    DotTile<V, R, H>(rows.data + r * rows.stride, rows.stride, q, q_stride, rows.n, sums);
    for (int a = 0; a < R; ++a) {
      float* o = out.data + (r + size_t(a)) * out.row_stride;
      if (out.query_stride == 1) {
        std::copy_n(sums + a * H, H, o);  // position-major (tiles): one row's queries are contiguous
      } else {
        for (int h = 0; h < H; ++h) o[size_t(h) * out.query_stride] = sums[a * H + h];
      }
    }
  }
  for (; r < rows.count; ++r) {
    DotTile<V, 1, H>(rows.data + r * rows.stride, rows.stride, q, q_stride, rows.n, sums);
    for (int h = 0; h < H; ++h) out.data[size_t(h) * out.query_stride + r * out.row_stride] = sums[h];
  }
}

// Splits the queries into runs of 8, 4, 2 and 1.
template <class V, typename T>
void DotRowsMulti(RowsOf<T> rows, const float* q, size_t q_stride, size_t n_q, ScoreLayout out) {
  for (size_t h = 0; h < n_q;) {
    const size_t left = n_q - h;
    const float* qh = q + h * q_stride;
    const ScoreLayout oh{out.data + h * out.query_stride, out.query_stride, out.row_stride};
    if (left >= 8) {
      DotRowsH<V, 8>(rows, qh, q_stride, oh);
      h += 8;
    } else if (left >= 4) {
      DotRowsH<V, 4>(rows, qh, q_stride, oh);
      h += 4;
    } else if (left >= 2) {
      DotRowsH<V, 2>(rows, qh, q_stride, oh);
      h += 2;
    } else {
      DotRowsH<V, 1>(rows, qh, q_stride, oh);
      h += 1;
    }
  }
}

// y[h][i .. i + C * lanes) of H queries, accumulated in registers over every row.
template <class V, int H, int C, typename T>
void AxpyTile(RowsOf<T> rows, size_t i, const float* w, size_t w_stride, const float* factor, float* y,
              size_t y_stride) {
  using F = typename V::F;
  constexpr size_t L = V::kLanes;
  F acc[H][C];
  for (int h = 0; h < H; ++h) {
    const F f = V::Set1(factor[h]);
    for (int c = 0; c < C; ++c) acc[h][c] = V::Mul(V::Load(y + size_t(h) * y_stride + i + size_t(c) * L), f);
  }
  for (size_t r = 0; r < rows.count; ++r) {
    F x[C];
    for (int c = 0; c < C; ++c) x[c] = V::Load(rows.data + r * rows.stride + i + size_t(c) * L);
    for (int h = 0; h < H; ++h) {
      const F wv = V::Set1(w[size_t(h) * w_stride + r]);
      for (int c = 0; c < C; ++c) acc[h][c] = V::Fma(wv, x[c], acc[h][c]);
    }
  }
  for (int h = 0; h < H; ++h) {
    for (int c = 0; c < C; ++c) V::Store(y + size_t(h) * y_stride + i + size_t(c) * L, acc[h][c]);
  }
}

// Registers: H * C accumulators + C row chunks within the 16 (AVX2) or 32 (AVX-512) the ISA has.
template <class V, int H, typename T>
void AxpyRowsH(RowsOf<T> rows, const float* w, size_t w_stride, const float* factor, float* y, size_t y_stride) {
  constexpr size_t L = V::kLanes;
  constexpr int C = V::kRegisters / 2 / H >= 4 ? 4 : (V::kRegisters / 2 / H >= 2 ? 2 : 1);
  size_t i = 0;
  for (; i + C * L <= rows.n; i += C * L) AxpyTile<V, H, C>(rows, i, w, w_stride, factor, y, y_stride);
  for (; i + L <= rows.n; i += L) AxpyTile<V, H, 1>(rows, i, w, w_stride, factor, y, y_stride);
  for (; i < rows.n; ++i) {
    for (int h = 0; h < H; ++h) {
      float acc = y[size_t(h) * y_stride + i] * factor[h];
      for (size_t r = 0; r < rows.count; ++r) {
        acc += w[size_t(h) * w_stride + r] * ToF32(rows.data[r * rows.stride + i]);
      }
      y[size_t(h) * y_stride + i] = acc;
    }
  }
}

template <class V, typename T>
void AxpyRowsMulti(RowsOf<T> rows, const float* w, size_t w_stride, size_t n_q, const float* factor, float* y,
                   size_t y_stride) {
  for (size_t h = 0; h < n_q;) {
    const size_t left = n_q - h;
    const float* wh = w + h * w_stride;
    float* yh = y + h * y_stride;
    if (left >= 8) {
      AxpyRowsH<V, 8>(rows, wh, w_stride, factor + h, yh, y_stride);
      h += 8;
    } else if (left >= 4) {
      AxpyRowsH<V, 4>(rows, wh, w_stride, factor + h, yh, y_stride);
      h += 4;
    } else if (left >= 2) {
      AxpyRowsH<V, 2>(rows, wh, w_stride, factor + h, yh, y_stride);
      h += 2;
    } else {
      AxpyRowsH<V, 1>(rows, wh, w_stride, factor + h, yh, y_stride);
      h += 1;
    }
  }
}

template <class V>
void SoftmaxRows(const SoftmaxStep& st) {
  using F = typename V::F;
  constexpr size_t L = V::kLanes;
  const F scale = V::Set1(st.scale);
  const size_t full = st.count / L * L;
  for (size_t j = 0; j < st.n_q; ++j) {
    float* s = st.s + j * st.ld;
    // The last partial register goes through `tail`, padded with -inf (weight 0).
    float tail[L];
    std::fill_n(tail, L, kNegInf);
    for (size_t i = full; i < st.count; ++i) tail[i - full] = s[i] * st.scale;
    F mv = V::Load(tail);
    for (size_t i = 0; i < full; i += L) {
      const F x = V::Mul(V::Load(s + i), scale);
      V::Store(s + i, x);
      mv = V::Max(mv, x);
    }
    const float m = std::max(st.running_max[j], V::ReduceMax(mv));
    const float shift = m == kNegInf ? 0.0f : m;
    st.factor[j] = Exp(st.running_max[j] - shift);
    st.running_max[j] = m;
    const F sh = V::Set1(shift);
    F sum = VecExp<V>(V::Sub(V::Load(tail), sh));
    V::Store(tail, sum);
    std::copy(tail, tail + (st.count - full), s + full);
    for (size_t i = 0; i < full; i += L) {
      const F e = VecExp<V>(V::Sub(V::Load(s + i), sh));
      V::Store(s + i, e);
      sum = V::Add(sum, e);
    }
    st.sum[j] = V::ReduceAdd(sum);
  }
}

template <class V>
void SoftmaxColumns(const SoftmaxStep& st) {
  using F = typename V::F;
  constexpr size_t L = V::kLanes;
  const F scale = V::Set1(st.scale);
  for (size_t j = 0; j < st.n_q; j += L) {
    const F m0 = V::Load(st.running_max + j);
    F m = m0;
    for (size_t i = 0; i < st.count; ++i) {
      const F x = V::Mul(V::Load(st.s + i * st.ld + j), scale);
      V::Store(st.s + i * st.ld + j, x);
      m = V::Max(m, x);
    }
    const F shift = V::ZeroWhereNegInf(m);
    V::Store(st.factor + j, VecExp<V>(V::Sub(m0, shift)));
    V::Store(st.running_max + j, m);
    F sum = V::Zero();
    for (size_t i = 0; i < st.count; ++i) {
      const F e = VecExp<V>(V::Sub(V::Load(st.s + i * st.ld + j), shift));
      V::Store(st.s + i * st.ld + j, e);
      sum = V::Add(sum, e);
    }
    V::Store(st.sum + j, sum);
  }
}

// c[i0 .. i0 + MR) x [j0 .. j0 + NV * lanes): MR * NV accumulators, each b register loaded once per k for MR rows,
// each a element broadcast once per k for NV registers.
template <class V, int MR, int NV>
void TileGemmBlock(const TileGemmArgs& g, size_t i0, size_t j0) {
  using F = typename V::F;
  constexpr size_t L = V::kLanes;
  F acc[MR][NV];
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) {
      float* c = g.c + (i0 + size_t(r)) * g.n + j0 + size_t(v) * L;
      acc[r][v] = g.scale != nullptr ? V::Mul(V::Load(c), V::Load(g.scale + j0 + size_t(v) * L)) : V::Zero();
    }
  }
  const float* a = g.a + i0 * g.a_row;
  for (size_t k = 0; k < g.depth; ++k) {
    F b[NV];
    for (int v = 0; v < NV; ++v) b[v] = V::Load(g.b + k * g.n + j0 + size_t(v) * L);
    for (int r = 0; r < MR; ++r) {
      const F av = V::Set1(a[size_t(r) * g.a_row + k * g.a_col]);
      for (int v = 0; v < NV; ++v) acc[r][v] = V::Fma(av, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) V::Store(g.c + (i0 + size_t(r)) * g.n + j0 + size_t(v) * L, acc[r][v]);
  }
}

template <class V, int NV>
void TileGemmColumns(const TileGemmArgs& g, size_t j0) {
  size_t i = 0;
  for (; i + V::kTileRows <= g.m; i += V::kTileRows) TileGemmBlock<V, V::kTileRows, NV>(g, i, j0);
  for (; i < g.m; ++i) TileGemmBlock<V, 1, NV>(g, i, j0);
}

template <class V>
void TileGemm(const TileGemmArgs& g) {
  constexpr size_t L = V::kLanes;
  constexpr int NV = V::kTileVectors;
  size_t j = 0;
  for (; j + NV * L <= g.n; j += NV * L) TileGemmColumns<V, NV>(g, j);
  for (; j < g.n; j += L) TileGemmColumns<V, 1>(g, j);
}

template <class V>
void RowsToF32(RowsOf<uint16_t> rows, float* dst) {
  constexpr size_t L = V::kLanes;
  for (size_t r = 0; r < rows.count; ++r) {
    const uint16_t* src = rows.data + r * rows.stride;
    float* d = dst + r * rows.n;
    size_t i = 0;
    for (; i + L <= rows.n; i += L) V::Store(d + i, V::Load(src + i));
    for (; i < rows.n; ++i) d[i] = ToF32(src[i]);
  }
}

template <class V>
void RoundToF16(const float* x, size_t n, float* y) {
  constexpr size_t L = V::kLanes;
  size_t i = 0;
  for (; i + L <= n; i += L) V::Store(y + i, V::RoundToF16(V::Load(x + i)));
  for (; i < n; ++i) y[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

template <class V>
void SwiGlu(float* gate, const float* up, size_t n) {
  constexpr size_t L = V::kLanes;
  size_t i = 0;
  for (; i + L <= n; i += L) {
    const auto g = V::Load(gate + i);
    const auto e = VecExp<V>(V::Sub(V::Zero(), g));
    V::Store(gate + i, V::Mul(V::Div(g, V::Add(V::Set1(1.0f), e)), V::Load(up + i)));
  }
  for (; i < n; ++i) gate[i] = gate[i] / (1.0f + Exp(-gate[i])) * up[i];
}

template <class V>
const VecTable& MakeVecTable() {
  static const VecTable table{DotRowsMulti<V, uint16_t>, DotRowsMulti<V, float>,  AxpyRowsMulti<V, uint16_t>,
                              AxpyRowsMulti<V, float>,   SoftmaxRows<V>,          SoftmaxColumns<V>,
                              TileGemm<V>,               RowsToF32<V>,            RoundToF16<V>,
                              SwiGlu<V>};
  return table;
}

}  // namespace
}  // namespace ingot::kernels
