// Single-thread Gemm throughput per weight type and ISA on a 2048 x 2048 matrix: decode-like GEMV (m = 1,
// reported as weight GB/s, the number that bounds tokens/s; also from memory, below) and batched decode /
// prefill GEMM (m = 4 .. 512, in GOP/s, a multiply-add counting 2); and the cost of converting a 2048-element
// activation row.
//   build-dir/bench/kernels_bench --benchmark_filter='Q4_K'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "quant/quant.h"

namespace ingot::kernels {
namespace {

constexpr size_t kRows = 2048;
constexpr size_t kK = 2048;

struct Setup {
  DType type;
  size_t m;
  std::vector<uint8_t> w, act;
  std::vector<float> x, y;

  Setup(DType t, size_t m_) : type(t), m(m_) {
    std::mt19937 rng(42);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> row(kK);
    const size_t wb = RowBytes(t, kK);
    w.resize(kRows * wb);
    for (size_t r = 0; r < kRows; ++r) {
      for (float& v : row) v = 0.02f * dist(rng);
      QuantizeRow(t, row.data(), &w[r * wb], kK);
    }
    const size_t ab = ActivationRowBytes(t, kK);
    act.resize(m * ab);
    x.resize(m * kK);
    for (size_t i = 0; i < m; ++i) {
      for (float& v : row) v = dist(rng);
      std::copy(row.begin(), row.end(), x.begin() + long(i * kK));
      QuantizeActivationRow(t, row.data(), &act[i * ab], kK);
    }
    y.resize(m * kRows);
  }
};

// The GEMM includes packing the activations when the ISA has the packed path (as ops::MatMul does), and
// converting them otherwise.
void RunGemm(benchmark::State& state, DType type, Isa isa, size_t m) {
  SetActiveIsa(isa);
  Setup s(type, m);
  const size_t act_bytes = ActivationRowBytes(type, kK);
  std::vector<uint8_t> packed(PackedActivationBytes(type, kK, m));
  const GemmArgs args{type, kK, s.w.data(), RowBytes(type, kK), 0, kRows, s.act.data(), act_bytes, m, s.y.data(),
                      kRows, packed.empty() ? nullptr : packed.data()};
  for (auto _ : state) {
    if (!packed.empty()) {
      PackActivations(type, kK, s.x.data(), kK, m, packed.data(), 0, PackedGroups(m));
    } else {
      for (size_t i = 0; i < m; ++i) QuantizeActivationRow(type, &s.x[i * kK], &s.act[i * act_bytes], kK);
    }
    Gemm(args);
    benchmark::DoNotOptimize(s.y.data());
    benchmark::ClobberMemory();
  }
  const double iters = static_cast<double>(state.iterations());
  if (m == 1) {
    state.counters["GB/s"] = benchmark::Counter(iters * double(s.w.size()) / 1e9, benchmark::Counter::kIsRate);
  } else {
    state.counters["GOP/s"] = benchmark::Counter(iters * 2.0 * kRows * kK * m / 1e9, benchmark::Counter::kIsRate);
  }
  SetActiveIsa(BestIsa());
}

// Decode from memory: one activation row against a weight matrix far larger than the caches (512 MiB of
// 2048-wide rows, made by repeating one quantized 2048 x 2048 tile), single thread: the GB/s that bound
// tokens/s, to compare with `ingot bench`'s read bandwidth (per core).
void RunGemvFromMemory(benchmark::State& state, DType type, Isa isa) {
  SetActiveIsa(isa);
  Setup s(type, 1);
  const size_t tile = s.w.size(), copies = (size_t(512) << 20) / tile;
  std::vector<uint8_t> big(copies * tile);
  for (size_t c = 0; c < copies; ++c) std::copy(s.w.begin(), s.w.end(), big.begin() + long(c * tile));
  const size_t rows = copies * kRows;
  std::vector<float> y(rows);
  const GemmArgs args{type, kK, big.data(), RowBytes(type, kK), 0, rows, s.act.data(),
                      ActivationRowBytes(type, kK), 1, y.data(), rows};
  for (auto _ : state) {
    Gemm(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(double(state.iterations()) * double(big.size()) / 1e9,
                                              benchmark::Counter::kIsRate);
  SetActiveIsa(BestIsa());
}

// Converting one activation row (done once per token and matrix input, before the Gemm).
void RunQuantizeActivations(benchmark::State& state, DType type) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(kK);
  for (float& v : x) v = dist(rng);
  std::vector<uint8_t> out(ActivationRowBytes(type, kK));
  for (auto _ : state) {
    QuantizeActivationRow(type, x.data(), out.data(), kK);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kK));
}

void RegisterAll() {
  for (DType t : {DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ4_K}) {
    const std::string name = "QuantizeActivations/" + std::string(DTypeName(ActivationType(t)));
    benchmark::RegisterBenchmark(name.c_str(), [t](benchmark::State& st) { RunQuantizeActivations(st, t); });
  }
  const DType types[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_1,
                         DType::kQ5_0, DType::kQ5_1, DType::kIQ4_NL, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                         DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS};
  for (DType t : {DType::kQ8_0, DType::kQ4_K, DType::kQ6_K}) {
    const Isa isa = BestIsa();
    const std::string name = "GemvFromMemory/" + std::string(DTypeName(t)) + "/" + std::string(IsaName(isa));
    benchmark::RegisterBenchmark(name.c_str(), [t, isa](benchmark::State& st) { RunGemvFromMemory(st, t, isa); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  for (DType t : types) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx}) {
      if (!IsaSupported(isa)) continue;
      for (size_t m : {1, 4, 8, 16, 64, 512}) {
        const std::string name = std::string(m == 1 ? "Gemv/" : "Gemm/") + std::string(DTypeName(t)) + "/" +
                                 std::string(IsaName(isa)) + "/m:" + std::to_string(m);
        benchmark::RegisterBenchmark(name.c_str(), [t, isa, m](benchmark::State& st) { RunGemm(st, t, isa, m); })
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace ingot::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  ingot::kernels::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
