// `ingot quantize`: argument parsing and progress output around convert::QuantizeModel. On a terminal a redrawn
// progress bar on stderr; otherwise (logs, pipes) one plain line per tensor. --verbose adds each tensor's error.
#include "cli/quantize_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "convert/quantize.h"
#include "util/thread_pool.h"

namespace ingot::cli {
namespace {

struct QuantizeArgs {
  std::string input;
  std::string output;
  std::string type;
  int threads = 0;
  bool verbose = false;
};

// "blk.0.attn_q.weight  F32 -> Q4_K  256.00 KiB -> 36.00 KiB  rmse 1.1e-03  max 4.2e-03  rel 5.61%"
std::string TensorLine(const convert::TensorReport& r, bool verbose) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%-36s %5s -> %-5s %10s -> %-10s", r.name.c_str(),
                std::string(DTypeName(r.from)).c_str(), std::string(DTypeName(r.to)).c_str(),
                FormatBytes(double(r.bytes_in)).c_str(), FormatBytes(double(r.bytes_out)).c_str());
  std::string line = buf;
  line.erase(line.find_last_not_of(' ') + 1);
  if (!r.quantized) line += "  (copied)";
  if (r.fell_back) line += "  (row length forces a fallback type)";
  if (verbose && r.quantized) {
    std::snprintf(buf, sizeof(buf), "  rmse %.3e  max %.3e  rel %.3f%%", r.error.rmse, r.error.max_abs,
                  100.0 * r.error.relative);
    line += buf;
  }
  return line;
}

// "[#########.....................]  31%  12/111  blk.1.ffn_up.weight" (fraction of input bytes done).
std::string Bar(const convert::QuantizeProgress& p, const std::string& name) {
  constexpr int kWidth = 30;
  const double fraction = p.bytes_total == 0 ? 1.0 : double(p.bytes_done) / double(p.bytes_total);
  const int filled = int(kWidth * fraction);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "] %3d%%  %zu/%zu  ", int(100 * fraction), p.tensors_done, p.tensor_count);
  return "[" + std::string(size_t(filled), '#') + std::string(size_t(kWidth - filled), '.') + buf + name;
}

void RunQuantize(const QuantizeArgs& a) {
  Result<convert::Mix> mix = convert::ParseMix(a.type);
  if (!mix.ok()) Fail(mix.status());
  if (a.threads < 0) Fail(InvalidArgument("--threads must be >= 0"));

  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  ThreadPool pool(a.threads);
  convert::QuantizeOptions options;
  options.input = a.input;
  options.output = a.output;
  options.mix = *mix;
  options.measure_error = a.verbose;
  bool bar_open = false;  // a bar line without its newline is on the terminal
  options.on_tensor = [&](const convert::QuantizeProgress& p, const convert::TensorReport& r) {
    const bool last = p.tensors_done == p.tensor_count;
    if (!terminal) {
      std::fprintf(stderr, "[%zu/%zu] %s\n", p.tensors_done, p.tensor_count, TensorLine(r, a.verbose).c_str());
    } else {
      if (a.verbose) std::fprintf(stderr, "\r\033[K%s\n", TensorLine(r, true).c_str());
      std::fprintf(stderr, "\r\033[K%s%s", Bar(p, r.name).c_str(), last ? "\n" : "");
      bar_open = !last;
    }
    if (last) std::fprintf(stderr, "writing %s\n", a.output.c_str());
    std::fflush(stderr);
  };

  const auto start = std::chrono::steady_clock::now();
  Result<convert::QuantizeSummary> summary = convert::QuantizeModel(options, pool);
  if (!summary.ok()) {
    if (bar_open) std::fprintf(stderr, "\n");
    Fail(summary.status());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t quantized = 0;
  for (const auto& t : summary->tensors) quantized += t.quantized ? 1 : 0;
  std::printf("%s: %s, %zu of %zu tensors quantized, %s -> %s, %.2f s with %d threads\n", a.output.c_str(),
              std::string(convert::GetMixInfo(*mix).name).c_str(), quantized, summary->tensors.size(),
              FormatBytes(double(summary->bytes_in)).c_str(), FormatBytes(double(summary->bytes_out)).c_str(),
              seconds, pool.size());
}

}  // namespace

void AddQuantizeCommand(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  auto* cmd = app.add_subcommand("quantize", "Quantize an F32/F16/BF16 GGUF model (llama.cpp-compatible mixes)");
  cmd->add_option("input", a->input, "Input GGUF model (F32, F16 or BF16 weights)")->required();
  cmd->add_option("output", a->output, "Output GGUF path (written atomically)")->required();
  cmd->add_option("type", a->type, "Quantization: " + convert::MixNames())->required();
  cmd->add_option("-t,--threads", a->threads, "Threads (0: physical cores)")->capture_default_str();
  cmd->add_flag("-v,--verbose", a->verbose, "Print each tensor's quantization error (RMSE, max abs, relative)");
  cmd->callback([a] { RunQuantize(*a); });
}

}  // namespace ingot::cli
