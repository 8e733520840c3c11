// QuantizeModel: plan the mix, quantize tensor by tensor (rows split across the pool), collect the output in a
// gguf::Writer and write it atomically.
#include "convert/quantize.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "gguf/writer.h"
#include "quant/quant.h"

namespace ingot::convert {
namespace {

// Elements per work chunk: large enough to amortize scheduling, small enough to balance 2..64 threads.
constexpr size_t kChunkElems = 1 << 16;

bool IsFloatInput(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

// Fails early (before minutes of work) when the output cannot be created.
Status CheckWritable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return IoError(path + ": cannot write output: is a directory");
  const std::string probe = path + ".tmp";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();  // a leftover temporary; the writer truncates it
    return IoError(path + ": cannot write output: " + std::strerror(errno));
  }
  ::close(fd);
  std::remove(probe.c_str());
  return Status::Ok();
}

// Per-thread error sums, each on its own cache line.
struct alignas(64) ErrorSums {
  double sq_err = 0;
  double sq_ref = 0;
  double max_abs = 0;
};

struct Scratch {
  std::vector<float> values;
  std::vector<float> decoded;
};

std::vector<uint8_t> QuantizeTensor(const gguf::TensorInfo& t, DType to, bool measure, ThreadPool& pool,
                                    TensorError* error) {
  const size_t row = t.dims[0];
  const size_t rows = t.n_elements / row;
  const size_t in_row_bytes = RowBytes(t.type, row);
  const size_t out_row_bytes = RowBytes(to, row);
  std::vector<uint8_t> out(out_row_bytes * rows);
  std::vector<Scratch> scratch(pool.size());
  std::vector<ErrorSums> sums(pool.size());
  pool.ParallelForIndexed(rows, std::max<size_t>(1, kChunkElems / row), [&](size_t begin, size_t end, int thread) {
    Scratch& s = scratch[thread];
    s.values.resize(row);
    if (measure) s.decoded.resize(row);
    ErrorSums& acc = sums[thread];
    for (size_t r = begin; r < end; ++r) {
      DequantizeRow(t.type, t.data + r * in_row_bytes, s.values.data(), row);
      uint8_t* dst = out.data() + r * out_row_bytes;
      QuantizeRow(to, s.values.data(), dst, row);
      if (!measure) continue;
      DequantizeRow(to, dst, s.decoded.data(), row);
      for (size_t i = 0; i < row; ++i) {
        const double x = s.values[i];
        const double d = double(s.decoded[i]) - x;
        acc.sq_err += d * d;
        acc.sq_ref += x * x;
        acc.max_abs = std::max(acc.max_abs, std::abs(d));
      }
    }
  });
  if (measure) {
    ErrorSums total;
    for (const ErrorSums& s : sums) {
      total.sq_err += s.sq_err;
      total.sq_ref += s.sq_ref;
      total.max_abs = std::max(total.max_abs, s.max_abs);
    }
    error->rmse = std::sqrt(total.sq_err / double(std::max<uint64_t>(1, t.n_elements)));
    error->max_abs = total.max_abs;
    error->relative = total.sq_ref > 0 ? std::sqrt(total.sq_err / total.sq_ref) : 0;
  }
  return out;
}

}  // namespace

Result<QuantizeSummary> QuantizeModel(const QuantizeOptions& options, ThreadPool& pool) {
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<gguf::File> file, gguf::File::Open(options.input));
  const std::vector<TensorPlan> plan = PlanMix(*file, options.mix);
  for (const TensorPlan& p : plan) {
    const gguf::TensorInfo& t = file->tensors()[p.input_index];
    if (p.quantize && !IsFloatInput(t.type)) {
      return Unsupported(options.input + ": tensor '" + t.name + "' is " + std::string(DTypeName(t.type)) +
                         "; ingot quantize needs an F32, F16 or BF16 model (requantizing an already quantized "
                         "model loses quality)");
    }
  }
  INGOT_RETURN_IF_ERROR(CheckWritable(options.output));

  gguf::Writer writer(file->alignment());
  // llama.cpp's order: every input key except these two, which it (re)appends at the end.
  for (const auto& [key, value] : file->metadata()) {
    if (key != "general.quantization_version" && key != "general.file_type") writer.SetValue(key, value);
  }
  writer.SetValue("general.quantization_version", gguf::Value::Unsigned(gguf::ValueType::kU32, 2));
  writer.SetValue("general.file_type",
                  gguf::Value::Unsigned(gguf::ValueType::kU32, GetMixInfo(options.mix).file_type));

  QuantizeSummary summary;
  QuantizeProgress progress{0, plan.size(), 0, 0};
  for (const TensorPlan& p : plan) progress.bytes_total += file->tensors()[p.input_index].n_bytes;
  for (const TensorPlan& p : plan) {
    const gguf::TensorInfo& t = file->tensors()[p.input_index];
    TensorReport report{t.name, t.type, p.type, p.quantize && p.type != t.type, p.fell_back, t.n_bytes, 0, {}};
    std::vector<uint8_t> bytes;
    if (report.quantized) {
      bytes = QuantizeTensor(t, p.type, options.measure_error, pool, &report.error);
    } else {
      bytes.assign(t.data, t.data + t.n_bytes);
    }
    report.bytes_out = bytes.size();
    INGOT_RETURN_IF_ERROR(writer.AddTensor(t.name, p.type, t.dims, std::move(bytes)));
    summary.bytes_in += report.bytes_in;
    summary.bytes_out += report.bytes_out;
    summary.tensors.push_back(std::move(report));
    progress.tensors_done = summary.tensors.size();
    progress.bytes_done = summary.bytes_in;
    if (options.on_tensor) options.on_tensor(progress, summary.tensors.back());
  }
  INGOT_RETURN_IF_ERROR(writer.WriteTo(options.output));
  return summary;
}

}  // namespace ingot::convert
