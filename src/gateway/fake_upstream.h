// A scriptable OpenAI-compatible upstream for gateway tests: answers chat/completions/embeddings with canned
// content naming itself, streams a set number of SSE chunks, and can be told to fail with a status, delay its
// answer, or break a stream off. Records what it received and whether a stream's client went away. Loopback only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/listen_backlog.h"
#include "util/status.h"

namespace httplib {
class Server;
}

namespace ingot::gateway {

struct FakeBehaviour {
  std::string name = "fake";        // appears in the content it returns
  int fail_status = 0;              // > 0: every request gets this status and an error body
  double delay_seconds = 0;         // before the status line
  int stream_chunks = 3;            // content chunks in a stream (then [DONE])
  double chunk_delay_seconds = 0;   // between chunks
  int break_after_chunks = -1;      // >= 0: close the connection after this many chunks, without [DONE]
};

struct FakeRequest {
  std::string path;
  nlohmann::json body;
  std::string authorization;
};

class FakeUpstream {
 public:
  explicit FakeUpstream(FakeBehaviour behaviour);
  ~FakeUpstream();  // stops and joins

  // Listens on 127.0.0.1 (port 0: any free port) with `threads` connection threads on a background thread;
  // returns the port.
  Result<int> Start(int port = 0, int threads = 8);
  void Stop();
  std::string base_url() const;

  void SetBehaviour(FakeBehaviour behaviour);
  std::vector<FakeRequest> requests() const;  // the last kMaxRecorded
  static constexpr size_t kMaxRecorded = 1000;
  int cancelled_streams() const;  // streams whose client went away before the end
  int completed_streams() const;

 private:
  void Handle(const std::string& path, const std::string& body, const std::string& auth, void* response);

  mutable std::mutex mu_;
  FakeBehaviour behaviour_;
  std::vector<FakeRequest> requests_;
  int cancelled_ = 0;
  int completed_ = 0;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  ListenBacklog backlog_;
  std::thread thread_;
};

}  // namespace ingot::gateway
