// One streamed request's outcome (timings, token counts, error) and the aggregation of one concurrency level's
// requests into the numbers the report shows. Pure: times are passed in, so tests need no clock or socket.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/sse.h"
#include "bench/stats.h"

namespace ingot::bench {

struct RequestRecord {
  int http_status = 0;        // 0 when no response arrived (refused, reset, timed out)
  std::string error_key;      // empty on success; else the HTTP status ("429"), "transport" or "stream"
  std::string error_message;  // the server's error message or the transport/stream problem
  double ttft_s = -1;         // seconds from sending to the first chunk with content; -1 when none came
  double e2e_s = 0;           // seconds from sending to the end of the response
  std::vector<double> itl_s;  // gaps between consecutive content chunks (a chunk may hold several tokens)
  int64_t output_tokens = 0;  // usage.completion_tokens when the server sent usage, else content chunks
  int64_t prompt_tokens = 0;  // usage.prompt_tokens; 0 when not reported
  bool tokens_from_usage = false;

  bool ok() const { return error_key.empty(); }
};

// Builds a RequestRecord from the pieces of one response as they arrive. `t` arguments are seconds since the
// request was sent. A 200 response must be a well-formed event stream ending in "data: [DONE]"; anything
// else becomes an error record. Not thread-safe: one per request.
class StreamRecorder {
 public:
  void OnResponse(int http_status);
  void OnBytes(std::string_view bytes, double t);
  RequestRecord Finish(double t);
  RequestRecord FinishTransportError(std::string message, double t);

 private:
  void OnEvent(const std::string& data, double t);
  void StreamError(std::string message);

  int status_ = 0;
  SseParser parser_;
  std::vector<std::string> events_;
  std::string error_body_;  // the start of a non-200 body
  bool done_ = false;
  int64_t content_chunks_ = 0;
  std::optional<int64_t> usage_completion_;
  double last_content_t_ = -1;
  RequestRecord record_;
};

// The message inside an error body ({"error":{"message":...}}, {"error":"..."}, {"detail":...}), else the
// body's start.
std::string ErrorMessageFromBody(std::string_view body);

struct LevelReport {
  int concurrency = 0;
  int64_t requests = 0;  // sent
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;              // count by error key ("429", "transport", "stream")
  std::map<std::string, std::string> error_examples;  // the first message seen for each key
  double wall_s = 0;          // from the level's first send to its last response
  int64_t output_tokens = 0;  // successful requests only
  int64_t prompt_tokens = 0;
  std::string token_source;   // how output tokens were counted: "usage", "chunks", "mixed" or "none"
  double tokens_per_s = 0;    // aggregate generated tokens per second of wall time
  double requests_per_s = 0;  // successful requests per second of wall time
  Summary ttft_s;             // time to first token
  Summary itl_s;              // inter-token latency: gaps between content chunks, pooled over requests
  Summary tpot_s;             // per request: (end-to-end - TTFT) / (output tokens - 1)
  Summary e2e_s;              // end-to-end latency
  Summary output_tokens_per_request;
};

// Latency summaries cover successful requests only; errors are counted by key.
LevelReport AggregateLevel(int concurrency, const std::vector<RequestRecord>& records, double wall_s);

}  // namespace ingot::bench
