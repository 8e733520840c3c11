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

}  // namespace

void GatewayMetrics::RecordRequest(const std::string& route, const std::string& target, int status, double seconds,
                                   double ttft_seconds, int64_t prompt_tokens, int64_t completion_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string model = Label("model_name", target);
  counters_[Series("ingot_gateway_requests_total",
                   Label("route", route) + "," + Label("target", target) + "," + Label("status", std::to_string(status)))] += 1;
  if (target.empty()) return;
  counters_[Series("vllm:e2e_request_latency_seconds_sum", model)] += seconds;
  counters_[Series("vllm:e2e_request_latency_seconds_count", model)] += 1;
  if (ttft_seconds > 0) {
    counters_[Series("vllm:time_to_first_token_seconds_sum", model)] += ttft_seconds;
    counters_[Series("vllm:time_to_first_token_seconds_count", model)] += 1;
  }
  counters_[Series("vllm:prompt_tokens_total", model)] += static_cast<double>(prompt_tokens);
  counters_[Series("vllm:generation_tokens_total", model)] += static_cast<double>(completion_tokens);
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
  return out.str();
}

}  // namespace ingot::gateway
