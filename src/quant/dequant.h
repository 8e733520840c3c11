// Per-format reference codecs behind DequantizeRow / QuantizeRow (quant.h). Internal to ingot_quant and
// its tests. Every function takes n elements, n a multiple of the format's block size; rows may start at any
// byte address.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::quant {

void DequantQ4_0(const uint8_t* src, float* dst, size_t n);
void DequantQ4_1(const uint8_t* src, float* dst, size_t n);
void DequantQ5_0(const uint8_t* src, float* dst, size_t n);
void DequantQ5_1(const uint8_t* src, float* dst, size_t n);
void DequantQ8_0(const uint8_t* src, float* dst, size_t n);
void DequantQ8_1(const uint8_t* src, float* dst, size_t n);
void DequantQ2_K(const uint8_t* src, float* dst, size_t n);
void DequantQ3_K(const uint8_t* src, float* dst, size_t n);
void DequantQ4_K(const uint8_t* src, float* dst, size_t n);
void DequantQ5_K(const uint8_t* src, float* dst, size_t n);
void DequantQ6_K(const uint8_t* src, float* dst, size_t n);
void DequantQ8_K(const uint8_t* src, float* dst, size_t n);
void DequantIQ4_NL(const uint8_t* src, float* dst, size_t n);
void DequantIQ4_XS(const uint8_t* src, float* dst, size_t n);

void QuantQ4_0(const float* src, uint8_t* dst, size_t n);
void QuantQ4_1(const float* src, uint8_t* dst, size_t n);
void QuantQ5_0(const float* src, uint8_t* dst, size_t n);
void QuantQ5_1(const float* src, uint8_t* dst, size_t n);
void QuantQ8_0(const float* src, uint8_t* dst, size_t n);
void QuantQ8_1(const float* src, uint8_t* dst, size_t n);
void QuantQ8_K(const float* src, uint8_t* dst, size_t n);
void QuantQ2_K(const float* src, uint8_t* dst, size_t n);
void QuantQ3_K(const float* src, uint8_t* dst, size_t n);
void QuantQ4_K(const float* src, uint8_t* dst, size_t n);
void QuantQ5_K(const float* src, uint8_t* dst, size_t n);
void QuantQ6_K(const float* src, uint8_t* dst, size_t n);
void QuantIQ4_NL(const float* src, uint8_t* dst, size_t n);
void QuantIQ4_XS(const float* src, uint8_t* dst, size_t n);

}  // namespace ingot::quant
