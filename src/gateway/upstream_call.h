// One request to an OpenAI-compatible upstream over a pooled keep-alive connection. A streamed call runs on its
// own thread so that the HTTP front can decide what to do once the status line arrives (fall back before the
// first byte, or stream the body through) and cancel it when the client goes away (the upstream connection is
// then closed); a non-streamed call runs on the caller's thread. A reused connection that fails before any
// answer (the upstream closed it while idle) is retried once on a new one.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/config.h"
#include "gateway/upstream_pool.h"

namespace httplib {
class Client;
}

namespace ingot::gateway {

// GET <server root><health_path>: true when the upstream answers below 500 within its timeouts (at most 5 s).
// With health_completion, a chat completion of one token for upstream.model (else `model`) must answer 200.
bool ProbeUpstream(const UpstreamSpec& upstream, const std::string& model);

class UpstreamCall {
 public:
  // Prepares POST <base_url><path> with `body` (JSON). The upstream's API key, when set, is sent as a bearer
  // token. Nothing is sent before Start() or RunHere().
  UpstreamCall(UpstreamPool& pool, const UpstreamSpec& upstream, const std::string& path, std::string body);
  ~UpstreamCall();  // cancels and joins
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  void Start();    // on a thread of its own (streams)
  void RunHere();  // on this thread: returns when the whole answer is in or the call failed

  // Blocks until the status line arrived or the call failed. Returns the HTTP status, or 0 when no response came
  // (connect error, timeout; see error()).
  int WaitForHeaders();
  // Blocks until the next body chunk; false at the end of the body (check error() for a broken stream).
  bool NextChunk(std::string& chunk);
  // The whole body (after WaitForHeaders).
  std::string ReadAll();
  // Asks the upstream request to stop; the connection is closed at the next chunk.
  void Cancel();

  std::string content_type() const;
  std::string error() const;  // empty when the call completed
  bool cancelled() const;     // Cancel() was called

 private:
  void Run();
  // One attempt on `client`; sets `error` when it failed, and returns false when it failed before any answer
  // came in a way that a stale keep-alive connection explains (read or write error).
  bool Send(httplib::Client& client, std::string& error);

  UpstreamPool& pool_;
  UpstreamSpec upstream_;
  std::string path_;
  std::string body_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool headers_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  int status_ = 0;
  std::string content_type_;
  std::string error_;
  std::deque<std::string> chunks_;
  httplib::Client* client_ = nullptr;  // while the request runs; stop() closes its socket
  std::thread thread_;
};

}  // namespace ingot::gateway
