// Sliding-window KV: sliding layers keep only their window (own block pool, blocks released as they leave it).
// The model reads nothing outside the window even in a batched prefill longer than it; the engine's greedy output
// past the window, with chunked prefill, preemption and the prefix cache, equals llama.cpp's; long contexts
// reserve a fraction of the KV memory a full cache would, as the memory planner counts it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "engine/kv/kv_pools.h"
#include "engine/load.h"
#include "model/model.h"
#include "store/planner.h"

namespace ingot::engine {
namespace {

const std::string kShared = INGOT_SHARED_DIR;

std::string ModelPath(const std::string& stem) { return kShared + "/models/" + stem + ".gguf"; }

nlohmann::json LongEntry(const std::string& stem) {
  std::ifstream in(kShared + "/golden/" + stem + ".json");
  EXPECT_TRUE(in.good()) << "missing " << kShared << "/golden: the shared test assets must sit beside the repo";
  return nlohmann::json::parse(in)["long_entry"];
}

struct Loaded {
  std::shared_ptr<const gguf::File> file;
  std::unique_ptr<model::Model> model;
};

Loaded LoadModel(ThreadPool& pool, const std::string& stem) {
  Loaded l;
  auto f = gguf::File::Open(ModelPath(stem));
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return l;
  l.file = std::shared_ptr<const gguf::File>(std::move(f).value());
  auto m = model::LoadModel(l.file, pool);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) l.model = std::move(m).value();
  return l;
}

// Fills a released sliding block with f16 NaNs: reading it by mistake turns logits into NaN.
void Poison(model::KvStore& kv, int32_t block) {
  for (int32_t il = 0; il < int32_t(kv.n_layers()); ++il) {
    if (!kv.sliding(il)) continue;
    const model::KvLayerShape& l = kv.layer(il);
    for (int32_t slot = 0; slot < kv.block_size(); ++slot) {
      std::fill_n(reinterpret_cast<uint16_t*>(kv.KSlot(il, block, slot)), l.n_kv_head * l.head_dim_k, 0x7e00);
      std::fill_n(reinterpret_cast<uint16_t*>(kv.VSlot(il, block, slot)), l.n_kv_head * l.head_dim_v, 0x7e00);
    }
  }
}

// Logits of every position of `seq` from `first` on: one batch over a single pool (the reference) or chunks over
// two pools where the sliding table only holds the blocks of the current window (released ids are -1 and are
// handed out again, last released first, and poisoned until then).
std::vector<float> RunChunks(model::Model& m, const std::vector<int32_t>& seq, size_t first, int32_t chunk) {
  const int32_t bs = kKvBlockSize;
  const int32_t n = int32_t(seq.size());
  const int32_t n_blocks = (n + bs - 1) / bs;
  const int32_t window = m.info().kv.MaxWindow();
  const KvPools pools = PlanKvPools(m.info().kv, DType::kF16, n, 1, chunk > 0 ? chunk : n);
  model::KvStore kv(m.info().kv, DType::kF16, n_blocks, bs,
                    chunk > 0 ? std::optional<int32_t>(pools.n_swa_blocks) : std::nullopt);
  std::vector<int32_t> table;
  for (int32_t i = 0; i < n_blocks; ++i) table.push_back(n_blocks - 1 - i);
  std::vector<int32_t> swa, free_swa;
  for (int32_t i = 0; i < pools.n_swa_blocks; ++i) free_swa.push_back(i);
  std::vector<float> out, logits;
  const int32_t step = chunk > 0 ? chunk : n;
  for (int32_t start = 0; start < n; start += step) {
    const int32_t end = std::min(n, start + step);
    while (int32_t(swa.size()) * bs < end) {
      EXPECT_FALSE(free_swa.empty()) << "the sliding pool ran dry";
      if (free_swa.empty()) return out;
      swa.push_back(free_swa.back());
      free_swa.pop_back();
    }
    model::Batch b;
    b.block_tables = {table.data()};
    if (chunk > 0) b.swa_block_tables = {swa.data()};
    for (int32_t i = start; i < end; ++i) b.tokens.push_back({seq[size_t(i)], i, 0, size_t(i) >= first});
    EXPECT_TRUE(m.Forward(b, kv, logits).ok());
    out.insert(out.end(), logits.begin(), logits.end());
    for (int32_t i = 0; i < FirstWindowBlock(end, window, bs); ++i) {
      if (swa[size_t(i)] < 0) continue;
      Poison(kv, swa[size_t(i)]);
      free_swa.push_back(swa[size_t(i)]);
      swa[size_t(i)] = -1;
    }
  }
  return out;
}

TEST(SlidingWindowTest, ModelReadsOnlyTheWindowInBatchedPrefill) {
  ThreadPool pool(2);
  for (const std::string stem : {"gemma3-f32", "gemma4-soft-f32"}) {
    Loaded l = LoadModel(pool, stem);
    ASSERT_TRUE(l.model);
    ASSERT_EQ(l.model->info().kv.MaxWindow(), 64);
    const auto e = LongEntry(stem);
    std::vector<int32_t> seq = e["prompt_tokens"].get<std::vector<int32_t>>();
    const size_t n_prompt = seq.size();
    const auto gen = e["generated_tokens"].get<std::vector<int32_t>>();
    seq.insert(seq.end(), gen.begin(), gen.end() - 1);
    const std::vector<float> want = RunChunks(*l.model, seq, n_prompt - 1, 0);
    for (int32_t chunk : {16, 37, 100}) {  // 100 tokens in one batch: longer than the window
      const std::vector<float> got = RunChunks(*l.model, seq, n_prompt - 1, chunk);
      ASSERT_EQ(got.size(), want.size()) << stem << " chunk " << chunk;
      size_t bad = 0;  // NaN-safe: a read of a released block must not hide as a NaN
      for (size_t i = 0; i < got.size(); ++i) bad += !(std::fabs(got[i] - want[i]) <= 1e-5f);
      EXPECT_EQ(bad, 0u) << stem << " chunk " << chunk;
    }
  }
}

TEST(SlidingWindowTest, LongContextReservesAFractionOfTheFullCache) {
  ThreadPool pool(1);
  for (const std::string stem : {"gemma3-f32", "gemma4-soft-f32"}) {
    Loaded l = LoadModel(pool, stem);
    ASSERT_TRUE(l.model);
    const int32_t n_ctx = 32768;
    const model::KvGeometry& g = l.model->info().kv;
    const size_t full = g.BytesPerToken(DType::kF16) * size_t(n_ctx);
    EngineOptions o;
    o.model_path = ModelPath(stem);
    o.n_ctx = n_ctx;
    o.n_parallel = 4;
    o.n_threads = 1;
    auto engine = LoadEngine(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    const size_t reserved = (*engine)->summary().kv_bytes;
    std::printf("[ kv bytes ] %s, %d tokens, 4 parallel: %zu with sliding windows, %zu with full caches\n",
                stem.c_str(), n_ctx, reserved, full);
    // The full layers keep the whole budget; the sliding ones (window 64) 4 windows, one step of 512 tokens and
    // two blocks per sequence, whatever the budget.
    const size_t sliding_tokens = 4 * 64 + 512 + 4 * 2 * kKvBlockSize;
    EXPECT_LE(reserved, g.BytesPerToken(DType::kF16, false) * size_t(n_ctx) +
                            g.BytesPerToken(DType::kF16, true) * sliding_tokens) << stem;
    EXPECT_LT(double(reserved), 0.35 * double(full)) << stem;
    // The planner (ingot plan, ingot serve's admission check) counts exactly what the engine reserves.
    store::PlanOptions po;
    po.ctx = n_ctx;
    po.parallel = 4;
    po.shared_ctx = true;
    auto plan = store::PlanMemory(*l.file, po);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->kv_bytes, reserved) << stem;
  }
}

struct Outcome {
  std::vector<int32_t> tokens;
  FinishEvent finish;
};

std::future<Outcome> Start(Engine& e, std::vector<int32_t> prompt, int32_t max_tokens) {
  auto out = std::make_shared<Outcome>();
  auto done = std::make_shared<std::promise<Outcome>>();
  GenerateRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  r.sampling.temperature = 0.0f;
  auto id = e.Submit(
      std::move(r),
      [out](const TokenEvent& ev) {
        out->tokens.push_back(ev.token);
        return true;
      },
      [out, done](const FinishEvent& ev) {
        out->finish = ev;
        done->set_value(*out);
      });
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return done->get_future();
}

std::unique_ptr<Engine> MakeEngine(const std::string& stem, int32_t n_ctx, int32_t n_parallel, int32_t n_batch) {
  EngineOptions o;
  o.model_path = ModelPath(stem);
  o.n_ctx = n_ctx;
  o.n_parallel = n_parallel;
  o.n_batch = n_batch;
  o.n_threads = 2;
  auto e = LoadEngine(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// gemma3-f32's long entry: 5 prompt tokens, 160 greedy tokens past its window of 64, every step's top-2 margin
// above 0.028 (far above our distance to llama.cpp), so greedy tokens must match at every step.
TEST(SlidingWindowTest, EngineGreedyPastTheWindowMatchesLlamaCpp) {
  const auto e = LongEntry("gemma3-f32");
  const auto prompt = e["prompt_tokens"].get<std::vector<int32_t>>();
  const auto gen = e["generated_tokens"].get<std::vector<int32_t>>();
  // A prompt that already passes the window (prompt + 100 generated tokens), continued for 60 tokens.
  std::vector<int32_t> long_prompt = prompt;
  long_prompt.insert(long_prompt.end(), gen.begin(), gen.begin() + 100);
  const std::vector<int32_t> long_want(gen.begin() + 100, gen.end());

  {
    auto engine = MakeEngine("gemma3-f32", 1024, 2, 512);
    ASSERT_TRUE(engine);
    auto a = Start(*engine, prompt, int32_t(gen.size()));
    auto b = Start(*engine, long_prompt, int32_t(long_want.size()));  // 105 tokens in one prefill batch
    EXPECT_EQ(a.get().tokens, gen);
    EXPECT_EQ(b.get().tokens, long_want);
    // The same prompt again: the prefix cache gives back the full blocks and the sliding blocks of the window.
    Outcome again = Start(*engine, long_prompt, int32_t(long_want.size())).get();
    EXPECT_EQ(again.tokens, long_want);
    EXPECT_EQ(again.finish.cached_tokens, 96);
  }
  {
    // Chunked prefill (16 tokens a step) and KV pressure: 4 sequences of up to 165 tokens in 320 tokens of budget.
    auto engine = MakeEngine("gemma3-f32", 320, 4, 16);
    ASSERT_TRUE(engine);
    std::vector<std::future<Outcome>> runs;
    for (int i = 0; i < 2; ++i) {
      runs.push_back(Start(*engine, prompt, int32_t(gen.size())));
      runs.push_back(Start(*engine, long_prompt, int32_t(long_want.size())));
    }
    for (size_t i = 0; i < runs.size(); ++i) {
      Outcome o = runs[i].get();
      EXPECT_EQ(o.tokens, i % 2 == 0 ? gen : long_want) << "request " << i << ": " << o.finish.status.ToString();
    }
    EXPECT_GT(engine->GetStats().preemptions_total, 0u);
  }
}

TEST(SlidingWindowTest, EmbeddingPastTheWindowIsChunked) {
  const auto e = LongEntry("gemma3-f32");
  std::vector<int32_t> tokens = e["prompt_tokens"].get<std::vector<int32_t>>();
  const auto gen = e["generated_tokens"].get<std::vector<int32_t>>();
  tokens.insert(tokens.end(), gen.begin(), gen.end());
  auto one = MakeEngine("gemma3-f32", 512, 1, 512);
  auto chunked = MakeEngine("gemma3-f32", 512, 1, 16);
  ASSERT_TRUE(one && chunked);
  auto a = one->Embed(tokens);
  auto b = chunked->Embed(tokens);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << " " << b.status().ToString();
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_NEAR((*a)[i], (*b)[i], 1e-5f);
}

}  // namespace
}  // namespace ingot::engine
