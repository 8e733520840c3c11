// The per-ISA function table behind kernels.h. Internal to ingot_kernels: each ISA's translation unit
// (compiled with its own -m flags) fills the entries it implements; kernels.cpp builds the tables once and
// dispatches through the active one.
//
// SIMD translation units must not call inline functions from shared headers (util/fp16.h, quant/blocks.h
// helpers, ...): the linker keeps one copy of each inline function, and the copy compiled with AVX-512 flags
// could end up in the scalar path. They include only layouts (structs, constants) and intrinsics.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::kernels {

// Most activation rows one DotTileFn call handles: each weight row's blocks are unpacked once per call and
// reused for every activation row, which is where prefill gets its speed over a plain dot product. Measured
// on AVX-512 (32 vector registers): K-quant GEMM +15-20% going from 4 to 8; AVX2 gains too despite spills.
inline constexpr size_t kMaxActs = 8;

// y[j * y_stride + i] = dot(weight row i, activation row j) for i < n_rows and j < n_act (1 <= n_act <=
// kMaxActs). Weight row i starts at w + i * w_stride; activation row j at act + j * act_stride, in
// ActivationType(weight) format. k is a multiple of the block size. Kernels may take weight rows in pairs.
using DotTileFn = void (*)(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* act,
                           size_t act_stride, size_t n_act, float* y, size_t y_stride);

// Converts k floats (a multiple of the block size) to one activation row of a given type at dst (any address).
// Every ISA must produce the same bytes as the scalar version.
using ConvertFn = void (*)(const float* x, uint8_t* dst, size_t k);

inline constexpr size_t kNumTypeIds = 31;  // DType ids are below this

// Runs `iters` rounds of the build's int8 peak loop (peak_loop.h), writes a result to *sink so that the work
// is not optimised away, and returns the int8 operations done (a multiply-add counts as 2).
using PeakFn = uint64_t (*)(uint64_t iters, int32_t* sink);
// Sum of the 64-bit words of [p, p + bytes), bytes a multiple of 256 and p 64-byte aligned (peak_loop.h).
using ReadPassFn = uint64_t (*)(const uint8_t* p, size_t bytes);

// The packed GEMM path (vnni_gemm.h): activations packed in groups of kPackLanes tokens, y as in Gemm for
// weight rows [0, n_rows) from w and m tokens.
inline constexpr size_t kPackLanes = 16;
using PackedGemmFn = void (*)(size_t k, const uint8_t* w, size_t w_stride, size_t n_rows, const uint8_t* packed,
                              size_t m, float* y, size_t y_stride);
// Packs token groups [g0, g1) of m converted activation rows (act_stride apart) at packed + g * GroupBytes.
using PackGroupsFn = void (*)(size_t k, const uint8_t* act, size_t act_stride, size_t m, uint8_t* packed, size_t g0,
                              size_t g1);
using GroupBytesFn = size_t (*)(size_t k);
// Packs token groups [g0, g1) of m float activation rows (x_stride floats apart): for packed paths that take
// the floats themselves (AMX, in bf16) rather than rows converted to ActivationType.
using PackFloatsFn = void (*)(size_t k, const float* x, size_t x_stride, size_t m, uint8_t* packed, size_t g0,
                              size_t g1);

struct KernelTable {
  DotTileFn dot[kNumTypeIds] = {};        // indexed by weight type
  ConvertFn convert[kNumTypeIds] = {};    // indexed by activation type (ActivationType of a weight type)
  PeakFn int8_peak = nullptr;
  PeakFn matrix_peak = nullptr;  // the tile unit's peak loop (AMX bf16), where the ISA has one
  ReadPassFn read_pass = nullptr;
  PackedGemmFn packed_gemm[kNumTypeIds] = {};  // indexed by weight type; null: no packed path
  PackGroupsFn pack_groups[kNumTypeIds] = {};
  PackFloatsFn pack_floats[kNumTypeIds] = {};  // set instead of pack_groups by paths packing floats
  GroupBytesFn group_bytes[kNumTypeIds] = {};
  size_t packed_min_acts[kNumTypeIds] = {};    // fewest tokens for which the packed path pays
};

// The table of ActiveIsa() (defined in kernels.cpp).
const KernelTable& ActiveTable();

// Each fills the entries it implements and leaves the others untouched (callers start from the scalar table).
void FillScalar(KernelTable& table);
void FillAvx2(KernelTable& table);
void FillAvx512(KernelTable& table);
void FillAvx512Vnni(KernelTable& table);
void FillAmx(KernelTable& table);

}  // namespace ingot::kernels
