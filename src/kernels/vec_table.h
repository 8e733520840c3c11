// The table of vector primitives one ISA build of vec_body.h provides; vec.cpp dispatches through it.
#pragma once

#include "kernels/vec.h"

namespace ingot::kernels {

struct VecTable {
  void (*dot_rows_f16)(RowsOf<uint16_t>, const float*, size_t, size_t, ScoreLayout);
  void (*dot_rows_f32)(RowsOf<float>, const float*, size_t, size_t, ScoreLayout);
  void (*axpy_rows_f16)(RowsOf<uint16_t>, const float*, size_t, size_t, const float*, float*, size_t);
  void (*axpy_rows_f32)(RowsOf<float>, const float*, size_t, size_t, const float*, float*, size_t);
  void (*softmax_rows)(const SoftmaxStep&);
  void (*softmax_columns)(const SoftmaxStep&);
  void (*tile_gemm)(const TileGemmArgs&);
  void (*rows_to_f32)(RowsOf<uint16_t>, float*);
  void (*round_to_f16)(const float*, size_t, float*);
  void (*swiglu)(float*, const float*, size_t);
};

// Defined by vec_avx2.cpp and vec_avx512.cpp (x86 builds only).
const VecTable& VecTableAvx2();
const VecTable& VecTableAvx512();

}  // namespace ingot::kernels
