// Reference (scalar) conversions between float and every tensor format: the ground truth that SIMD kernels
// are tested against. Row functions take n elements; n must be a multiple of the type's block size.
#pragma once

#include <cstddef>

#include "quant/dtype.h"

namespace ingot {

// dst[0..n) = the values encoded in src. Supported for every type with DTypeInfo::supported.
void DequantizeRow(DType type, const void* src, float* dst, size_t n);

// Whether QuantizeRow can produce this type.
bool CanQuantize(DType type);
// Encodes n floats into RowBytes(type, n) bytes at dst.
void QuantizeRow(DType type, const float* src, void* dst, size_t n);

}  // namespace ingot
