// AMX prefill GEMM (Intel Sapphire Rapids and later; compiled with -mamx-tile -mamx-bf16 -mavx512bf16): the
// tile unit multiplies a 16x32 by a 32x16 bf16 matrix into 16x16 floats in one instruction (tdpbf16ps). Weight
// rows are decoded to bf16 a panel at a time (the five packed formats with vector decoders, the other quantized
// types and BF16 through DequantizeRow) and activations are packed once per matmul from floats: bf16 keeps 8 bits of
// mantissa, as the int8 activation blocks it replaces do, without their per-block scale. Each output is one
// float sum over k in a fixed order, so results do not depend on how rows are split across threads or
// tokens into groups.
#include <algorithm>
#include <vector>

#include "kernels/weight_formats.h"
#include "quant/quant.h"

namespace ingot::kernels {
namespace {  // NOLINT: internal linkage on purpose, one copy per build
namespace amx {

constexpr size_t kTile = 16;         // weight rows of a weight tile, tokens of an activation tile
constexpr size_t kStep = 32;         // k elements per tile product (a tile row is 64 bytes of bf16)
constexpr size_t kTileBytes = 1024;  // 16 rows of 64 bytes
// Decoded weight rows per pass over the activations: about 1 MiB stays in the 2 MiB L2 beside the
// activation tiles in use (256 rows of a 2048-wide matrix).
constexpr size_t kPanelBytes = 1024 * 1024;

// Tiles 0-3: float results [weight strip][token group]; 4-5: weight tiles; 6-7: activation tiles. All 16x64B.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

void ConfigureTiles() {
  TileConfig c;
  for (int t = 0; t < 8; ++t) {
    c.colsb[t] = 64;
    c.rows[t] = kTile;
  }
  _tile_loadconfig(&c);
}

// Transposes the 16x16 matrix of 32-bit elements r[0..15] (rows) in place.
void Transpose16(__m512i r[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + c], 128-bit lane L: rows 4i..4i+3 of column 4L + c.
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  // Column 4L + c is lane L of u[c], u[4 + c], u[8 + c], u[12 + c]: a 4x4 transpose of 128-bit lanes.
  for (int c = 0; c < 4; ++c) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
    const __m512i v2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_shuffle_i32x4(v0, v2, 0x88);
    r[4 + c] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
    r[8 + c] = _mm512_shuffle_i32x4(v1, v3, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
  }
}

// 32 floats as 32 bf16 in element order (round to nearest even).
__m512i Bf16(__m512 lo, __m512 hi) { return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)); }

// Packed activations: per group of 16 tokens, k / 32 tiles; row p of tile s holds, for each token, elements
// 32s + 2p and 32s + 2p + 1 (the pair layout tdpbf16ps reads its second operand in).
size_t GroupBytes(size_t k) { return k / kStep * kTileBytes; }

void PackFloats(size_t k, const float* x, size_t x_stride, size_t m, uint8_t* packed, size_t g0, size_t g1) {
  for (size_t g = g0; g < g1; ++g) {
    uint8_t* out = packed + g * GroupBytes(k);
    const size_t n = std::min(kTile, m - g * kTile);
    for (size_t s = 0; s < k / kStep; ++s) {
      __m512i r[kTile];
      for (size_t t = 0; t < kTile; ++t) {
        const float* p = x + (g * kTile + t) * x_stride + s * kStep;
        r[t] = t < n ? Bf16(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16)) : _mm512_setzero_si512();
      }
      Transpose16(r);
      for (size_t p = 0; p < kTile; ++p) _mm512_storeu_si512(out + s * kTileBytes + p * 64, r[p]);
    }
  }
}

