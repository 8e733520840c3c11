// GatewayMetrics: a flat map of series → value, rendered sorted (series of one metric stay together).
#include "gateway/gateway_metrics.h"

#include <sstream>

namespace ingot::gateway {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Series(const std::string& name, const std::string& labels) { return name + "{" + labels + "}"; }

std::string Label(const std::string& key, const std::string& value) { return key + "=\"" + Escape(value) + "\""; }

constexpr double kBuckets[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
                               2.5,   5.0,   7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
constexpr size_t kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);

}  // namespace

void GatewayMetrics::Observe(const std::string& name, const std::string& model, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ObserveLocked(name, Label("model_name", model), seconds);
}

void GatewayMetrics::ObserveLocked(const std::string& name, const std::string& labels, double seconds) {
  Histogram& h = histograms_[{name, labels}];
  if (h.counts.empty()) h.counts.assign(kNumBuckets + 1, 0);
  size_t i = 0;
  while (i < kNumBuckets && seconds > kBuckets[i]) ++i;
  ++h.counts[i];
  h.sum += seconds;
  ++h.count;
}

void GatewayMetrics::RecordRequest(const std::string& route, const std::string& target, int status, double seconds,
                                   double ttft_seconds, int64_t prompt_tokens, int64_t completion_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_[Series("ingot_gateway_requests_total", Label("route", route) + "," + Label("target", target) + "," +
                                                      Label("status", std::to_string(status)))] += 1;
  if (target.empty()) return;
  std::string model = Label("model_name", target);
  counters_[Series("vllm:prompt_tokens_total", model)] += static_cast<double>(prompt_tokens);
  counters_[Series("vllm:generation_tokens_total", model)] += static_cast<double>(completion_tokens);
  ObserveLocked("vllm:e2e_request_latency_seconds", model, seconds);
  if (ttft_seconds > 0) ObserveLocked("vllm:time_to_first_token_seconds", model, ttft_seconds);
  std::string by_route = Label("route", route);
  counters_[Series("ingot_gateway_route_prompt_tokens_total", by_route)] += static_cast<double>(prompt_tokens);
  counters_[Series("ingot_gateway_route_generation_tokens_total", by_route)] += static_cast<double>(completion_tokens);
  ObserveLocked("ingot_gateway_route_request_seconds", by_route, seconds);
  if (ttft_seconds > 0) ObserveLocked("ingot_gateway_route_time_to_first_token_seconds", by_route, ttft_seconds);
}

void GatewayMetrics::CountEvent(const std::string& event, const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_[Series("ingot_gateway_" + event + "_total", Label("model_name", model))] += 1;
}

void GatewayMetrics::SetGauge(const std::string& name, const std::string& model, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[Series(name, Label("model_name", model))] = value;
}

std::string GatewayMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  std::string last;
  auto emit = [&](const std::map<std::string, double>& series, const char* type) {
    for (const auto& [key, value] : series) {
      std::string name = key.substr(0, key.find('{'));
      if (name != last) {
        out << "# TYPE " << name << " " << type << "\n";
        last = name;
      }
      out << key << " " << value << "\n";
    }
  };
  emit(counters_, "counter");
  emit(gauges_, "gauge");
  for (const auto& [key, h] : histograms_) {
    const auto& [name, label] = key;
    if (name != last) {
      out << "# TYPE " << name << " histogram\n";
      last = name;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kNumBuckets; ++i) {
      cumulative += h.counts[i];
      std::string le = i < kNumBuckets ? (std::ostringstream() << kBuckets[i]).str() : "+Inf";
      out << name << "_bucket{" << label << ",le=\"" << le << "\"} " << cumulative << "\n";
    }
    out << name << "_sum{" << label << "} " << h.sum << "\n";
    out << name << "_count{" << label << "} " << h.count << "\n";
  }
  return out.str();
}

}  // namespace ingot::gateway
