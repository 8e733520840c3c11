// Quantization mixes (`ingot quantize TYPE`): which tensor type each tensor of a model gets, following the
// choices llama.cpp's quantizer makes (src/llama-quant.cpp), so that our files match its files tensor for tensor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf.h"
#include "quant/dtype.h"
#include "util/status.h"

namespace ingot::convert {

enum class Mix { kQ8_0, kQ4_0, kQ4_K_S, kQ4_K_M, kQ5_K_S, kQ5_K_M, kQ6_K };

struct MixInfo {
  Mix mix;
  std::string_view name;  // "Q4_K_M"
  uint32_t file_type;     // llama.cpp's LLAMA_FTYPE number, written to general.file_type
  DType base_type;        // the type most tensors get
};

const MixInfo& GetMixInfo(Mix mix);
// Case-insensitive; an unknown name gives kInvalidArgument listing the valid ones.
Result<Mix> ParseMix(std::string_view name);
std::string MixNames();  // "Q8_0, Q4_0, Q4_K_S, ..."

// One input tensor's fate, in the order the output file stores tensors (llama.cpp's order: tensors outside
// layers first, then layer by layer; by name within each group).
struct TensorPlan {
  size_t input_index;  // into gguf::File::tensors()
  DType type;          // output type; equal to the input type when the tensor is copied unchanged
  bool quantize;       // false: bytes copied as they are (norms, 1-D tensors, excluded names)
  bool fell_back;      // row length incompatible with the chosen type; a fallback type was used
};

// Chooses output types for every tensor of `file` (whose tensors must be F32, F16 or BF16 where quantized;
// checked by the caller). Reads {arch}.block_count and {arch}.expert_count from the metadata.
std::vector<TensorPlan> PlanMix(const gguf::File& file, Mix mix);

}  // namespace ingot::convert
