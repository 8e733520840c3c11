// <immintrin.h> for the SIMD translation units. GCC 12's AVX-512 headers make "undefined" vectors from
// self-initialised locals and then warn about them at every inlined use (a header bug); the two warnings are
// silenced for the header's own lines only.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
