// Prometheus text exposition (format 0.0.4) of server and engine metrics.
#include "server/metrics.h"

#include <algorithm>
#include <cstdio>

namespace ingot::server {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

void Metric(std::string* out, const std::string& name, const char* type, const std::string& help, double value,
            const std::string& labels = "") {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name +
          (labels.empty() ? "" : "{" + labels + "}") + " " + Num(value) + "\n";
}

double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// Prometheus label values escape backslash, double quote and newline.
std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

// Latency buckets: TTFT and inter-token span milliseconds to minutes on a CPU server.
const std::vector<double> kTtftBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
const std::vector<double> kInterTokenBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
                                               0.25,  0.5,    1,     2.5,  5};
const std::vector<double> kE2eBounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& help, const std::string& labels,
                       std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string prefix = labels.empty() ? "" : labels + ",";
  const std::string plain = labels.empty() ? "" : "{" + labels + "}";
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    *out += name + "_bucket{" + prefix + "le=\"" + Num(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  *out += name + "_sum" + plain + " " + Num(sum_) + "\n" + name + "_count" + plain + " " + std::to_string(count_) + "\n";
}

ServerMetrics::ServerMetrics() : ttft_(kTtftBounds), inter_token_(kInterTokenBounds), e2e_(kE2eBounds) {}

void ServerMetrics::RecordResponse(int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++responses_by_status_[http_status];
}

void ServerMetrics::RecordFinish(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++finished_by_reason_[reason];
}

void ServerMetrics::ObserveTimeToFirstToken(double seconds) { ttft_.Observe(seconds); }
void ServerMetrics::ObserveInterToken(double seconds) { inter_token_.Observe(seconds); }
void ServerMetrics::ObserveEndToEnd(double seconds) { e2e_.Observe(seconds); }

std::string ServerMetrics::Render(const std::optional<engine::EngineStats>& stats,
                                  const std::string& model_name) const {
  std::string out;
  const std::string label = "model_name=\"" + EscapeLabel(model_name) + "\"";
  if (stats) {
    const engine::EngineStats& s = *stats;
    double prompt_s = s.prompt_seconds_total_us / 1e6;
    double decode_s = s.decode_seconds_total_us / 1e6;
    Metric(&out, "llamacpp:prompt_tokens_total", "counter", "Number of prompt tokens processed.",
           static_cast<double>(s.prompt_tokens_total));
    Metric(&out, "llamacpp:prompt_seconds_total", "counter", "Prompt processing time.", prompt_s);
    Metric(&out, "llamacpp:tokens_predicted_total", "counter", "Number of generation tokens processed.",
           static_cast<double>(s.generated_tokens_total));
    Metric(&out, "llamacpp:tokens_predicted_seconds_total", "counter", "Generation time.", decode_s);
    Metric(&out, "llamacpp:prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
           Ratio(static_cast<double>(s.prompt_tokens_total), prompt_s));
    Metric(&out, "llamacpp:predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
           Ratio(static_cast<double>(s.generated_tokens_total), decode_s));
    Metric(&out, "llamacpp:requests_processing", "gauge", "Number of requests processing.", s.requests_running);
    Metric(&out, "llamacpp:requests_deferred", "gauge", "Number of requests deferred.", s.requests_waiting);
    Metric(&out, "llamacpp:n_decode_total", "counter", "Total number of forward passes.",
           static_cast<double>(s.steps_total));
    Metric(&out, "llamacpp:n_busy_slots_per_decode", "gauge", "Average number of busy slots per forward pass.",
           Ratio(static_cast<double>(s.busy_slots_sum), static_cast<double>(s.steps_total)));
    Metric(&out, "ingot_queue_depth", "gauge", "Requests waiting for admission.", s.requests_waiting);
    Metric(&out, "ingot_requests_running", "gauge", "Sequences in the running batch.", s.requests_running);
    Metric(&out, "ingot_kv_blocks_used", "gauge", "KV cache blocks in use.", static_cast<double>(s.kv_blocks_used));
    Metric(&out, "ingot_kv_blocks_total", "gauge", "KV cache blocks in the pool.",
           static_cast<double>(s.kv_blocks_total));
    Metric(&out, "ingot_kv_cache_usage_ratio", "gauge", "Fraction of KV blocks in use (0-1).",
           Ratio(static_cast<double>(s.kv_blocks_used), static_cast<double>(s.kv_blocks_total)));
    Metric(&out, "ingot_prefix_cache_queries_tokens_total", "counter", "Prompt tokens looked up in the prefix cache.",
           static_cast<double>(s.prefix_cache_queries_tokens));
    Metric(&out, "ingot_prefix_cache_hits_tokens_total", "counter", "Prompt tokens served from the prefix cache.",
           static_cast<double>(s.prefix_cache_hits_tokens));
    Metric(&out, "ingot_preemptions_total", "counter", "Sequences preempted for lack of KV blocks.",
           static_cast<double>(s.preemptions_total));
    Metric(&out, "ingot_generation_tokens_per_second", "gauge", "Average decode throughput in tokens/s.",
           Ratio(static_cast<double>(s.generated_tokens_total), decode_s));
    Metric(&out, "vllm:num_requests_running", "gauge", "Requests in the running batch.", s.requests_running, label);
    Metric(&out, "vllm:num_requests_waiting", "gauge", "Requests waiting.", s.requests_waiting, label);
    Metric(&out, "vllm:kv_cache_usage_perc", "gauge", "KV cache usage (0-1).",
           Ratio(static_cast<double>(s.kv_blocks_used), static_cast<double>(s.kv_blocks_total)), label);
    Metric(&out, "vllm:prompt_tokens_total", "counter", "Prompt tokens processed.",
           static_cast<double>(s.prompt_tokens_total), label);
    Metric(&out, "vllm:generation_tokens_total", "counter", "Generated tokens.",
           static_cast<double>(s.generated_tokens_total), label);
    Metric(&out, "vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in tokens.",
           static_cast<double>(s.prefix_cache_queries_tokens), label);
    Metric(&out, "vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in tokens.",
           static_cast<double>(s.prefix_cache_hits_tokens), label);
    Metric(&out, "vllm:num_preemptions_total", "counter", "Preemptions.", static_cast<double>(s.preemptions_total), label);
  }
  std::lock_guard<std::mutex> lock(mu_);
  out += "# HELP ingot_requests_total API responses by HTTP status.\n# TYPE ingot_requests_total counter\n";
  for (const auto& [status, count] : responses_by_status_) {
    out += "ingot_requests_total{status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  out += "# HELP ingot_requests_finished_total Generations by finish reason.\n"
         "# TYPE ingot_requests_finished_total counter\n";
  for (const auto& [reason, count] : finished_by_reason_) {
    out += "ingot_requests_finished_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
  }
  ttft_.Render("ingot_time_to_first_token_seconds", "Time from request arrival to the first token.", "", &out);
  inter_token_.Render("ingot_inter_token_latency_seconds", "Time between consecutive tokens.", "", &out);
  e2e_.Render("ingot_e2e_request_latency_seconds", "Time from request arrival to the last token.", "", &out);
  ttft_.Render("vllm:time_to_first_token_seconds", "Time to first token.", label, &out);
  inter_token_.Render("vllm:inter_token_latency_seconds", "Inter-token latency.", label, &out);
  e2e_.Render("vllm:e2e_request_latency_seconds", "End-to-end request latency.", label, &out);
  return out;
}

}  // namespace ingot::server
