// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c): see avx2_body.h.
#include "kernels/avx2_body.h"

namespace ingot::kernels {

void FillAvx2(KernelTable& table) { FillAvx2Table(table); }

}  // namespace ingot::kernels
