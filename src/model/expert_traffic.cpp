// ExpertTrafficSummary: per-token expert reads, the rest of the weights, and the dense equivalent.
#include "model/expert_traffic.h"

#include <cstdio>

#include "util/format.h"

namespace ingot::model {

std::string ExpertTrafficSummary(const Model& model) {
  const ExpertTraffic t = model.expert_traffic();
  if (t.expert_bytes == 0) return "";
  const ModelInfo& info = model.info();
  const double others = double(info.weight_bytes) - double(t.expert_bytes);  // read every step, as in a dense model
  std::string out;
  char line[512];
  if (t.decode_steps > 0) {
    const double per_token = double(t.decode_bytes) / double(t.decode_steps);
    std::snprintf(line, sizeof line,
                  "MoE decode: %s of expert weights read per token (mean of %llu steps) = %.1f%% of all experts "
                  "(%s); with the other weights %s per token vs %s for the dense equivalent (%.1f%%; active "
                  "parameters %s of %s = %.1f%%)\n",
                  FormatBytes(per_token).c_str(), static_cast<unsigned long long>(t.decode_steps),
                  100.0 * per_token / double(t.expert_bytes), FormatBytes(double(t.expert_bytes)).c_str(),
                  FormatBytes(others + per_token).c_str(), FormatBytes(double(info.weight_bytes)).c_str(),
                  100.0 * (others + per_token) / double(info.weight_bytes),
                  FormatCount(double(info.n_params_active)).c_str(), FormatCount(double(info.n_params)).c_str(),
                  100.0 * double(info.n_params_active) / double(info.n_params));
    out += line;
  }
  if (t.prefill_tokens > 0) {
    std::snprintf(line, sizeof line,
                  "MoE prefill: %s of expert weights read per token (%llu tokens; each chosen expert read once "
                  "per batch)\n",
                  FormatBytes(double(t.prefill_bytes) / double(t.prefill_tokens)).c_str(),
                  static_cast<unsigned long long>(t.prefill_tokens));
    out += line;
  }
  return out;
}

}  // namespace ingot::model
