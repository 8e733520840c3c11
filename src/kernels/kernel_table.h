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

struct KernelTable {
  DotTileFn dot[kNumTypeIds] = {};        // indexed by weight type
  ConvertFn convert[kNumTypeIds] = {};    // indexed by activation type (ActivationType of a weight type)
};

// Each fills the entries it implements and leaves the others untouched (callers start from the scalar table).
void FillScalar(KernelTable& table);
void FillAvx2(KernelTable& table);
void FillAvx512(KernelTable& table);
void FillAvx512Vnni(KernelTable& table);

}  // namespace ingot::kernels
