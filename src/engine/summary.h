// ModelSummary from a GGUF file and its bound model: name, quantization mix, parameter count, template.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "engine/engine.h"
#include "gguf/gguf.h"
#include "model/model.h"

namespace ingot::engine {

ModelSummary Summarize(const gguf::File& file, const model::ModelInfo& info);

// Bytes of weights per tensor type ("Q4_K" → bytes), for the quantization mix.
std::map<std::string, uint64_t> WeightBytesByType(const gguf::File& file);

// The type holding most of the matrix bytes, e.g. "Q4_K".
std::string DominantType(const gguf::File& file);

}  // namespace ingot::engine
