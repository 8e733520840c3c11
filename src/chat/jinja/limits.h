// Bounds on one template render, so that a hostile template cannot exhaust memory, stack or time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ingot::chat::jinja {

struct RenderLimits {
  size_t max_output_bytes = size_t{16} << 20;  // also caps any single string value
  int64_t max_loop_iterations = 10'000'000;   // total over the whole render
  int max_call_depth = 100;                    // nested macro calls
  int max_eval_depth = 1500;                   // nested expression/statement evaluation (C++ stack)
};

}  // namespace ingot::chat::jinja
