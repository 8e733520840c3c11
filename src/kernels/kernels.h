// Matrix-vector and matrix-matrix products over quantized weights, with one runtime dispatch point.
// Convention (stated once): weights are row-major W[n_rows, k] in GGUF storage (a row is k contiguous
// elements of the weight's DType); y = W·x. Activations are first converted to ActivationType(weight type)
// (e.g. Q8_0 for Q4_0/Q8_0 weights, Q8_K for K-quants, F16 for F16 weights), as llama.cpp does, so results
// agree with it within rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quant/dtype.h"

namespace ingot::kernels {

enum class Isa { kScalar, kAvx2, kAvx512, kAvx512Vnni, kAmx };  // kAmx: AVX-512 VNNI + AMX-BF16 tiles
std::string_view IsaName(Isa isa);
Isa BestIsa();                 // the best the CPU supports among the compiled variants
Isa ActiveIsa();               // initially BestIsa(), or the supported ISA named by $INGOT_ISA (e.g. "scalar")
void SetActiveIsa(Isa isa);    // tests sweep every compiled ISA; must be supported by the CPU
bool IsaSupported(Isa isa);

// Whether Gemm and DotRow accept weights of this type (every ISA has at least the scalar kernel for it).
bool GemmSupported(DType weight);

// The type activations are converted to before a dot product with weights of `weight`.
DType ActivationType(DType weight);
// Bytes needed to hold k activations converted for weights of `weight`.
size_t ActivationRowBytes(DType weight, size_t k);
// Converts one activation row of k floats to ActivationType(weight) at dst (any address). Q8_0/Q8_1 blocks
// are made as llama.cpp's x86 build makes them (scale amax/127, round half to even), Q8_K as its reference
// does; every ISA writes the same bytes. k must be a multiple of the activation type's block size.
void QuantizeActivationRow(DType weight, const float* x, void* dst, size_t k);

struct GemmArgs {
  DType weight_type;
  size_t k;                  // inner dimension (elements per row)
  const uint8_t* w;          // row 0 of W
  size_t w_row_bytes;        // stride between weight rows
  size_t row_begin, row_end; // rows of W to compute
  const uint8_t* act;        // m activation rows, already converted with QuantizeActivationRow
  size_t act_row_bytes;      // stride between activation rows
  size_t m;                  // number of activation rows (tokens)
  float* y;                  // output: y[t * y_stride + r] for token t and weight row r
  size_t y_stride;
  const uint8_t* packed = nullptr;  // optional: the m activation rows as PackActivations wrote them
};

// y[t, r] = dot(W[r, :], act[t, :]) for r in [row_begin, row_end), t in [0, m). Thread-safe; no allocation.
// With args.packed set the packed path runs (see PackedActivationBytes). Otherwise weight rows are taken 16 at a time; each weight row's blocks are unpacked once for up to 8 activation rows
// (so m = 1 is a bandwidth-bound GEMV and prefill reuses every unpacked block 8 times), and the 32-element
// formats take weight rows in pairs. Callers split the rows across threads; a row's result is the same
// whatever the split. GemmSupported(weight_type) must hold and k must fill whole blocks.
void Gemm(const GemmArgs& args);

// Prefill and batched decode. AVX-512 VNNI: activations converted to int8 and packed in groups of 16 tokens,
// weight rows decoded 8 at a time into a per-thread buffer (vnni_gemm.h). AMX: activations packed in bf16,
// weight rows decoded to bf16 a panel at a time, products on the tile unit (kernels_amx.cpp).
// PackedActivationBytes is the size of the packed form of m rows, or 0 when the active ISA has no packed
// path for this weight type or m is below the size where it pays; then callers convert the rows with
// QuantizeActivationRow and leave GemmArgs::packed null (GemmArgs::act is not read when packed is set).
// Results differ from the unpacked path only by rounding, and never depend on the row range or on how tokens
// are grouped.
size_t PackedActivationBytes(DType weight, size_t k, size_t m);
size_t PackedGroups(size_t m);  // ceil(m / 16)
// Whether weights of types a and b read the same packed activations (AMX packs the same bf16 form for every
// type, so Q4_K and Q6_K projections of one input can share it; the VNNI forms differ per type).
bool SamePackedForm(DType a, DType b);
// Packs groups [group_begin, group_end) of m float activation rows (x_stride floats apart) into packed
// (PackedActivationBytes of it); ranges may be packed on different threads.
void PackActivations(DType weight, size_t k, const float* x, size_t x_stride, size_t m, uint8_t* packed,
                     size_t group_begin, size_t group_end);

// Single dot product of one weight row with one converted activation row, with the active ISA; bit-identical
// to the corresponding Gemm output (Gemm results never depend on the row range or on m).
float DotRow(DType weight_type, size_t k, const void* w_row, const void* act_row);

}  // namespace ingot::kernels
