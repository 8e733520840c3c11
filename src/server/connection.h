// Detecting that an HTTP client went away while its request is still being generated. cpp-httplib 0.11 does
// not expose the socket of a request, so we find it by its address pair (local and remote address and port
// identify one TCP connection) and peek at it: an orderly close or a reset means the client is gone.
#pragma once

#include <string>

namespace ingot::server {

class ConnectionWatch {
 public:
  // Finds the connected socket with these endpoints among the process's descriptors. Linux only; when the
  // socket cannot be found, PeerClosed() always answers false.
  ConnectionWatch(const std::string& local_addr, int local_port, const std::string& remote_addr, int remote_port);

  // True when the peer has closed or reset the connection. Never blocks; pending request bytes are not read.
  bool PeerClosed() const;
  bool found() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace ingot::server
