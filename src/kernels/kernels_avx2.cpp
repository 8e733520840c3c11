// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c): see avx2_body.h and avx2_extra.h.
#include "kernels/avx2_extra.h"
#include "kernels/peak_loop.h"

namespace ingot::kernels {

void FillAvx2(KernelTable& table) {
  FillAvx2All(table);
  table.int8_peak = Int8PeakLoop;
  table.read_pass = ReadPass;
}

}  // namespace ingot::kernels
