// A wider listen backlog for cpp-httplib servers. Debian's cpp-httplib 0.11 is compiled with a backlog of 5, so a
// burst of new connections (many clients connecting at once) overflows the accept queue and the dropped ones wait
// for a SYN retransmit (1 s, then 3 s). Install() before Bind() remembers the listening socket; Widen() after
// Bind() calls listen() on it again with a deeper queue (Linux then just raises the backlog).
#pragma once

#include <atomic>

namespace httplib {
class Server;
}

namespace ingot::gateway {

class ListenBacklog {
 public:
  // A deep queue for bursts; the kernel caps it at net.core.somaxconn.
  static constexpr int kBacklog = 1024;

  void Install(httplib::Server& server);
  void Widen();

 private:
  std::atomic<int> fd_{-1};
};

}  // namespace ingot::gateway
