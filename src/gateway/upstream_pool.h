// Keep-alive connections to upstreams, reused across requests: a request takes an idle client for its upstream
// (or a new one), and gives it back when the answer was read to the end. A connection idle for longer than
// kIdleSeconds is closed instead of reused, so that it is not reused just as the upstream times it out.
// Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/config.h"

namespace httplib {
class Client;
}

namespace ingot::gateway {

class UpstreamPool {
 public:
  // Below the 5 s keep-alive timeout of cpp-httplib servers (ingot serve, the fake upstream) and llama-server.
  static constexpr double kIdleSeconds = 2.0;
  // Idle connections kept per upstream; more than this many concurrent requests open and close their own.
  static constexpr size_t kMaxIdle = 512;

  UpstreamPool();
  ~UpstreamPool();

  // An idle keep-alive client for the upstream's origin and timeouts, or a new one (`reused` says which).
  std::unique_ptr<httplib::Client> Take(const UpstreamSpec& upstream, bool& reused);
  // Returns a client whose last answer was read completely.
  void Give(const UpstreamSpec& upstream, std::unique_ptr<httplib::Client> client);
  // Closes the idle connections to `upstream` (before it stops: its server would otherwise wait for them), or to
  // every upstream.
  void Drop(const UpstreamSpec& upstream);
  void DropAll();
  size_t idle() const;

 private:
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    std::chrono::steady_clock::time_point since;
  };
  static std::string Key(const UpstreamSpec& upstream);

  mutable std::mutex mu_;
  std::map<std::string, std::deque<Idle>> idle_;  // newest at the back
};

// "http://h:p/v1" → ("http://h:p", ""); "http://h:p/api" → ("http://h:p", "/api"). Request paths start with /v1.
void SplitBaseUrl(const std::string& base_url, std::string& origin, std::string& prefix);

// A client for the upstream's origin with its connect and read timeouts.
std::unique_ptr<httplib::Client> NewClient(const UpstreamSpec& upstream, double max_timeout_seconds = 0);

}  // namespace ingot::gateway
