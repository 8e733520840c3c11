// The bytes of bench/prompts/default.txt, compiled in by CMake (default_prompts_data.cpp.in) so that
// `ingot bench serve` needs no data file at run time.
#pragma once

#include <cstddef>

namespace ingot::bench {

extern const unsigned char kDefaultPromptsBytes[];
extern const size_t kDefaultPromptsSize;

}  // namespace ingot::bench
