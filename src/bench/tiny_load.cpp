// RunTinyLoad: client threads over keep-alive cpp-httplib connections, latencies gathered per thread.
#include "bench/tiny_load.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

namespace ingot::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string TinyBody(const std::string& model) {
  nlohmann::json body = {{"model", model},
                         {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                         {"max_tokens", 1},
                         {"stream", false}};
  return body.dump();
}

}  // namespace

Result<TinyLoadResult> RunTinyLoad(const TinyLoadOptions& options) {
  if (options.concurrency < 1) return InvalidArgument("concurrency must be at least 1");
  if (options.requests < 1) return InvalidArgument("requests must be at least 1");
  const std::string body = TinyBody(options.model);
  const std::string path = options.endpoint.ChatPath();
  httplib::Headers headers;
  if (!options.api_key.empty()) headers.emplace("Authorization", "Bearer " + options.api_key);
  auto timeout = std::chrono::microseconds(static_cast<int64_t>(options.timeout_s * 1e6));

  std::atomic<int64_t> next{0};
  std::mutex mu;
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(options.requests));
  TinyLoadResult result;
  auto worker = [&] {
    httplib::Client client(options.endpoint.host, options.endpoint.port);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // a request's headers and body go out as separate writes: no Nagle delay
    client.set_connection_timeout(timeout.count() / 1000000, timeout.count() % 1000000);
    client.set_read_timeout(timeout.count() / 1000000, timeout.count() % 1000000);
    std::vector<double> mine;
    int64_t errors = 0;
    std::string first_error;
    while (next.fetch_add(1) < options.requests) {
      auto start = Clock::now();
      auto res = client.Post(path.c_str(), headers, body, "application/json");
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (res && res->status == 200) {
        mine.push_back(ms);
        continue;
      }
      ++errors;
      if (first_error.empty())
        first_error = res ? "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200)
                          : httplib::to_string(res.error());
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
    result.errors += errors;
    if (result.first_error.empty()) result.first_error = first_error;
  };
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < options.concurrency; ++i) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.ok = static_cast<int64_t>(latencies.size());
  result.latency_ms = Summarize(std::move(latencies));
  return result;
}

Result<uint64_t> ResidentBytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return NotFound("no process " + std::to_string(pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return static_cast<uint64_t>(std::stoull(line.substr(6))) * 1024;
  }
  return NotFound("no VmRSS for process " + std::to_string(pid));
}

}  // namespace ingot::bench
