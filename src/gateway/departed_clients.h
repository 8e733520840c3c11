// Notices clients that leave while a non-streaming request waits for its upstream (a stream notices on its next
// write). cpp-httplib gives a handler no signal for that, so a request still waiting after kGraceSeconds gets a
// server::ConnectionWatch (found by address pair: too costly for every request) and the gateway's maintenance
// loop peeks at its socket, cancelling the upstream call of a client that is gone. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/upstream_call.h"
#include "server/connection.h"

namespace httplib {
struct Request;
}

namespace ingot::gateway {

class DepartedClients {
 public:
  static constexpr double kGraceSeconds = 1.0;

  // Watches the client of `req` while `call` runs; remove it before the handler returns.
  uint64_t Add(const httplib::Request& req, const std::shared_ptr<UpstreamCall>& call, double now);
  void Remove(uint64_t id);
  // Cancels the calls of clients that closed their connection.
  void CancelDeparted(double now);

 private:
  struct Entry {
    std::weak_ptr<UpstreamCall> call;
    std::string local_addr, remote_addr;
    int local_port = 0, remote_port = 0;
    double since = 0;
    std::unique_ptr<server::ConnectionWatch> watch;  // made once the grace time passed
  };
  std::mutex mu_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_ = 1;
};

}  // namespace ingot::gateway
