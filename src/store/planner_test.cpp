// Planner numbers against hand-computed values on the shared test models (shapes in shared/models/README.md).
#include "store/planner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace ingot::store {
namespace {

std::unique_ptr<gguf::File> OpenShared(const std::string& file) {
  const std::string path = std::string(INGOT_SHARED_DIR) + "/models/" + file;
  auto opened = gguf::File::Open(path);
  EXPECT_TRUE(opened.ok()) << "test asset " << path << ": " << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

const KvGroup* Group(const MemoryPlan& plan, const std::string& kind) {
  for (const auto& g : plan.kv) {
    if (g.kind == kind) return &g;
  }
  return nullptr;
}

TEST(Planner, LlamaGqaShapeAndKv) {
  auto file = OpenShared("llama-gqa-f32.gguf");
  ASSERT_NE(file, nullptr);
  auto shape = ReadModelShape(*file);
  ASSERT_TRUE(shape.ok()) << shape.status().ToString();
  EXPECT_EQ(shape->n_layer, 4);
  EXPECT_EQ(shape->n_head, 8);
  EXPECT_EQ(shape->n_vocab, 512);
  EXPECT_EQ(shape->n_ff_max, 768);
  ASSERT_EQ(shape->layers.size(), 4u);
  EXPECT_EQ(shape->layers[0].n_kv_head, 2);
  EXPECT_EQ(shape->layers[0].head_dim_k, 32);  // 256 / 8 heads (no key_length key)
  // token_embd 256x512 + output 256x512 + output_norm 256 + 4 x (2 norms 256 + q,o 256x256 + k,v 256x64 +
  // gate,up,down 256x768) = 3,279,104 F32 values.
  EXPECT_EQ(shape->weight_bytes, 3279104u * 4);

  // f16: 4 layers x 2 KV heads x (32 + 32) x 2 bytes = 1024 bytes per token; default ctx = training 2048.
  auto plan = PlanMemory(*shape, PlanOptions{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->ctx, 2048);
  ASSERT_EQ(plan->kv.size(), 1u);
  EXPECT_EQ(plan->kv[0].kind, "global");
  EXPECT_EQ(plan->kv[0].bytes_per_token, 1024u);
  EXPECT_EQ(plan->kv_bytes, 1024u * 2048);
  // compute: 512 tokens x (4x256 + 256 + 2x64 + 3x768 floats) x 4 + logits 512x4 + scratch 8x2048x4 + 64 MiB
  EXPECT_EQ(plan->compute, 512u * 3712 * 4 + 2048 + 65536 + (64u << 20));
  EXPECT_EQ(plan->total, plan->weights + plan->kv_bytes + plan->compute);
  EXPECT_TRUE(plan->fits);

  PlanOptions q8;
  q8.kv_type = DType::kQ8_0;  // 34 bytes per 32 values
  q8.ctx = 1000;
  q8.parallel = 2;
  EXPECT_EQ(PlanMemory(*shape, q8)->kv_bytes, 4u * 2 * (34 + 34) * 1000 * 2);
  PlanOptions q4;
  q4.kv_type = DType::kQ4_0;  // 18 bytes per 32 values
  EXPECT_EQ(PlanMemory(*shape, q4)->kv[0].bytes_per_token, 4u * 2 * (18 + 18));
}

TEST(Planner, LargestContextThatFits) {
  auto file = OpenShared("llama-gqa-f32.gguf");
  ASSERT_NE(file, nullptr);
  auto shape = ReadModelShape(*file);
  ASSERT_TRUE(shape.ok());
  // For ctx >= 512: total = weights + 7,602,176 + 2,048 + 64 MiB + (1024 KV + 32 scratch) x ctx.
  const uint64_t fixed = shape->weight_bytes + 512u * 3712 * 4 + 2048 + (64u << 20);
  PlanOptions o;
  o.memory = fixed + 1056 * 1000;
  auto plan = PlanMemory(*shape, o);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->fits);  // the default 2048 tokens do not fit
  EXPECT_EQ(plan->max_ctx_fit, 768);  // 1000 rounded down to a multiple of 256
  o.memory = fixed + 1056 * 2048;
  plan = PlanMemory(*shape, o);
  EXPECT_TRUE(plan->fits);
  EXPECT_EQ(plan->max_ctx_fit, 2048);  // capped at the training context
  o.memory = 1000;
  EXPECT_EQ(PlanMemory(*shape, o)->max_ctx_fit, 0);
  EXPECT_NE(CheckFits(*PlanMemory(*shape, o)).message().find("alone do not fit"), std::string::npos);
}

TEST(Planner, CheckFitsExplainsAndSuggests) {
  auto file = OpenShared("llama-gqa-f32.gguf");
  ASSERT_NE(file, nullptr);
  auto shape = ReadModelShape(*file);
  ASSERT_TRUE(shape.ok());
  PlanOptions o;
  EXPECT_TRUE(CheckFits(*PlanMemory(*shape, o)).ok());  // no budget: nothing to judge
  o.memory = shape->weight_bytes + 512u * 3712 * 4 + 2048 + (64u << 20) + 1056 * 1000;
  const Status st = CheckFits(*PlanMemory(*shape, o));
  EXPECT_EQ(st.code(), Code::kResourceExhausted);
  EXPECT_NE(st.message().find("2048 tokens x 1 sequences"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("at most 768 tokens per sequence fit (more with a q8_0 KV cache)"), std::string::npos)
      << st.message();
}

TEST(Planner, Gemma3SlidingWindowLayers) {
  auto file = OpenShared("gemma3-f32.gguf");
  ASSERT_NE(file, nullptr);
  auto plan = PlanMemory(*file, PlanOptions{});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // 6 layers, pattern 6: layers 0-4 slide over 64 tokens, layer 5 is global. 2 KV heads x (64 + 64) x 2 bytes.
  const KvGroup* sliding = Group(*plan, "sliding 64");
  const KvGroup* global = Group(*plan, "global");
  ASSERT_NE(sliding, nullptr);
  ASSERT_NE(global, nullptr);
  EXPECT_EQ(sliding->n_layers, 5);
  EXPECT_EQ(sliding->tokens, 64 + 512);  // window + one prefill step
  EXPECT_EQ(sliding->bytes, 5u * 512 * 576);
  EXPECT_EQ(global->n_layers, 1);
  EXPECT_EQ(global->bytes, 512u * 2048);
  PlanOptions full;
  full.swa_full = true;
  EXPECT_EQ(PlanMemory(*file, full)->kv_bytes, 6u * 512 * 2048);
}

// ingot serve: --ctx-size is one budget for all sequences; sliding layers hold a window per running sequence.
TEST(Planner, SharedContextKeepsOnlyWindowsForSlidingLayers) {
  auto file = OpenShared("gemma3-f32.gguf");
  ASSERT_NE(file, nullptr);
  PlanOptions o;
  o.ctx = 32768;
  o.parallel = 4;
  o.shared_ctx = true;
  auto plan = PlanMemory(*file, o);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Group(*plan, "global")->tokens, 32768);
  EXPECT_EQ(Group(*plan, "sliding 64")->tokens, 4 * 64 + 512 + 4 * 2 * 16);  // windows, a step, rounding
  EXPECT_EQ(plan->kv_bytes, 512u * 32768 + 5u * 512 * 896);
  o.swa_full = true;
  EXPECT_EQ(PlanMemory(*file, o)->kv_bytes, 6u * 512 * 32768);  // over 5x more
  o.swa_full = false;
  o.ctx = 300;  // smaller than the windows: sliding layers hold the budget (in blocks of 16)
  EXPECT_EQ(Group(*PlanMemory(*file, o), "sliding 64")->tokens, 304);
  o.memory = uint64_t(plan->weights) + (uint64_t(1) << 20);
  const Status st = CheckFits(*PlanMemory(*file, o));
  EXPECT_NE(st.message().find("tokens shared by 4 sequences"), std::string::npos) << st.message();
}

TEST(Planner, Gemma4SharedKvAndSwaHeadSizes) {
  auto file = OpenShared("gemma4-ple-soft-f16.gguf");
  ASSERT_NE(file, nullptr);
  auto plan = PlanMemory(*file, PlanOptions{});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // 10 layers; the last 5 share KV; of layers 0-4, 0-3 slide (head 64) and 4 is global (head 128); 1 KV head.
  ASSERT_NE(Group(*plan, "shared"), nullptr);
  EXPECT_EQ(Group(*plan, "shared")->n_layers, 5);
  EXPECT_EQ(Group(*plan, "shared")->bytes, 0u);
  EXPECT_EQ(Group(*plan, "sliding 64")->n_layers, 4);
  EXPECT_EQ(Group(*plan, "sliding 64")->bytes_per_token, 4u * (64 + 64) * 2);
  EXPECT_EQ(Group(*plan, "global")->bytes_per_token, 1u * (128 + 128) * 2);
  EXPECT_EQ(plan->kv_bytes, 4u * 256 * 576 + 512u * 2048);
}

TEST(Planner, Gemma4PerLayerKvHeads) {
  auto file = OpenShared("gemma4-moe-soft-f16.gguf");
  ASSERT_NE(file, nullptr);
  auto shape = ReadModelShape(*file);
  ASSERT_TRUE(shape.ok()) << shape.status().ToString();
  EXPECT_EQ(shape->layers[0].n_kv_head, 2);
  EXPECT_EQ(shape->layers[5].n_kv_head, 1);
  EXPECT_EQ(shape->n_ff_max, 256);  // max(dense 256, expert 128 x 2 used)
  auto plan = PlanMemory(*shape, PlanOptions{});
  EXPECT_EQ(Group(*plan, "sliding 64")->bytes_per_token, 5u * 2 * (64 + 64) * 2);
  EXPECT_EQ(Group(*plan, "global")->bytes_per_token, 1u * 1 * (128 + 128) * 2);
}

TEST(Planner, Qwen3KeyLengthAndMoeWidth) {
  auto dense = OpenShared("qwen3-f32.gguf");
  auto moe = OpenShared("qwen3moe-f32.gguf");
  ASSERT_NE(dense, nullptr);
  ASSERT_NE(moe, nullptr);
  // qwen3: 4 layers x 2 KV heads x head 64 (attention.key_length, not 256/4) x 2 x 2 bytes.
  EXPECT_EQ(PlanMemory(*dense, PlanOptions{})->kv[0].bytes_per_token, 4u * 2 * 128 * 2);
  auto shape = ReadModelShape(*moe);
  ASSERT_TRUE(shape.ok());
  EXPECT_EQ(shape->n_ff_max, 768);  // dense feed_forward_length 768 > 256 x 2 experts
  EXPECT_EQ(PlanMemory(*shape, PlanOptions{})->kv[0].bytes_per_token, 2u * 2 * 128 * 2);
}

TEST(Planner, RejectsBadOptions) {
  ModelShape shape;
  shape.n_layer = 1;
  shape.n_head = 1;
  shape.n_embd = 48;
  shape.layers = {KvLayer{1, 48, 48, false, false}};
  PlanOptions o;
  o.kv_type = DType::kQ4_0;  // 48 is not a multiple of 32
  EXPECT_EQ(PlanMemory(shape, o).status().code(), Code::kInvalidArgument);
  o.kv_type = DType::kQ4_K;
  EXPECT_FALSE(PlanMemory(shape, o).ok());
  o = PlanOptions{};
  o.parallel = 0;
  EXPECT_FALSE(PlanMemory(shape, o).ok());
  o = PlanOptions{};
  o.ctx = -1;
  EXPECT_FALSE(PlanMemory(shape, o).ok());
  EXPECT_EQ(PlanMemory(shape, PlanOptions{})->ctx, 4096);  // no training context: 4096
}

}  // namespace
}  // namespace ingot::store
