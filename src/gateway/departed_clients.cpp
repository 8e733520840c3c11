// DepartedClients: a map of waiting non-streaming requests, checked by the maintenance loop.
#include "gateway/departed_clients.h"

#include <httplib.h>

namespace ingot::gateway {

uint64_t DepartedClients::Add(const httplib::Request& req, const std::shared_ptr<UpstreamCall>& call, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_++;
  Entry& entry = entries_[id];
  entry.call = call;
  entry.local_addr = req.local_addr;
  entry.local_port = req.local_port;
  entry.remote_addr = req.remote_addr;
  entry.remote_port = req.remote_port;
  entry.since = now;
  return id;
}

void DepartedClients::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id);
}

void DepartedClients::CancelDeparted(double now) {
  // The lock is held while a watch finds its socket: the handler cannot return (and its connection's descriptor
  // cannot be reused) until the entry is removed.
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, entry] : entries_) {
    if (now - entry.since < kGraceSeconds) continue;
    if (!entry.watch) {
      entry.watch = std::make_unique<server::ConnectionWatch>(entry.local_addr, entry.local_port, entry.remote_addr,
                                                              entry.remote_port);
    }
    if (!entry.watch->PeerClosed()) continue;
    if (auto call = entry.call.lock()) call->Cancel();
  }
}

}  // namespace ingot::gateway
