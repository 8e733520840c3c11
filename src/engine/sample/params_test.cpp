// ValidateSampling: accepted ranges and error messages that name the OpenAI field.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "engine/sample/params.h"

namespace ingot::sample {
namespace {

constexpr int32_t kVocab = 1000;

// Applies `edit` to default params and returns the validation message ("" when ok).
std::string Check(const std::function<void(SamplingParams&)>& edit) {
  SamplingParams p;
  edit(p);
  const Status st = ValidateSampling(p, kVocab);
  if (st.ok()) return "";
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  return st.message();
}

TEST(ValidateSampling, DefaultsAndEdgesAreAccepted) {
  EXPECT_EQ(Check([](SamplingParams&) {}), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.temperature = 0.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.temperature = 10.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.top_p = 1.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.top_k = 0; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.top_k = -1; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.min_p = 1.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.presence_penalty = -2.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.frequency_penalty = 2.0f; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.repeat_last_n = -1; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.n_probs = 20; }), "");
  EXPECT_EQ(Check([](SamplingParams& p) { p.logit_bias = {{0, -100.0f}, {kVocab - 1, 100.0f}}; }), "");
}

TEST(ValidateSampling, MessagesNameTheField) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::pair<std::function<void(SamplingParams&)>, std::string> cases[] = {
      {[](SamplingParams& p) { p.temperature = -0.1f; }, "temperature"},
      {[&](SamplingParams& p) { p.temperature = nan; }, "temperature"},
      {[](SamplingParams& p) { p.temperature = 10.5f; }, "temperature"},
      {[](SamplingParams& p) { p.top_p = 0.0f; }, "top_p"},
      {[](SamplingParams& p) { p.top_p = 1.01f; }, "top_p"},
      {[&](SamplingParams& p) { p.top_p = nan; }, "top_p"},
      {[](SamplingParams& p) { p.top_k = -2; }, "top_k"},
      {[](SamplingParams& p) { p.min_p = -0.01f; }, "min_p"},
      {[](SamplingParams& p) { p.min_p = 1.5f; }, "min_p"},
      {[](SamplingParams& p) { p.presence_penalty = 2.5f; }, "presence_penalty"},
      {[](SamplingParams& p) { p.frequency_penalty = -3.0f; }, "frequency_penalty"},
      {[&](SamplingParams& p) { p.frequency_penalty = nan; }, "frequency_penalty"},
      {[](SamplingParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty"},
      {[](SamplingParams& p) { p.repeat_penalty = std::numeric_limits<float>::infinity(); }, "repeat_penalty"},
      {[](SamplingParams& p) { p.repeat_last_n = -2; }, "repeat_last_n"},
      {[](SamplingParams& p) { p.n_probs = 21; }, "top_logprobs"},
      {[](SamplingParams& p) { p.n_probs = -1; }, "top_logprobs"},
      {[](SamplingParams& p) { p.logit_bias = {{kVocab, 1.0f}}; }, "logit_bias"},
      {[](SamplingParams& p) { p.logit_bias = {{-1, 1.0f}}; }, "logit_bias"},
      {[](SamplingParams& p) { p.logit_bias = {{5, 100.5f}}; }, "logit_bias"},
      {[&](SamplingParams& p) { p.logit_bias = {{5, nan}}; }, "logit_bias"},
  };
  for (const auto& [edit, field] : cases) {
    const std::string message = Check(edit);
    EXPECT_EQ(message.rfind(field + ": ", 0), 0u) << "expected '" << field << "', got '" << message << "'";
  }
}

TEST(ValidateSampling, MessageShowsTheValue) {
  EXPECT_EQ(Check([](SamplingParams& p) { p.temperature = 12.0f; }),
            "temperature: must be between 0 and 10, got 12");
  EXPECT_EQ(Check([](SamplingParams& p) { p.logit_bias = {{1000, 1.0f}}; }),
            "logit_bias: token id 1000 is outside the vocabulary (0..999)");
}

}  // namespace
}  // namespace ingot::sample
