// Range checks for SamplingParams; messages start with the OpenAI field name so the server can return them as-is.
#include "engine/sample/params.h"

#include <cmath>
#include <string>

namespace ingot::sample {
namespace {

std::string Num(double v) {
  if (std::isnan(v)) return "NaN";
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Inclusive range check that also rejects NaN (every comparison with NaN is false).
Status CheckRange(const char* field, double v, double lo, double hi) {
  if (v >= lo && v <= hi) return Status::Ok();
  return InvalidArgument(std::string(field) + ": must be between " + Num(lo) + " and " + Num(hi) + ", got " +
                         Num(v));
}

}  // namespace

Status ValidateSampling(const SamplingParams& params, int32_t n_vocab) {
  // OpenAI documents 0..2; llama-server accepts more, and so do we up to a value that is still meaningful.
  INGOT_RETURN_IF_ERROR(CheckRange("temperature", params.temperature, 0.0, 10.0));
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) {
    return InvalidArgument("top_p: must be greater than 0 and at most 1, got " + Num(params.top_p));
  }
  if (params.top_k < -1) {
    return InvalidArgument("top_k: must be a positive count, or 0 or -1 to disable it, got " +
                           std::to_string(params.top_k));
  }
  INGOT_RETURN_IF_ERROR(CheckRange("min_p", params.min_p, 0.0, 1.0));
  INGOT_RETURN_IF_ERROR(CheckRange("presence_penalty", params.presence_penalty, -2.0, 2.0));
  INGOT_RETURN_IF_ERROR(CheckRange("frequency_penalty", params.frequency_penalty, -2.0, 2.0));
  if (!(params.repeat_penalty > 0.0f && std::isfinite(params.repeat_penalty))) {
    return InvalidArgument("repeat_penalty: must be greater than 0, got " + Num(params.repeat_penalty));
  }
  if (params.repeat_last_n < -1) {
    return InvalidArgument("repeat_last_n: must be >= -1 (-1: whole context), got " +
                           std::to_string(params.repeat_last_n));
  }
  if (params.n_probs < 0 || params.n_probs > 20) {
    return InvalidArgument("top_logprobs: must be between 0 and 20, got " + std::to_string(params.n_probs));
  }
  for (const auto& [token, bias] : params.logit_bias) {
    if (token < 0 || token >= n_vocab) {
      return InvalidArgument("logit_bias: token id " + std::to_string(token) + " is outside the vocabulary (0.." +
                             std::to_string(n_vocab - 1) + ")");
    }
    INGOT_RETURN_IF_ERROR(CheckRange("logit_bias", bias, -100.0, 100.0));
  }
  return Status::Ok();
}

}  // namespace ingot::sample
