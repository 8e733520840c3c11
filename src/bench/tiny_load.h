// A closed-loop load of tiny non-streaming chat completions (max_tokens 1), for measuring what a proxy in front
// of a server adds: C client threads, each with its own keep-alive connection, send requests back to back until
// N are done, and every request's latency (send to last byte) is kept. `ingot bench gateway` runs it against an
// upstream directly and through the gateway. Also reads a process's resident memory (/proc/PID/status).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/client.h"
#include "bench/stats.h"
#include "util/status.h"

namespace ingot::bench {

struct TinyLoadOptions {
  Endpoint endpoint;
  std::string model;     // sent as `model`
  std::string api_key;   // "Authorization: Bearer KEY" when set
  int concurrency = 1;
  int64_t requests = 1000;
  double timeout_s = 30;
};

struct TinyLoadResult {
  int64_t ok = 0;
  int64_t errors = 0;          // transport errors and non-200 answers
  std::string first_error;
  double seconds = 0;          // wall time of the run
  Summary latency_ms;          // of the successful requests
  double requests_per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

Result<TinyLoadResult> RunTinyLoad(const TinyLoadOptions& options);

// VmRSS of process `pid` in bytes; not-found when the process is gone.
Result<uint64_t> ResidentBytes(int pid);

}  // namespace ingot::bench
