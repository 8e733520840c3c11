// AVX-512 kernels with VNNI (compiled with -mavx512vnni in addition): see avx512_body.h, and the packed GEMM
// of vnni_gemm.h.
#include "kernels/avx512_body.h"
#include "kernels/peak_loop.h"
#include "kernels/vnni_gemm.h"

namespace ingot::kernels {

void FillAvx512Vnni(KernelTable& table) {
  FillAvx512Table(table);
  table.int8_peak = Int8PeakLoop;
  table.read_pass = ReadPass;
  vnni::FillPackedTable(table);
}

}  // namespace ingot::kernels
