// UpstreamPool: per-upstream stacks of idle cpp-httplib clients with keep-alive on.
#include "gateway/upstream_pool.h"

#include <httplib.h>

#include <algorithm>

namespace ingot::gateway {
namespace {

std::chrono::microseconds Micros(double seconds) {
  return std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

void SetTimeouts(httplib::Client& client, double connect_seconds, double read_seconds) {
  auto connect = Micros(connect_seconds);
  auto read = Micros(read_seconds);
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(connect).count(),
                                connect.count() % 1000000);
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(read).count(), read.count() % 1000000);
}

}  // namespace

void SplitBaseUrl(const std::string& base_url, std::string& origin, std::string& prefix) {
  size_t scheme = base_url.find("://");
  size_t slash = base_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  origin = base_url.substr(0, slash);
  prefix = slash == std::string::npos ? "" : base_url.substr(slash);
  if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0) prefix.resize(prefix.size() - 3);
}

std::unique_ptr<httplib::Client> NewClient(const UpstreamSpec& upstream, double max_timeout_seconds) {
  std::string origin, prefix;
  SplitBaseUrl(upstream.base_url, origin, prefix);
  auto client = std::make_unique<httplib::Client>(origin);
  double connect = upstream.connect_timeout_seconds, read = upstream.read_timeout_seconds;
  if (max_timeout_seconds > 0) {
    connect = std::min(connect, max_timeout_seconds);
    read = std::min(read, max_timeout_seconds);
  }
  SetTimeouts(*client, connect, read);
  return client;
}

UpstreamPool::UpstreamPool() = default;
UpstreamPool::~UpstreamPool() = default;

std::string UpstreamPool::Key(const UpstreamSpec& upstream) {
  return upstream.base_url + " " + std::to_string(upstream.connect_timeout_seconds) + " " +
         std::to_string(upstream.read_timeout_seconds);
}

std::unique_ptr<httplib::Client> UpstreamPool::Take(const UpstreamSpec& upstream, bool& reused) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(Key(upstream));
    if (it != idle_.end()) {
      std::deque<Idle>& stack = it->second;
      while (!stack.empty()) {
        Idle entry = std::move(stack.back());
        stack.pop_back();
        if (std::chrono::duration<double>(now - entry.since).count() <= kIdleSeconds) {
          reused = true;
          return std::move(entry.client);
        }
        stack.clear();  // everything below is older still
      }
    }
  }
  reused = false;
  auto client = NewClient(upstream);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // headers and body are separate writes: Nagle would hold the second back
  return client;
}

void UpstreamPool::Give(const UpstreamSpec& upstream, std::unique_ptr<httplib::Client> client) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<Idle>& stack = idle_[Key(upstream)];
  while (!stack.empty() && std::chrono::duration<double>(now - stack.front().since).count() > kIdleSeconds)
    stack.pop_front();
  if (stack.size() >= kMaxIdle) return;
  stack.push_back({std::move(client), now});
}

void UpstreamPool::Drop(const UpstreamSpec& upstream) {
  std::deque<Idle> closing;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(Key(upstream));
  if (it != idle_.end()) closing.swap(it->second);
}

void UpstreamPool::DropAll() {
  std::map<std::string, std::deque<Idle>> closing;
  std::lock_guard<std::mutex> lock(mu_);
  closing.swap(idle_);
}

size_t UpstreamPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, stack] : idle_) n += stack.size();
  return n;
}

}  // namespace ingot::gateway
