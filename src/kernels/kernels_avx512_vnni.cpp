// AVX-512 kernels with VNNI (compiled with -mavx512vnni in addition): see avx512_body.h.
#include "kernels/avx512_body.h"

namespace ingot::kernels {

void FillAvx512Vnni(KernelTable& table) { FillAvx512Table(table); }

}  // namespace ingot::kernels
