// Gateway counters and gauges rendered in the Prometheus text format, with the vLLM-style `model_name` label
// (and `route`, `target`, `status` where they apply) so that existing dashboards can read them. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ingot::gateway {

class GatewayMetrics {
 public:
  // One finished request: ingot_gateway_requests_total{route,target,status}; per target the e2e latency and
  // TTFT histograms and token counters under the vllm: names; per route the same as ingot_gateway_route_*.
  void RecordRequest(const std::string& route, const std::string& target, int status, double seconds,
                     double ttft_seconds, int64_t prompt_tokens, int64_t completion_tokens);
  // Adds an observation to the histogram `name`{model_name} (buckets from 1 ms to 2560 s, as vLLM's TTFT).
  void Observe(const std::string& name, const std::string& model, double seconds);
  // A router event ("fallback", "circuit_open", "load", ...) on a model.
  void CountEvent(const std::string& event, const std::string& model);
  // Gauges are written by the caller before rendering.
  void SetGauge(const std::string& name, const std::string& model, double value);
  std::string Render() const;

 private:
  void ObserveLocked(const std::string& name, const std::string& labels, double seconds);

  mutable std::mutex mu_;
  std::map<std::string, double> counters_;  // full series text ("name{labels}") → value
  std::map<std::string, double> gauges_;
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket (not cumulative), plus +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  std::map<std::pair<std::string, std::string>, Histogram> histograms_;  // (name, label text)
};

}  // namespace ingot::gateway