// Row decoders: k weights of one row as bf16, element chunk c (32 of them) at out + c * kTileBytes.
template <typename F>
struct FormatRows {
  static void Decode(size_t k, const uint8_t* row, uint8_t* out, float*) {
    alignas(64) int8_t codes[F::kBlock];
    float scale[F::kBlock / F::kG], min[F::kBlock / F::kG] = {};
    for (size_t b = 0; b < k / F::kBlock; ++b) {
      F::Decode(row + b * F::kBlockBytes, codes, scale, min);
      for (size_t c = 0; c < F::kBlock / kStep; ++c) {
        __m512 v[2];
        for (size_t h = 0; h < 2; ++h) {
          const size_t e = c * kStep + 16 * h, s = e / F::kG;
          const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(Load128(reinterpret_cast<uint8_t*>(codes) + e)));
          v[h] = _mm512_fmsub_ps(q, _mm512_set1_ps(scale[s]), _mm512_set1_ps(min[s]));
        }
        _mm512_store_si512(out + (b * (F::kBlock / kStep) + c) * kTileBytes, Bf16(v[0], v[1]));
      }
    }
  }
};
template <DType kType>
struct DequantizedRows {
  static void Decode(size_t k, const uint8_t* row, uint8_t* out, float* tmp) {
    DequantizeRow(kType, row, tmp, k);
    for (size_t c = 0; c < k / kStep; ++c) {
      const float* p = tmp + c * kStep;
      _mm512_store_si512(out + c * kTileBytes, Bf16(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16)));
    }
  }
};

// Products of NS weight strips (tiles 4, 5) by NG token groups (tiles 6, 7) over `steps` tiles of k into
// c: tile (i, j) at c + (2i + j) * 256 floats, [weight row][token].
template <int NS, int NG>
void Block(size_t steps, const uint8_t* a, size_t a_stride, const uint8_t* b, size_t b_stride, float* c) {
  _tile_zero(0);
  if constexpr (NG > 1) _tile_zero(1);
  if constexpr (NS > 1) _tile_zero(2);
  if constexpr (NS > 1 && NG > 1) _tile_zero(3);
  for (size_t s = 0; s < steps; ++s) {
    _tile_loadd(4, a + s * kTileBytes, 64);
    if constexpr (NS > 1) _tile_loadd(5, a + a_stride + s * kTileBytes, 64);
    _tile_loadd(6, b + s * kTileBytes, 64);
    if constexpr (NG > 1) _tile_loadd(7, b + b_stride + s * kTileBytes, 64);
    _tile_dpbf16ps(0, 4, 6);
    if constexpr (NG > 1) _tile_dpbf16ps(1, 4, 7);
    if constexpr (NS > 1) _tile_dpbf16ps(2, 5, 6);
    if constexpr (NS > 1 && NG > 1) _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, c, 64);
  if constexpr (NG > 1) _tile_stored(1, c + 256, 64);
  if constexpr (NS > 1) _tile_stored(2, c + 512, 64);
  if constexpr (NS > 1 && NG > 1) _tile_stored(3, c + 768, 64);
}

// Writes one result tile ([16 weight rows][16 tokens]) to y[t * ys + r] for the first n_rows rows and n_tok
// tokens.
void StoreTile(const float* c, size_t n_rows, size_t n_tok, float* y, size_t ys) {
  __m512i r[kTile];
  for (size_t i = 0; i < kTile; ++i) r[i] = _mm512_load_si512(c + i * kTile);
  Transpose16(r);
  const __mmask16 rows = static_cast<__mmask16>((1u << n_rows) - 1);
  for (size_t t = 0; t < n_tok; ++t) _mm512_mask_storeu_ps(y + t * ys, rows, _mm512_castsi512_ps(r[t]));
}

