// Engine tests on the real stories260K model: greedy output equals llama.cpp's, concurrency does not change
// results, the prefix cache is used, preemption under KV pressure is transparent, cancellation frees blocks,
// bad requests are refused with the right codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/load.h"
#include "tokenizer/tokenizer.h"

namespace ingot::engine {
namespace {

const std::string kShared = INGOT_SHARED_DIR;
const std::string kModel = kShared + "/models/stories260K.gguf";

std::unique_ptr<Engine> MakeEngine(int32_t n_ctx = 1024, int32_t n_parallel = 4, int32_t max_queue = 64,
                                   const std::string& pooling = "mean") {
  EXPECT_TRUE(std::filesystem::exists(kModel)) << "missing " << kModel << ": ../shared must sit beside the repo";
  EngineOptions o;
  o.model_path = kModel;
  o.n_ctx = n_ctx;
  o.n_parallel = n_parallel;
  o.n_threads = 2;
  o.max_queue = max_queue;
  o.pooling = pooling;
  auto e = LoadEngine(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

struct Outcome {
  std::vector<int32_t> tokens;
  std::string text;
  FinishEvent finish;
};

// Submits and returns a future for the outcome.
std::future<Outcome> Start(Engine& e, std::vector<int32_t> prompt, int32_t max_tokens,
                           std::function<bool(int)> keep_going = nullptr) {
  auto out = std::make_shared<Outcome>();
  auto done = std::make_shared<std::promise<Outcome>>();
  GenerateRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = max_tokens;
  r.sampling.temperature = 0.0f;
  auto id = e.Submit(
      std::move(r),
      [out, keep_going](const TokenEvent& ev) {
        out->tokens.push_back(ev.token);
        out->text += ev.text;
        return keep_going ? keep_going(int(out->tokens.size())) : true;
      },
      [out, done](const FinishEvent& ev) {
        out->finish = ev;
        out->text += ev.text;
        done->set_value(*out);
      });
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return done->get_future();
}

nlohmann::json Golden() {
  std::ifstream in(kShared + "/golden/stories260K.json");
  EXPECT_TRUE(in.good()) << "missing golden file";
  return nlohmann::json::parse(in);
}

TEST(EngineTest, GreedyMatchesLlamaCpp) {
  auto e = MakeEngine();
  ASSERT_TRUE(e);
  for (const auto& entry : Golden()["entries"]) {
    auto prompt = entry["prompt_tokens"].get<std::vector<int32_t>>();
    auto want = entry["generated_tokens"].get<std::vector<int32_t>>();
    Outcome o = Start(*e, prompt, int32_t(want.size())).get();
    EXPECT_EQ(o.tokens, want) << entry["prompt"];
    EXPECT_EQ(o.text, entry["generated_text"].get<std::string>());
    EXPECT_EQ(o.finish.reason, FinishReason::kLength);
    EXPECT_EQ(o.finish.prompt_tokens, int32_t(prompt.size()));
  }
}

TEST(EngineTest, ConcurrentEqualsSequential) {
  auto e = MakeEngine(2048, 16);
  ASSERT_TRUE(e);
  const auto& tk = e->tokenizer();
  std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Lily and Tom went", "One day, a bird",
                                      "The sun was", "Tim had a red ball", "She saw a", "They played"};
  std::vector<Outcome> sequential;
  for (const auto& p : prompts) sequential.push_back(Start(*e, tk.Encode(p, true, false), 24).get());
  for (int clients : {4, 16}) {
    std::vector<std::future<Outcome>> futures;
    for (int i = 0; i < clients; ++i) {
      futures.push_back(Start(*e, tk.Encode(prompts[size_t(i) % prompts.size()], true, false), 24));
    }
    for (int i = 0; i < clients; ++i) {
      EXPECT_EQ(futures[size_t(i)].get().tokens, sequential[size_t(i) % prompts.size()].tokens)
          << clients << " clients, request " << i;
    }
  }
}

TEST(EngineTest, PrefixCacheReusesBlocks) {
  auto e = MakeEngine();
  ASSERT_TRUE(e);
  auto prompt = e->tokenizer().Encode(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", true, false);
  ASSERT_GT(prompt.size(), 20u);
  Outcome first = Start(*e, prompt, 8).get();
  Outcome second = Start(*e, prompt, 8).get();
  EXPECT_EQ(first.finish.cached_tokens, 0);
  EXPECT_GE(second.finish.cached_tokens, 16);
  EXPECT_EQ(first.tokens, second.tokens);
  EXPECT_GT(e->GetStats().prefix_cache_hits_tokens, 0u);
}

TEST(EngineTest, PreemptionUnderKvPressureKeepsResults) {
  auto big = MakeEngine(2048, 4);
  auto small = MakeEngine(96, 4);  // 6 blocks of 16 tokens for 4 sequences of ~45 tokens each
  ASSERT_TRUE(big && small);
  const auto& tk = big->tokenizer();
  std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Lily and Tom went", "One day, a bird"};
  std::vector<std::future<Outcome>> a, b;
  for (const auto& p : prompts) a.push_back(Start(*big, tk.Encode(p, true, false), 40));
  // The small engine's first token waits until all four are submitted, so they always compete for blocks (a
  // descheduled test thread would otherwise let them run one after another).
  std::latch all_submitted(1);
  auto wait_for_all = [&all_submitted](int) {
    all_submitted.wait();
    return true;
  };
  for (const auto& p : prompts) b.push_back(Start(*small, tk.Encode(p, true, false), 40, wait_for_all));
  all_submitted.count_down();
  for (size_t i = 0; i < prompts.size(); ++i) {
    Outcome want = a[i].get(), got = b[i].get();
    EXPECT_EQ(want.tokens, got.tokens) << prompts[i] << ": " << FinishReasonName(got.finish.reason) << " "
                                       << got.finish.status.ToString();
  }
  EXPECT_GT(small->GetStats().preemptions_total, 0u);
}

TEST(EngineTest, CancellationFreesBlocks) {
  auto e = MakeEngine();
  ASSERT_TRUE(e);
  Outcome o = Start(*e, e->tokenizer().Encode("Once upon a time", true, false), 200, [](int n) { return n < 3; }).get();
  EXPECT_EQ(o.finish.reason, FinishReason::kCancelled);
  EXPECT_EQ(o.tokens.size(), 3u);
  for (int i = 0; i < 100 && e->GetStats().kv_blocks_used != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(e->GetStats().kv_blocks_used, 0);
}

TEST(EngineTest, RefusesBadRequests) {
  auto e = MakeEngine(64, 1, 1);
  ASSERT_TRUE(e);
  GenerateRequest r;
  r.prompt = std::vector<int32_t>(100, 300);
  auto long_prompt = e->Submit(r, [](const TokenEvent&) { return true; }, [](const FinishEvent&) {});
  EXPECT_EQ(long_prompt.status().code(), Code::kResourceExhausted);
  r.prompt = {1, 100000};
  EXPECT_EQ(e->Submit(r, [](const TokenEvent&) { return true; }, [](const FinishEvent&) {}).status().code(),
            Code::kInvalidArgument);
  r.prompt = {1, 2};
  r.sampling.top_p = 7;
  EXPECT_EQ(e->Submit(r, [](const TokenEvent&) { return true; }, [](const FinishEvent&) {}).status().code(),
            Code::kInvalidArgument);
}

TEST(EngineTest, EmbeddingIsNormalizedForEachPooling) {
  std::vector<std::vector<float>> results;
  for (const char* pooling : {"mean", "last"}) {
    auto e = MakeEngine(1024, 4, 64, pooling);
    ASSERT_TRUE(e);
    auto v = e->Embed(e->tokenizer().Encode("hello world", true, false));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    double n = 0;
    for (float x : *v) n += double(x) * x;
    EXPECT_NEAR(n, 1.0, 1e-4) << pooling;
    results.push_back(*v);
  }
  EXPECT_NE(results[0], results[1]);
  EngineOptions bad;
  bad.model_path = kModel;
  bad.pooling = "max";
  EXPECT_EQ(LoadEngine(bad).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace ingot::engine
