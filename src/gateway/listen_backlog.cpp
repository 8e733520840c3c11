// ListenBacklog: the server's socket options hook keeps its defaults and notes the listening socket.
#include "gateway/listen_backlog.h"

#include <sys/socket.h>

#include <httplib.h>

namespace ingot::gateway {

void ListenBacklog::Install(httplib::Server& server) {
  server.set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    fd_ = sock;
  });
}

void ListenBacklog::Widen() {
  int fd = fd_.load();
  if (fd >= 0) listen(fd, kBacklog);
}

}  // namespace ingot::gateway
