// `ingot bench MODEL`: prefill and decode throughput of the forward pass, like llama-bench: -p prompt tokens in
// one batch, then -n tokens one at a time, repeated --reps times; mean ± stddev tok/s. Tokens are random (not
// one prompt repeated) and the KV cache is fresh for every repetition.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/commands.h"
#include "cli/store_commands.h"
#include "gguf/gguf.h"
#include "kernels/kernels.h"
#include "model/expert_traffic.h"
#include "model/model.h"
#include "util/cpu.h"

namespace ingot::cli {

namespace {

struct BenchOptions {
  std::string model;
  int32_t n_prompt = 512;
  int32_t n_gen = 128;
  int32_t threads = 0;
  int32_t reps = 3;
  int32_t batch = 512;
  bool json = false;
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

void Bench(const BenchOptions& o) {
  if (o.n_prompt < 0 || o.n_gen < 0 || o.reps < 1 || o.batch < 1) {
    Fail(InvalidArgument("-p and -n must be >= 0, --reps and --batch >= 1"));
  }
  auto path = ResolveModelArgument(o.model, true);
  if (!path.ok()) Fail(path.status());
  auto opened = gguf::File::Open(*path);
  if (!opened.ok()) Fail(opened.status());
  std::shared_ptr<const gguf::File> file(std::move(opened).value());
  ThreadPool pool(o.threads);
  auto loaded = model::LoadModel(file, pool);
  if (!loaded.ok()) Fail(loaded.status());
  model::Model& m = **loaded;
  const model::ModelInfo& info = m.info();
  const int32_t block = 16;
  const int32_t total = o.n_prompt + o.n_gen;
  const int32_t n_blocks = std::max(1, (total + block - 1) / block);
  std::vector<int32_t> table(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) table[size_t(i)] = i;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> pick(0, info.n_vocab - 1);
  std::vector<double> pp, tg;
  std::vector<float> logits;
  using Clock = std::chrono::steady_clock;
  for (int32_t rep = -1; rep < o.reps; ++rep) {  // rep -1 warms up caches and page-faults the weights in
    model::KvStore kv(info.kv, DType::kF16, n_blocks, block);
    model::Batch b;
    b.block_tables = {table.data()};
    auto t0 = Clock::now();
    for (int32_t start = 0; start < o.n_prompt; start += o.batch) {
      b.tokens.clear();
      const int32_t end = std::min(o.n_prompt, start + o.batch);
      for (int32_t i = start; i < end; ++i) b.tokens.push_back({pick(rng), i, 0, i + 1 == end});
      if (auto st = m.Forward(b, kv, logits); !st.ok()) Fail(st);
    }
    auto t1 = Clock::now();
    for (int32_t i = 0; i < o.n_gen; ++i) {
      b.tokens = {{pick(rng), o.n_prompt + i, 0, true}};
      if (auto st = m.Forward(b, kv, logits); !st.ok()) Fail(st);
    }
    auto t2 = Clock::now();
    if (rep < 0) continue;
    const double pps = std::chrono::duration<double>(t1 - t0).count();
    const double tgs = std::chrono::duration<double>(t2 - t1).count();
    if (o.n_prompt > 0) pp.push_back(o.n_prompt / pps);
    if (o.n_gen > 0) tg.push_back(o.n_gen / tgs);
  }
  const MeanStd p = Stats(pp), g = Stats(tg);
  const std::string isa(kernels::IsaName(kernels::ActiveIsa()));
  if (o.json) {
    nlohmann::json j = {{"model", o.model},       {"architecture", info.architecture},
                        {"n_params", info.n_params}, {"weight_bytes", info.weight_bytes},
                        {"threads", pool.size()}, {"kernels", isa},
                        {"reps", o.reps},         {"n_prompt", o.n_prompt},
                        {"n_gen", o.n_gen},       {"prefill_tps_mean", p.mean},
                        {"prefill_tps_std", p.std}, {"decode_tps_mean", g.mean},
                        {"decode_tps_std", g.std}, {"prefill_samples", pp},
                        {"decode_samples", tg}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("model: %s (%s, %s params, %s weights), threads %d, kernels %s\n", o.model.c_str(),
              info.architecture.c_str(), FormatCount(double(info.n_params)).c_str(),
              FormatBytes(double(info.weight_bytes)).c_str(), pool.size(), isa.c_str());
  std::printf("| %-10s | %-22s |\n", "test", "tokens/s");
  std::printf("|------------|------------------------|\n");
  if (o.n_prompt > 0) std::printf("| pp%-8d | %10.2f ± %-9.2f |\n", o.n_prompt, p.mean, p.std);
  if (o.n_gen > 0) std::printf("| tg%-8d | %10.2f ± %-9.2f |\n", o.n_gen, g.mean, g.std);
  std::printf("%s", model::ExpertTrafficSummary(m).c_str());
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Measure prefill and decode speed of a model (like llama-bench)");
  cmd->add_option("model", o->model, "GGUF model: a path, a stored model or a catalog name");
  cmd->add_option("-p,--n-prompt", o->n_prompt, "Prompt tokens processed in one batch")->capture_default_str();
  cmd->add_option("-n,--n-gen", o->n_gen, "Tokens generated one at a time")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Threads (0: physical cores)")->capture_default_str();
  cmd->add_option("-r,--reps", o->reps, "Repetitions")->capture_default_str();
  cmd->add_option("-b,--batch", o->batch, "Maximum tokens per forward pass during prefill")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  cmd->callback([o, cmd] {
    if (cmd->get_subcommands().size() > 0) return;  // `ingot bench serve` runs its own callback
    if (o->model.empty()) Fail(InvalidArgument("bench: give a MODEL.gguf, or use `ingot bench serve`"));
    Bench(*o);
  });
  return cmd;
}

}  // namespace ingot::cli
