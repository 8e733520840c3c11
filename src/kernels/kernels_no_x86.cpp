// Builds for CPUs other than x86-64 have only the scalar kernels: the x86 table fillers add nothing (and
// IsaSupported reports those ISAs as unavailable, since util/cpu.h finds no x86 features).
#include "kernels/kernel_table.h"

namespace ingot::kernels {

void FillAvx2(KernelTable&) {}
void FillAvx512(KernelTable&) {}
void FillAvx512Vnni(KernelTable&) {}
void FillAmx(KernelTable&) {}

}  // namespace ingot::kernels
