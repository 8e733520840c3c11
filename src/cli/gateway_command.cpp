// `ingot gateway`: loads and validates the config, serves it, reloads on SIGHUP or when the file changes, and
// stops on SIGINT/SIGTERM. `--check` validates the file and exits.
#include "cli/gateway_command.h"

#include <pthread.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cli/commands.h"
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

void RunGateway(const GatewayFlags& flags) {
  Result<gateway::GatewayConfig> config = gateway::LoadConfigFile(flags.config);
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
        (void)server.Reload(flags.config);
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
        (void)server.Reload(flags.config);
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

}  // namespace

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
