// `ingot quantize` as a library: reads an F32/F16/BF16 GGUF model, quantizes its tensors with a mix (see mix.h)
// on a thread pool, and writes a GGUF file that llama.cpp also loads (same block layouts, all metadata copied,
// general.file_type and general.quantization_version set as llama.cpp sets them, the input's alignment kept).
// The output is written atomically (a temporary renamed into place). Memory: the whole output is held in memory
// until it is written (gguf::Writer), so peak memory is about the output file size plus the mapped input.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "convert/mix.h"
#include "quant/dtype.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace ingot::convert {

// Error of one quantized tensor against its input values.
struct TensorError {
  double rmse = 0;      // sqrt(mean((q - x)^2))
  double max_abs = 0;   // max |q - x|
  double relative = 0;  // ||q - x|| / ||x|| (0 when x is all zeros)
};

struct TensorReport {
  std::string name;
  DType from = DType::kF32;
  DType to = DType::kF32;
  bool quantized = false;  // false: copied unchanged
  bool fell_back = false;  // row length forced a fallback type
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  TensorError error;       // filled when QuantizeOptions::measure_error and quantized
};

struct QuantizeProgress {
  size_t tensors_done = 0;
  size_t tensor_count = 0;
  uint64_t bytes_done = 0;   // input tensor bytes processed
  uint64_t bytes_total = 0;
};

struct QuantizeOptions {
  std::string input;
  std::string output;
  Mix mix = Mix::kQ8_0;
  bool measure_error = false;
  // Called on the calling thread after each tensor with the progress so far and that tensor's report. After the
  // last one the output file is still to be written.
  std::function<void(const QuantizeProgress&, const TensorReport&)> on_tensor;
};

struct QuantizeSummary {
  std::vector<TensorReport> tensors;  // in output order
  uint64_t bytes_in = 0;              // tensor data only
  uint64_t bytes_out = 0;
};

// Errors: kNotFound / kCorrupt for an unreadable input; kUnsupported for an input that holds quantized tensors;
// kIo when the output cannot be written (checked before any work is done).
Result<QuantizeSummary> QuantizeModel(const QuantizeOptions& options, ThreadPool& pool);

}  // namespace ingot::convert
