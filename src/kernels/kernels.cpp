// The one dispatch point: builds one kernel table per compiled ISA at first use, starts on the best one the
// CPU supports, and tiles Gemm into calls of the active table's dot products.
#include "kernels/kernels.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "util/cpu.h"
#include "util/log.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ingot::kernels {
namespace {

constexpr std::array kAllIsas = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kAmx};

// AMX needs the tile instructions (CPUID leaf 7: EDX bit 24 AMX-TILE, bit 22 AMX-BF16) and, on Linux, the
// process's permission to use the tile data state, which the kernel grants on request (arch_prctl
// ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA; it fails on kernels or hypervisors without AMX support).
bool AmxUsable() {
  static const bool usable = [] {
#if defined(__x86_64__) && defined(__linux__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    if (((edx >> 24) & 1) == 0 || ((edx >> 22) & 1) == 0) return false;
    constexpr long kReqXcompPerm = 0x1023, kXtileData = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) == 0;
#else
    return false;
#endif
  }();
  return usable;
}

const KernelTable& TableFor(Isa isa) {
  static const std::array<KernelTable, kAllIsas.size()> tables = [] {
    std::array<KernelTable, kAllIsas.size()> t;
    FillScalar(t[0]);
    t[1] = t[0];
    FillAvx2(t[1]);
    t[2] = t[1];
    FillAvx512(t[2]);
    t[3] = t[2];
    FillAvx512Vnni(t[3]);
    t[4] = t[3];
    FillAmx(t[4]);
    return t;
  }();
  return tables[static_cast<size_t>(isa)];
}

// BestIsa(), unless the environment variable INGOT_ISA names a supported ISA (for comparisons and benchmarks).
Isa InitialIsa() {
  const char* name = std::getenv("INGOT_ISA");
  if (name == nullptr || *name == '\0') return BestIsa();
  for (Isa isa : kAllIsas) {
    if (IsaName(isa) == name) {
      if (IsaSupported(isa)) return isa;
      LogWarn(std::string("INGOT_ISA=") + name + ": not supported by this CPU; using " +
              std::string(IsaName(BestIsa())));
      return BestIsa();
    }
  }
  LogWarn(std::string("INGOT_ISA=") + name + ": unknown (scalar, avx2, avx512, avx512vnni, amx); using " +
          std::string(IsaName(BestIsa())));
  return BestIsa();
}

std::atomic<Isa>& ActiveIsaRef() {
  static std::atomic<Isa> active{InitialIsa()};
  return active;
}

}  // namespace

std::string_view IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAmx: return "amx";
  }
  return "unknown";
}

bool IsaSupported(Isa isa) {
  const CpuFeatures& f = GetCpuFeatures();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl;
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return avx2;
    case Isa::kAvx512: return avx512;
    case Isa::kAvx512Vnni: return avx512 && f.avx512vnni;
    case Isa::kAmx: return avx512 && f.avx512vnni && f.avx512bf16 && AmxUsable();
  }
  return false;
}

Isa BestIsa() {
  Isa best = Isa::kScalar;
  for (Isa isa : kAllIsas) {
    if (IsaSupported(isa)) best = isa;
  }
  return best;
}

Isa ActiveIsa() { return ActiveIsaRef().load(std::memory_order_relaxed); }

const KernelTable& ActiveTable() { return TableFor(ActiveIsa()); }

void SetActiveIsa(Isa isa) {
  assert(IsaSupported(isa));
  ActiveIsaRef().store(isa, std::memory_order_relaxed);
}

bool GemmSupported(DType weight) {
  const auto id = static_cast<size_t>(weight);
  return id < kNumTypeIds && TableFor(Isa::kScalar).dot[id] != nullptr;
}

DType ActivationType(DType weight) {
  switch (weight) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
      return weight;
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL:
      return DType::kQ8_0;
    case DType::kQ4_1:
    case DType::kQ5_1:
      return DType::kQ8_1;
    default:
      return DType::kQ8_K;  // Q2_K..Q6_K, IQ4_XS
  }
}

size_t ActivationRowBytes(DType weight, size_t k) { return RowBytes(ActivationType(weight), k); }

void QuantizeActivationRow(DType weight, const float* x, void* dst, size_t k) {
  const ConvertFn convert = TableFor(ActiveIsa()).convert[static_cast<size_t>(ActivationType(weight))];
  assert(convert != nullptr && RowSizeOk(ActivationType(weight), k));
  convert(x, static_cast<uint8_t*>(dst), k);
}

size_t PackedGroups(size_t m) { return (m + kPackLanes - 1) / kPackLanes; }

