// `ingot gateway`: loads and validates the config, serves it, reloads on SIGHUP or when the file changes, and
// stops on SIGINT/SIGTERM. `--check` validates the file and exits. `ingot bench gateway`: tiny requests straight
// to an upstream and through the gateway at each concurrency level, the difference in latency percentiles, and
// the gateway's resident memory before and after a long run.
#include "cli/gateway_command.h"

#include <pthread.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/client.h"
#include "bench/tiny_load.h"
#include "cli/commands.h"
#include "cli/store_commands.h"
#include "gateway/config.h"
#include "gateway/gateway_server.h"
#include "util/log.h"

namespace ingot::cli {
namespace {

struct GatewayFlags {
  std::string config;
  std::string host;
  int port = -1;
  bool check = false;
  double watch_seconds = 2;
};

// The file's modification time in nanoseconds, 0 when it cannot be read.
int64_t ModifiedNanos(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Local models may name a stored or catalog model (pulled on first use), as `ingot serve MODEL` does.
Result<std::string> ResolveLocal(const std::string& model) { return ResolveModelArgument(model, true); }
// --check pulls nothing: a catalog name not in the store yet is reported.
Result<std::string> ResolveStored(const std::string& model) { return ResolveModelArgument(model, false); }

void RunGateway(const GatewayFlags& flags) {
  Result<gateway::GatewayConfig> config =
      gateway::LoadConfigFile(flags.config, flags.check ? ResolveStored : ResolveLocal);
  if (!config.ok()) Fail(config.status());
  if (!flags.host.empty()) config->host = flags.host;
  if (flags.port >= 0) config->port = flags.port;
  if (flags.check) {
    std::printf("%s: ok (%zu models, %zu routes, %zu clients)\n", flags.config.c_str(), config->models.size(),
                config->routes.size(), config->clients.size());
    return;
  }
  std::string host = config->host;
  gateway::GatewayServer server(*config);
  Result<int> port = server.Bind();
  if (!port.ok()) Fail(port.status());

  // Signals are taken by one thread with sigwait (blocked everywhere else, inherited by the server's threads).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> exiting{false};
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (exiting) return;
      if (sig == SIGHUP) {
        (void)server.Reload(flags.config, ResolveLocal);
        continue;
      }
      server.Stop();
      return;
    }
  });

  std::mutex mu;
  std::condition_variable cv;
  std::thread watcher([&] {
    int64_t seen = ModifiedNanos(flags.config);
    std::unique_lock<std::mutex> lock(mu);
    auto period = std::chrono::milliseconds(static_cast<int64_t>(flags.watch_seconds * 1000));
    while (!cv.wait_for(lock, period, [&] { return exiting.load(); })) {
      int64_t now = ModifiedNanos(flags.config);
      if (now != 0 && now != seen) {
        seen = now;
        (void)server.Reload(flags.config, ResolveLocal);
      }
    }
  });

  LogInfo("gateway: listening on http://" + host + ":" + std::to_string(*port) + " (" +
          std::to_string(config->routes.size()) + " routes, " + std::to_string(config->models.size()) + " models)");
  server.Run();
  {
    std::lock_guard<std::mutex> lock(mu);
    exiting = true;
  }
  cv.notify_all();
  watcher.join();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
}

struct BenchGatewayFlags {
  std::string direct_url, gateway_url;
  std::string model = "bench", direct_model;
  std::string api_key;
  std::vector<int> concurrency = {1, 64, 256};
  int64_t requests = 2000;
  int warmup = 200;
  int pid = 0;
  int64_t soak = 0;
  int soak_concurrency = 64;
};

bench::TinyLoadResult Load(const std::string& url, const std::string& model, const std::string& api_key,
                           int concurrency, int64_t requests) {
  Result<bench::Endpoint> endpoint = bench::ParseUrl(url);
  if (!endpoint.ok()) Fail(endpoint.status());
  bench::TinyLoadOptions options;
  options.endpoint = *endpoint;
  options.model = model;
  options.api_key = api_key;
  options.concurrency = concurrency;
  options.requests = requests;
  Result<bench::TinyLoadResult> result = bench::RunTinyLoad(options);
  if (!result.ok()) Fail(result.status());
  if (result->ok == 0) Fail(Unavailable(url + ": every request failed: " + result->first_error));
  return *result;
}

double Mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void RunBenchGateway(const BenchGatewayFlags& f) {
  std::string direct_model = f.direct_model.empty() ? f.model : f.direct_model;
  uint64_t rss_start = 0;
  if (f.pid > 0) {
    Result<uint64_t> rss = bench::ResidentBytes(f.pid);
    if (!rss.ok()) Fail(rss.status());
    rss_start = *rss;
  }
  Load(f.direct_url, direct_model, "", 4, f.warmup);
  Load(f.gateway_url, f.model, f.api_key, 4, f.warmup);
  std::printf("%6s %10s %10s %10s %10s %10s %10s %10s %10s %7s\n", "conc", "direct_p50", "direct_p99", "gw_p50",
              "gw_p99", "added_p50", "added_p99", "direct_rps", "gw_rps", "errors");
  for (int c : f.concurrency) {
    bench::TinyLoadResult direct = Load(f.direct_url, direct_model, "", c, f.requests);
    bench::TinyLoadResult via = Load(f.gateway_url, f.model, f.api_key, c, f.requests);
    std::printf("%6d %8.3fms %8.3fms %8.3fms %8.3fms %8.3fms %8.3fms %10.0f %10.0f %7lld\n", c,
                direct.latency_ms.p50, direct.latency_ms.p99, via.latency_ms.p50, via.latency_ms.p99,
                via.latency_ms.p50 - direct.latency_ms.p50, via.latency_ms.p99 - direct.latency_ms.p99,
                direct.requests_per_second(), via.requests_per_second(),
                static_cast<long long>(direct.errors + via.errors));
    if (!via.first_error.empty()) std::fprintf(stderr, "  gateway error: %s\n", via.first_error.c_str());
    if (!direct.first_error.empty()) std::fprintf(stderr, "  direct error: %s\n", direct.first_error.c_str());
    std::fflush(stdout);
  }
  if (f.pid <= 0 || f.soak <= 0) return;
  // The soak, in tenths with the RSS after each: it rises while the HTTP threads first run (their stacks and
  // caches) and must then stay flat.
  Result<uint64_t> rss_levels = bench::ResidentBytes(f.pid);
  if (!rss_levels.ok()) Fail(rss_levels.status());
  std::printf("gateway RSS: %.1f MiB at start, %.1f MiB after the levels; soak of %lld requests at concurrency %d:",
              Mib(rss_start), Mib(*rss_levels), static_cast<long long>(f.soak), f.soak_concurrency);
  int64_t ok = 0, errors = 0;
  double seconds = 0;
  for (int part = 0; part < 10; ++part) {
    int64_t n = f.soak * (part + 1) / 10 - f.soak * part / 10;
    if (n == 0) continue;
    bench::TinyLoadResult result = Load(f.gateway_url, f.model, f.api_key, f.soak_concurrency, n);
    ok += result.ok;
    errors += result.errors;
    seconds += result.seconds;
    Result<uint64_t> rss = bench::ResidentBytes(f.pid);
    if (!rss.ok()) Fail(NotFound("the gateway process went away"));
    std::printf(" %.1f", Mib(*rss));
    std::fflush(stdout);
  }
  std::printf(" MiB (%.0f req/s, %lld errors)\n", seconds > 0 ? static_cast<double>(ok) / seconds : 0.0,
              static_cast<long long>(errors));
}

}  // namespace

void AddBenchGatewayCommand(CLI::App* bench) {
  auto f = std::make_shared<BenchGatewayFlags>();
  auto* cmd = bench->add_subcommand(
      "gateway", "Latency the gateway adds over direct calls (tiny non-streaming chats), its throughput and memory");
  cmd->add_option("--direct", f->direct_url, "The upstream's URL, called directly (e.g. a fake upstream)")
      ->required();
  cmd->add_option("--gateway", f->gateway_url, "The gateway's URL, routing to that upstream")->required();
  cmd->add_option("-m,--model", f->model, "Model (route) sent to the gateway")->capture_default_str();
  cmd->add_option("--direct-model", f->direct_model, "Model sent to the upstream (default: --model)");
  cmd->add_option("--api-key", f->api_key, "Client key for the gateway");
  cmd->add_option("-c,--concurrency", f->concurrency, "Concurrent connections per level, comma-separated")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--requests", f->requests, "Requests per level and endpoint")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  cmd->add_option("--warmup", f->warmup, "Requests to each endpoint before the first level")->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--gateway-pid", f->pid, "The gateway's process id, to read its resident memory");
  cmd->add_option("--soak", f->soak, "With --gateway-pid: requests through the gateway after the levels, "
                                     "with its RSS read after each tenth")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--soak-concurrency", f->soak_concurrency, "Connections during the soak")->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->callback([f] { RunBenchGateway(*f); });
}

void ServeLocalModels(const std::string& config_path, const std::string& host, int port) {
  GatewayFlags flags;
  flags.config = config_path;
  flags.host = host;
  flags.port = port;
  RunGateway(flags);
}

void AddGatewayCommand(CLI::App& app) {
  auto flags = std::make_shared<GatewayFlags>();
  CLI::App* cmd = app.add_subcommand("gateway", "One OpenAI-compatible endpoint for many models and hosts "
                                                "(routes, fallback, limits); reloads on SIGHUP or file change");
  cmd->add_option("--config", flags->config, "gateway YAML file (models, routes, clients)")->required();
  cmd->add_option("--host", flags->host, "listen address (overrides listen.host)");
  cmd->add_option("--port", flags->port, "listen port (overrides listen.port; 0: any free port)");
  cmd->add_flag("--check", flags->check, "validate the config file and exit");
  cmd->add_option("--watch-interval", flags->watch_seconds, "seconds between checks of the file for changes")
      ->check(CLI::PositiveNumber);
  cmd->callback([flags] { RunGateway(*flags); });
}

}  // namespace ingot::cli
