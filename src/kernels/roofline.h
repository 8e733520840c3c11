// Machine limits behind `ingot bench`'s roofline: main-memory read bandwidth and the int8 multiply-add peak of
// the active ISA (and of its matrix unit), each measured with every thread of a pool. They allocate or spin:
// benchmarks only.
#pragma once

#include <cstddef>

#include "util/thread_pool.h"

namespace ingot::kernels {

// Size of the read-bandwidth buffer: twice the last-level cache, at least 1 GiB, at most a quarter of the
// memory available now.
size_t BandwidthBufferBytes();

// Best over `passes` of one read pass over a buffer of `bytes` (written first, so that every page is
// resident), each pool thread summing its own contiguous slice; bytes per second.
double MeasureReadBandwidth(ThreadPool& pool, size_t bytes, int passes);

// int8 operations per second (a multiply-add counts as 2) of the active ISA's peak loop (the widest int8 dot
// sequence its kernels use) running on every pool thread at once; best of `runs` runs of about 50 ms.
double MeasureInt8Peak(ThreadPool& pool, int runs);

// Operations per second of the active ISA's matrix unit (AMX: bf16 tile products, a multiply-add counting 2),
// measured the same way; 0 when the ISA has none.
double MeasureMatrixPeak(ThreadPool& pool, int runs);

}  // namespace ingot::kernels
