// `ingot bench MODEL`: prefill and decode throughput of the forward pass, like llama-bench: -p prompt tokens in
// one batch, then -n tokens one at a time, repeated --reps times; mean ± stddev tok/s. Tokens are random (not
// one prompt repeated) and every repetition rewrites the KV cache from position 0 (one cache, allocated once, so
// that repetitions do not grow the heap). Next to them, the roofline: decode
// against memory bandwidth ÷ bytes read per token, prefill GOP/s against the measured int8 peak; and peak RSS.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string_view>

#include "cli/commands.h"
#include "cli/store_commands.h"
#include "gguf/gguf.h"
#include "kernels/kernels.h"
#include "kernels/roofline.h"
#include "model/expert_traffic.h"
#include "model/model.h"
#include "util/cpu.h"

namespace ingot::cli {

namespace {

struct BenchOptions {
  std::string model;
  int32_t n_prompt = 512;
  int32_t n_gen = 128;
  int32_t depth = 0;
  int32_t threads = 0;
  int32_t reps = 3;
  int32_t batch = 512;
  bool json = false;
  bool roofline = true;
};

struct MeanStd {
  double mean = 0;
  double std = 0;
};

MeanStd Stats(const std::vector<double>& v) {
  MeanStd r;
  if (v.empty()) return r;
  for (double x : v) r.mean += x;
  r.mean /= double(v.size());
  for (double x : v) r.std += (x - r.mean) * (x - r.mean);
  r.std = v.size() > 1 ? std::sqrt(r.std / double(v.size() - 1)) : 0.0;
  return r;
}

// What one token costs the machine, from the GGUF tensor list: bytes of weights a decode step reads and
// multiply-adds a prefill token does in matrix products (attention excluded). MoE expert tensors ("_exps")
// count for the share of experts a token uses; the embedding table counts one row unless it is also the output.
struct TokenCost {
  double layer_bytes = 0;  // every per-layer tensor and norm, read once per decode step
  double head_bytes = 0;   // output projection (and the embedding row)
  double layer_macs = 0;   // per prefill token
  double head_macs = 0;    // per token with logits
  double expert_bytes = 0; // the share of layer_bytes that is routed experts
};

TokenCost CostOfModel(const gguf::File& file, const std::string& arch) {
  TokenCost c;
  const auto n_expert = file.GetInt(arch + ".expert_count");
  const auto n_used = file.GetInt(arch + ".expert_used_count");
  double expert_share = 1;
  if (n_expert.ok() && n_used.ok() && n_expert->has_value() && n_used->has_value() && **n_expert > 0) {
    expert_share = double(**n_used) / double(**n_expert);
  }
  const bool tied = file.FindTensor("output.weight") == nullptr;
  for (const gguf::TensorInfo& t : file.tensors()) {
    const auto bytes = double(t.n_bytes), elems = double(t.n_elements);
    const bool matrix = t.dims.size() >= 2 && t.dims[1] > 1;
    if (t.name == "token_embd.weight") {
      const double rows = t.dims.size() >= 2 ? double(t.dims[1]) : 1;
      c.head_bytes += tied ? bytes : bytes / rows;
      if (tied) c.head_macs += elems;
    } else if (t.name == "output.weight") {
      c.head_bytes += bytes;
      c.head_macs += elems;
    } else if (std::string_view(t.name).find("_exps") != std::string_view::npos) {
      c.layer_bytes += bytes * expert_share;
      c.expert_bytes += bytes * expert_share;
      if (matrix) c.layer_macs += elems * expert_share;
    } else {
      c.layer_bytes += bytes;
      if (matrix) c.layer_macs += elems;
    }
  }
  return c;
}

struct MachineLimits {
  double read_bytes_per_s = 0;
  double int8_ops_per_s = 0;
  double matrix_ops_per_s = 0;  // AMX bf16 tiles, when the active ISA uses them; else 0
};

// Measured in a child process, so that the bandwidth buffer (larger than the last-level cache) never counts
// in this process's peak RSS; the child reports through a pipe. Zeros when fork or the pipe fails.
MachineLimits MeasureMachine(int threads) {
  MachineLimits limits;
  int fds[2];
  if (pipe(fds) != 0) return limits;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return limits;
  }
  if (pid == 0) {
    close(fds[0]);
    ThreadPool pool(threads);
    MachineLimits m;
    m.read_bytes_per_s = kernels::MeasureReadBandwidth(pool, kernels::BandwidthBufferBytes(), 5);
    m.int8_ops_per_s = kernels::MeasureInt8Peak(pool, 3);
    m.matrix_ops_per_s = kernels::MeasureMatrixPeak(pool, 3);
    const bool ok = write(fds[1], &m, sizeof(m)) == ssize_t(sizeof(m));
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  MachineLimits m;
  if (read(fds[0], &m, sizeof(m)) == ssize_t(sizeof(m))) limits = m;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return limits;
}

size_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return size_t(usage.ru_maxrss) * 1024;
}

// "tg128", or "tg128@d512" when decoding after a filled context (llama-bench's notation).
std::string TgName(const BenchOptions& o) {
  return "tg" + std::to_string(o.n_gen) + (o.depth > 0 ? "@d" + std::to_string(o.depth) : "");
}

void Bench(const BenchOptions& o) {
  if (o.n_prompt < 0 || o.n_gen < 0 || o.depth < 0 || o.reps < 1 || o.batch < 1) {
    Fail(InvalidArgument("-p, -n and -d must be >= 0, --reps and --batch >= 1"));
  }
  auto path = ResolveModelArgument(o.model, true);
  if (!path.ok()) Fail(path.status());
  const MachineLimits limits = o.roofline ? MeasureMachine(o.threads) : MachineLimits{};
  auto opened = gguf::File::Open(*path);
  if (!opened.ok()) Fail(opened.status());
  std::shared_ptr<const gguf::File> file(std::move(opened).value());
  ThreadPool pool(o.threads);
  auto loaded = model::LoadModel(file, pool);
  if (!loaded.ok()) Fail(loaded.status());
  model::Model& m = **loaded;
  const model::ModelInfo& info = m.info();
  const int32_t block = 16;
  // As in llama-bench, pp and tg are separate tests on an empty cache: pp writes positions [0, n_prompt), tg
  // first fills `depth` positions (untimed) and then generates n_gen tokens after them.
  const int32_t total = std::max(o.n_prompt, o.depth + o.n_gen);
  const int32_t n_blocks = std::max(1, (total + block - 1) / block);
  std::vector<int32_t> table(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) table[size_t(i)] = i;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> pick(0, info.n_vocab - 1);
  std::vector<double> pp, tg;
  std::vector<float> logits;
  using Clock = std::chrono::steady_clock;
  model::KvStore kv(info.kv, DType::kF16, n_blocks, block);
  model::Batch b;
  b.block_tables = {table.data()};
  auto prefill = [&](int32_t n) {
    for (int32_t start = 0; start < n; start += o.batch) {
      b.tokens.clear();
      const int32_t end = std::min(n, start + o.batch);
      for (int32_t i = start; i < end; ++i) b.tokens.push_back({pick(rng), i, 0, i + 1 == end});
      if (auto st = m.Forward(b, kv, logits); !st.ok()) Fail(st);
    }
  };
  for (int32_t rep = -1; rep < o.reps; ++rep) {  // rep -1 warms up caches and page-faults the weights in
    auto t0 = Clock::now();
    prefill(o.n_prompt);
    const double pps = std::chrono::duration<double>(Clock::now() - t0).count();
    prefill(o.depth);
    auto t1 = Clock::now();
    for (int32_t i = 0; i < o.n_gen; ++i) {
      b.tokens = {{pick(rng), o.depth + i, 0, true}};
      if (auto st = m.Forward(b, kv, logits); !st.ok()) Fail(st);
    }
    const double tgs = std::chrono::duration<double>(Clock::now() - t1).count();
    if (rep < 0) continue;
    if (o.n_prompt > 0) pp.push_back(o.n_prompt / pps);
    if (o.n_gen > 0) tg.push_back(o.n_gen / tgs);
  }
  const MeanStd p = Stats(pp), g = Stats(tg);
  const std::string isa(kernels::IsaName(kernels::ActiveIsa()));
  // Decode reads the weights once per step plus the KV cache of every earlier position (on average the
  // depth and half the generated tokens); prefill does the layer products for every prompt token and the
  // output head once, compared with the peak of the unit doing them (AMX tiles where the ISA uses them).
  // For MoE models the expert bytes decode actually read (measured by the model) replace the estimate from
  // the share of experts used.
  const TokenCost cost = CostOfModel(*file, info.architecture);
  const model::ExpertTraffic traffic = m.expert_traffic();
  const double expert_bytes = traffic.decode_steps > 0 ? double(traffic.decode_bytes) / double(traffic.decode_steps)
                                                       : cost.expert_bytes;
  const double kv_bytes = double(info.kv.BytesPerToken(DType::kF16)) * (o.depth + o.n_gen / 2.0);
  const double decode_bytes = cost.layer_bytes - cost.expert_bytes + expert_bytes + cost.head_bytes + kv_bytes;
  const double roofline_tps = limits.read_bytes_per_s > 0 ? limits.read_bytes_per_s / decode_bytes : 0;
  const double decode_pct = roofline_tps > 0 ? 100 * g.mean / roofline_tps : 0;
  const double prefill_ops = o.n_prompt > 0 ? 2 * (cost.layer_macs * o.n_prompt + cost.head_macs) : 0;
  const double prefill_gops = p.mean > 0 ? prefill_ops / (o.n_prompt / p.mean) / 1e9 : 0;
  const double int8_gops = limits.int8_ops_per_s / 1e9, matrix_gops = limits.matrix_ops_per_s / 1e9;
  const double peak_gops = matrix_gops > 0 ? matrix_gops : int8_gops;
  const char* peak_name = matrix_gops > 0 ? "AMX bf16 peak" : "int8 peak";
  const double prefill_pct = peak_gops > 0 ? 100 * prefill_gops / peak_gops : 0;
  const size_t rss = PeakRssBytes();
  const size_t huge_bytes = file->huge_page_bytes();
  const double huge_pct = 100.0 * double(huge_bytes) / double(std::max<size_t>(file->file_size(), 1));
  if (o.json) {
    nlohmann::json j = {{"model", o.model},       {"architecture", info.architecture},
                        {"n_params", info.n_params}, {"weight_bytes", info.weight_bytes},
                        {"threads", pool.size()}, {"kernels", isa},
                        {"reps", o.reps},         {"n_prompt", o.n_prompt},
                        {"n_gen", o.n_gen},       {"depth", o.depth},
                        {"prefill_tps_mean", p.mean},
                        {"prefill_tps_std", p.std}, {"decode_tps_mean", g.mean},
                        {"decode_tps_std", g.std}, {"prefill_samples", pp},
                        {"decode_samples", tg},   {"read_bandwidth_bytes_per_s", limits.read_bytes_per_s},
                        {"decode_bytes_per_token", decode_bytes}, {"decode_roofline_tps", roofline_tps},
                        {"decode_roofline_pct", decode_pct}, {"prefill_gops", prefill_gops},
                        {"int8_peak_gops", int8_gops}, {"matrix_peak_gops", matrix_gops},
                        {"prefill_peak_pct", prefill_pct},
                        {"peak_rss_bytes", rss},  {"file_bytes", file->file_size()},
                        {"huge_page_bytes", huge_bytes},
                        {"kv_cache_bytes", double(info.kv.BytesPerToken(DType::kF16)) * total}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("model: %s (%s, %s params, %s weights), threads %d, kernels %s\n", o.model.c_str(),
              info.architecture.c_str(), FormatCount(double(info.n_params)).c_str(),
              FormatBytes(double(info.weight_bytes)).c_str(), pool.size(), isa.c_str());
  if (!o.roofline) {
    std::printf("| %-10s | %-22s |\n", "test", "tokens/s");
    std::printf("|------------|------------------------|\n");
    if (o.n_prompt > 0) std::printf("| pp%-8d | %10.2f ± %-9.2f |\n", o.n_prompt, p.mean, p.std);
    if (o.n_gen > 0) std::printf("| %-10s | %10.2f ± %-9.2f |\n", TgName(o).c_str(), g.mean, g.std);
  } else {
    std::printf("| %-10s | %-22s | %-34s |\n", "test", "tokens/s", "roofline");
    std::printf("|------------|------------------------|------------------------------------|\n");
    if (o.n_prompt > 0) {
      std::printf("| pp%-8d | %10.2f ± %-9.2f | %7.1f GOP/s = %5.1f%% of %s |\n", o.n_prompt, p.mean, p.std,
                  prefill_gops, prefill_pct, peak_name);
    }
    if (o.n_gen > 0) {
      std::printf("| %-10s | %10.2f ± %-9.2f | %5.1f%% of %7.2f tok/s            |\n", TgName(o).c_str(), g.mean,
                  g.std, decode_pct, roofline_tps);
    }
  }
  if (o.roofline) {
    std::printf("read bandwidth %.1f GB/s, %s read per decoded token; int8 peak %.0f GOP/s", limits.read_bytes_per_s / 1e9,
                FormatBytes(decode_bytes).c_str(), int8_gops);
    if (matrix_gops > 0) std::printf(", AMX bf16 peak %.0f GOP/s", matrix_gops);
    std::printf(" (%s)\n", isa.c_str());
  }
  std::printf("peak RSS %s (file %s, KV cache %s)\n", FormatBytes(double(rss)).c_str(),
              FormatBytes(double(file->file_size())).c_str(),
              FormatBytes(double(info.kv.BytesPerToken(DType::kF16)) * total).c_str());
  std::printf("%s", model::ExpertTrafficSummary(m).c_str());
  std::printf("weights in 2 MiB pages: %.0f%% of the file\n", huge_pct);
  // Under half (and big enough to matter): the file's page cache was filled by small writes or reads, and
  // decode pays a TLB miss every 4 KiB of weights (10-20% of decode speed on the machines we measured).
  if (huge_pct < 50 && file->file_size() >= (size_t(64) << 20)) {
    std::printf("note: most weights are mapped in 4 KiB pages; `ingot dev drop-cache %s` lets the next load read "
                "them back in 2 MiB pages (needs transparent huge pages: madvise or always)\n",
                path->c_str());
  }
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Measure prefill and decode speed of a model (like llama-bench)");
  cmd->add_option("model", o->model, "GGUF model: a path, a stored model or a catalog name");
  cmd->add_option("-p,--n-prompt", o->n_prompt, "Prompt tokens processed in one batch")->capture_default_str();
  cmd->add_option("-n,--n-gen", o->n_gen, "Tokens generated one at a time, from an empty cache")->capture_default_str();
  cmd->add_option("-d,--depth", o->depth, "Tokens in the cache before generation starts (not timed)")
      ->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Threads (0: physical cores)")->capture_default_str();
  cmd->add_option("-r,--reps", o->reps, "Repetitions")->capture_default_str();
  cmd->add_option("-b,--batch", o->batch, "Maximum tokens per forward pass during prefill")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  cmd->add_flag("!--no-roofline", o->roofline, "Skip measuring read bandwidth and the compute peaks");
  cmd->callback([o, cmd] {
    if (cmd->get_subcommands().size() > 0) return;  // `ingot bench serve` runs its own callback
    if (o->model.empty()) Fail(InvalidArgument("bench: give a MODEL.gguf, or use `ingot bench serve`"));
    Bench(*o);
  });
  return cmd;
}

}  // namespace ingot::cli
