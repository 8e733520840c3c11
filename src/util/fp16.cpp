// The f16 → f32 lookup table, built on first use from the compiler's exact conversion.
#include "util/fp16.h"

#include <memory>

namespace ingot {

const float* F16Table() {
  static const std::unique_ptr<float[]> table = [] {
    auto t = std::make_unique<float[]>(65536);
    for (uint32_t i = 0; i < 65536; ++i) {
      const uint16_t bits = uint16_t(i);
      _Float16 v;
      std::memcpy(&v, &bits, 2);
      t[i] = float(v);
    }
    return t;
  }();
  return table.get();
}

}  // namespace ingot
