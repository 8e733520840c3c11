// Server-side metrics and their Prometheus text rendering: llama-server compatible names (llamacpp:*) and vLLM
// compatible names (vllm:*, labelled model_name) from the engine's counters plus our own ingot_* series (requests by status, TTFT / inter-token / end-to-end latency
// histograms, queue depth, KV blocks, prefix-cache hits). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace ingot::server {

// A cumulative Prometheus histogram over fixed upper bounds (seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends # HELP / # TYPE and the _bucket/_sum/_count lines; `labels` (e.g. model_name="m") go on every line.
  void Render(const std::string& name, const std::string& help, const std::string& labels, std::string* out) const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, non-cumulative; last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class ServerMetrics {
 public:
  ServerMetrics();

  void RecordResponse(int http_status);            // every API response, by HTTP status
  void RecordFinish(const std::string& reason);    // "stop", "length", "cancelled", "timeout", "error"
  void ObserveTimeToFirstToken(double seconds);
  void ObserveInterToken(double seconds);
  void ObserveEndToEnd(double seconds);

  // The whole /metrics page. `stats` is empty while the model loads; `model_name` labels the vllm:* series.
  std::string Render(const std::optional<engine::EngineStats>& stats, const std::string& model_name) const;

 private:
  mutable std::mutex mu_;
  std::map<int, uint64_t> responses_by_status_;
  std::map<std::string, uint64_t> finished_by_reason_;
  Histogram ttft_;
  Histogram inter_token_;
  Histogram e2e_;
};

}  // namespace ingot::server
