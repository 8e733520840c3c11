// AVX-512 F/BW/VL kernels (compiled with -mavx512f -mavx512bw -mavx512vl; no VNNI): see avx512_body.h.
#include "kernels/avx512_body.h"
#include "kernels/peak_loop.h"

namespace ingot::kernels {

void FillAvx512(KernelTable& table) {
  FillAvx512Table(table);
  table.int8_peak = Int8PeakLoop;
  table.read_pass = ReadPass;
}

}  // namespace ingot::kernels
