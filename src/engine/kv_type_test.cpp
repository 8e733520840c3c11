// --kv-type: a Q8_0 cache takes about half the memory of an F16 one and keeps greedy output past the sliding
// window equal to llama.cpp's (gemma3-f32's margins, >= 0.028, exceed what 8-bit K/V change); head sizes that
// are not multiples of 32 and unknown names are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "engine/load.h"

namespace ingot::engine {
namespace {

const std::string kShared = INGOT_SHARED_DIR;

Result<std::unique_ptr<Engine>> Make(const std::string& stem, const std::string& kv_type) {
  EngineOptions o;
  o.model_path = kShared + "/models/" + stem + ".gguf";
  o.n_ctx = 1024;
  o.n_parallel = 2;
  o.n_threads = 2;
  o.kv_type = kv_type;
  return LoadEngine(o);
}

TEST(KvTypeTest, Q8_0CacheHalvesMemoryAndKeepsGreedyTokens) {
  std::ifstream in(kShared + "/golden/gemma3-f32.json");
  ASSERT_TRUE(in.good()) << "missing " << kShared << "/golden";
  const auto e = nlohmann::json::parse(in)["long_entry"];
  auto q8 = Make("gemma3-f32", "q8_0");
  auto f16 = Make("gemma3-f32", "f16");
  ASSERT_TRUE(q8.ok() && f16.ok()) << q8.status().ToString() << " " << f16.status().ToString();
  EXPECT_EQ((*q8)->summary().kv_bytes * 64, (*f16)->summary().kv_bytes * 34);  // 34 bytes per 32 values
  GenerateRequest r;
  r.prompt = e["prompt_tokens"].get<std::vector<int32_t>>();
  r.max_tokens = 160;
  r.ignore_eos = true;
  r.sampling.temperature = 0.0f;
  auto tokens = std::make_shared<std::vector<int32_t>>();
  std::promise<FinishEvent> done;
  auto id = (*q8)->Submit(
      r, [tokens](const TokenEvent& ev) { tokens->push_back(ev.token); return true; },
      [&done](const FinishEvent& ev) { done.set_value(ev); });
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  done.get_future().get();
  EXPECT_EQ(*tokens, e["generated_tokens"].get<std::vector<int32_t>>());
}

TEST(KvTypeTest, RefusesWhatQ8_0CannotHoldAndUnknownTypes) {
  EXPECT_EQ(Make("stories260K", "q8_0").status().code(), Code::kInvalidArgument);  // head size 8
  EXPECT_EQ(Make("gemma3-f32", "q4_1").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Make("stories260K", "f32").ok());
}

}  // namespace
}  // namespace ingot::engine