size_t PackedActivationBytes(DType weight, size_t k, size_t m) {
  const auto id = static_cast<size_t>(weight);
  if (id >= kNumTypeIds || k % 32 != 0) return 0;
  const KernelTable& t = ActiveTable();
  // Below the minimum, most of a 16-token group's lanes would be padding and decoding the rows would not pay.
  if (t.packed_gemm[id] == nullptr || m < t.packed_min_acts[id]) return 0;
  return PackedGroups(m) * t.group_bytes[id](k);
}

bool SamePackedForm(DType a, DType b) {
  if (a == b) return true;
  const KernelTable& t = ActiveTable();
  const auto ia = static_cast<size_t>(a), ib = static_cast<size_t>(b);
  if (ia >= kNumTypeIds || ib >= kNumTypeIds) return false;
  return t.pack_floats[ia] != nullptr && t.pack_floats[ia] == t.pack_floats[ib] &&
         t.group_bytes[ia] == t.group_bytes[ib];
}

void PackActivations(DType weight, size_t k, const float* x, size_t x_stride, size_t m, uint8_t* packed,
                     size_t group_begin, size_t group_end) {
  const KernelTable& t = ActiveTable();
  const auto id = static_cast<size_t>(weight);
  assert(group_end <= PackedGroups(m));
  if (t.pack_floats[id] != nullptr) {
    t.pack_floats[id](k, x, x_stride, m, packed, group_begin, group_end);
    return;
  }
  // Paths that pack converted rows: each group's rows are converted into a per-thread buffer first.
  const PackGroupsFn pack = t.pack_groups[id];
  assert(pack != nullptr);
  const size_t row_bytes = ActivationRowBytes(weight, k), group_bytes = t.group_bytes[id](k);
  thread_local std::vector<uint8_t> rows;
  if (rows.size() < kPackLanes * row_bytes) rows.resize(kPackLanes * row_bytes);
  for (size_t g = group_begin; g < group_end; ++g) {
    const size_t n = std::min(kPackLanes, m - g * kPackLanes);
    for (size_t i = 0; i < n; ++i) {
      QuantizeActivationRow(weight, x + (g * kPackLanes + i) * x_stride, rows.data() + i * row_bytes, k);
    }
    pack(k, rows.data(), row_bytes, n, packed + g * group_bytes, 0, 1);
  }
}

void Gemm(const GemmArgs& a) {
  if (a.packed != nullptr) {
    const PackedGemmFn gemm = ActiveTable().packed_gemm[static_cast<size_t>(a.weight_type)];
    assert(gemm != nullptr);
    gemm(a.k, a.w + a.row_begin * a.w_row_bytes, a.w_row_bytes, a.row_end - a.row_begin, a.packed, a.m,
         a.y + a.row_begin, a.y_stride);
    return;
  }
  const DotTileFn dot = TableFor(ActiveIsa()).dot[static_cast<size_t>(a.weight_type)];
  assert(GemmSupported(a.weight_type) && RowSizeOk(a.weight_type, a.k));
  // Activation rows are taken in blocks of about 512 KiB, which stay in L2 while every weight row streams
  // past them once; within a block, weight rows go 16 at a time (16 rows of a 4096-wide Q4_0 matrix are
  // 36 KiB, in L1/L2) while each group of kMaxActs activation rows passes over them.
  constexpr size_t kActBlockBytes = 512 * 1024;
  constexpr size_t kRowGroup = 16;
  const size_t act_block =
      std::max(kMaxActs, kActBlockBytes / std::max<size_t>(a.act_row_bytes, 1) / kMaxActs * kMaxActs);
  for (size_t tb = 0; tb < a.m; tb += act_block) {
    const size_t t_end = std::min(a.m, tb + act_block);
    for (size_t r0 = a.row_begin; r0 < a.row_end; r0 += kRowGroup) {
      const size_t n_rows = std::min(a.row_end - r0, kRowGroup);
      for (size_t t0 = tb; t0 < t_end; t0 += kMaxActs) {
        dot(a.k, a.w + r0 * a.w_row_bytes, a.w_row_bytes, n_rows, a.act + t0 * a.act_row_bytes,
            a.act_row_bytes, std::min(kMaxActs, t_end - t0), a.y + t0 * a.y_stride + r0, a.y_stride);
      }
    }
  }
}

float DotRow(DType weight_type, size_t k, const void* w_row, const void* act_row) {
  assert(GemmSupported(weight_type));
  const DotTileFn dot = TableFor(ActiveIsa()).dot[static_cast<size_t>(weight_type)];
  float y = 0;
  dot(k, static_cast<const uint8_t*>(w_row), 0, 1, static_cast<const uint8_t*>(act_row), 0, 1, &y, 1);
  return y;
}

}  // namespace ingot::kernels
