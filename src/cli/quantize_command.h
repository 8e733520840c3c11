// `ingot quantize IN.gguf OUT.gguf TYPE`: quantize an F32/F16/BF16 model with one of llama.cpp's mixes.
#pragma once

#include <CLI/CLI.hpp>

namespace ingot::cli {

void AddQuantizeCommand(CLI::App& app);

}  // namespace ingot::cli
