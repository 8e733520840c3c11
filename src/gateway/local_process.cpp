// LocalProcess: posix_spawn of `ingot serve`, a readiness poll on /health, and a SIGTERM/SIGKILL stop.
#include "gateway/local_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

extern char** environ;

namespace ingot::gateway {
namespace {

// A loopback port free right now (bound to port 0, read back, released; the child binds it next).
Result<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return IoError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return IoError("cannot find a free loopback port");
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace

std::string RandomKey() {
  std::random_device device;
  std::string key;
  char hex[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(hex, sizeof(hex), "%08x", device());
    key += hex;
  }
  return key;
}

Result<std::unique_ptr<LocalProcess>> LocalProcess::Spawn(const std::string& binary, const ModelSpec& model) {
  if (!model.local) return InvalidArgument("model '" + model.name + "' is not local");
  INGOT_ASSIGN_OR_RETURN(int port, FreePort());
  std::string exe = binary.empty() ? "/proc/self/exe" : binary;
  std::vector<std::string> args = {exe, "serve", model.local->path, "--host", "127.0.0.1", "--port",
                                   std::to_string(port), "--alias", model.name};
  if (model.local->ctx > 0) args.insert(args.end(), {"--ctx-size", std::to_string(model.local->ctx)});
  args.insert(args.end(), {"--parallel", std::to_string(model.local->parallel)});
  if (model.local->threads > 0) args.insert(args.end(), {"--threads", std::to_string(model.local->threads)});
  if (!model.local->kv_type.empty()) args.insert(args.end(), {"--kv-type", model.local->kv_type});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The key goes through the environment, not the command line that every local user can read.
  std::string key = RandomKey();
  std::vector<std::string> env_strings = {"INGOT_API_KEY=" + key};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("INGOT_API_KEY=", 0) != 0) env_strings.emplace_back(*e);
  }
  std::vector<char*> env;
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), env.data());
  if (rc != 0) return Unavailable("cannot start '" + exe + "' for model '" + model.name + "'");
  return std::unique_ptr<LocalProcess>(new LocalProcess(pid, port, model.name, std::move(key)));
}

LocalProcess::~LocalProcess() { Stop(); }

Status LocalProcess::WaitReady(double timeout_seconds, const std::atomic<bool>& cancel) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    if (cancel) return Cancelled("gateway stopping");
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unavailable("the server process for '" + name_ + "' exited during loading (status " +
                         std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
    }
    auto res = client.Get("/health");
    if (res && res->status == 200) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Unavailable("model '" + name_ + "' was not ready within " + std::to_string(static_cast<int>(timeout_seconds)) +
                     " s");
}

void LocalProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {  // 5 s grace
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::optional<UpstreamSpec> LocalProcess::upstream() const {
  UpstreamSpec up;
  up.base_url = "http://127.0.0.1:" + std::to_string(port_);
  up.model = name_;
  up.api_key = key_;
  up.connect_timeout_seconds = 5;
  up.read_timeout_seconds = 3600;
  return up;
}

}  // namespace ingot::gateway