template <typename Rows>
void Gemm(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* packed, size_t m, float* y,
          size_t ys) {
  const size_t steps = k / kStep, strip_bytes = steps * kTileBytes;
  const size_t panel_strips = std::max<size_t>(2, kPanelBytes / strip_bytes / 2 * 2);
  const size_t groups = (m + kTile - 1) / kTile;
  thread_local std::vector<uint8_t> buffer;
  const size_t need = panel_strips * strip_bytes + 4 * kTileBytes + k * sizeof(float) + 64;
  if (buffer.size() < need) buffer.resize(need);
  uint8_t* panel = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
  auto* c = reinterpret_cast<float*>(panel + panel_strips * strip_bytes);
  float* tmp = c + 4 * kTileBytes / sizeof(float);
  ConfigureTiles();
  for (size_t p0 = 0; p0 < n_rows; p0 += panel_strips * kTile) {
    const size_t rows = std::min(panel_strips * kTile, n_rows - p0);
    const size_t strips = (rows + kTile - 1) / kTile;
    for (size_t r = 0; r < strips * kTile; ++r) {
      uint8_t* out = panel + (r / kTile) * strip_bytes + (r % kTile) * 64;
      if (r < rows) {
        Rows::Decode(k, w + (p0 + r) * w_stride, out, tmp);
      } else {
        for (size_t s = 0; s < steps; ++s) _mm512_store_si512(out + s * kTileBytes, _mm512_setzero_si512());
      }
    }
    for (size_t g = 0; g < groups; g += 2) {
      const size_t ng = std::min<size_t>(2, groups - g);
      const uint8_t* b = packed + g * strip_bytes;
      for (size_t s = 0; s < strips; s += 2) {
        const size_t ns = std::min<size_t>(2, strips - s);
        const uint8_t* a = panel + s * strip_bytes;
        if (ns == 2 && ng == 2) {
          Block<2, 2>(steps, a, strip_bytes, b, strip_bytes, c);
        } else if (ns == 2) {
          Block<2, 1>(steps, a, strip_bytes, b, strip_bytes, c);
        } else if (ng == 2) {
          Block<1, 2>(steps, a, strip_bytes, b, strip_bytes, c);
        } else {
          Block<1, 1>(steps, a, strip_bytes, b, strip_bytes, c);
        }
        for (size_t i = 0; i < ns; ++i) {
          const size_t row0 = p0 + (s + i) * kTile, nr = std::min(kTile, n_rows - row0);
          for (size_t j = 0; j < ng; ++j) {
            const size_t tok0 = (g + j) * kTile;
            StoreTile(c + (2 * i + j) * 256, nr, std::min(kTile, m - tok0), y + tok0 * ys + row0, ys);
          }
        }
      }
    }
  }
  _tile_release();
}

// tdpbf16ps on tiles already loaded, 4 independent results: bf16 multiply-adds per second x 2 is the
// AMX peak `ingot bench` compares prefill with.
uint64_t PeakLoop(uint64_t iters, int32_t* sink) {
  ConfigureTiles();
  alignas(64) static const uint8_t zeros[kTileBytes] = {};
  _tile_loadd(4, zeros, 64);
  _tile_loadd(5, zeros, 64);
  _tile_loadd(6, zeros, 64);
  _tile_loadd(7, zeros, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (uint64_t i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float out[256];
  _tile_stored(0, out, 64);
  _tile_release();
  *sink = int32_t(out[0]);
  return iters * 4 * kTile * kTile * kStep * 2;
}

template <typename Rows>
void Set(KernelTable& t, DType type) {
  const auto id = static_cast<size_t>(type);
  t.packed_gemm[id] = Gemm<Rows>;
  t.pack_floats[id] = PackFloats;
  t.pack_groups[id] = nullptr;
  t.group_bytes[id] = GroupBytes;
  t.packed_min_acts[id] = 16;
}

}  // namespace amx
}  // namespace

void FillAmx(KernelTable& t) {
  using namespace amx;  // NOLINT: the table below names many of its templates
  Set<FormatRows<vnni::Q8_0Format>>(t, DType::kQ8_0);
  Set<FormatRows<vnni::Q4_0Format>>(t, DType::kQ4_0);
  Set<FormatRows<vnni::Q45KFormat<false>>>(t, DType::kQ4_K);
  Set<FormatRows<vnni::Q45KFormat<true>>>(t, DType::kQ5_K);
  Set<FormatRows<vnni::Q6KFormat>>(t, DType::kQ6_K);
  // F32 and F16 weights keep their float dot products: bf16 would drop mantissa bits they carry (16 and 11)
  // and their models are expected to match the reference closely. BF16 weights are exact in bf16, and their
  // activations are rounded to bf16 on every path.
  Set<DequantizedRows<DType::kBF16>>(t, DType::kBF16);
  Set<DequantizedRows<DType::kQ4_1>>(t, DType::kQ4_1);
  Set<DequantizedRows<DType::kQ5_0>>(t, DType::kQ5_0);
  Set<DequantizedRows<DType::kQ5_1>>(t, DType::kQ5_1);
  Set<DequantizedRows<DType::kQ2_K>>(t, DType::kQ2_K);
  Set<DequantizedRows<DType::kQ3_K>>(t, DType::kQ3_K);
  Set<DequantizedRows<DType::kIQ4_NL>>(t, DType::kIQ4_NL);
  Set<DequantizedRows<DType::kIQ4_XS>>(t, DType::kIQ4_XS);
  t.matrix_peak = PeakLoop;
}

}  // namespace ingot::kernels
