// CheckGolden: teacher-forced and greedy comparison against a llama.cpp reference JSON.
#include "model/golden_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/gguf.h"
#include "model/model.h"
#include "quant/dtype.h"

namespace ingot::model {
namespace {

struct Loaded {
  std::shared_ptr<const gguf::File> file;
  std::unique_ptr<Model> model;
};

Loaded Load(ThreadPool& pool, const std::string& model_path) {
  Loaded l;
  auto f = gguf::File::Open(model_path);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  if (!f.ok()) return l;
  l.file = std::shared_ptr<const gguf::File>(std::move(f).value());
  auto m = LoadModel(l.file, pool);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) l.model = std::move(m).value();
  if (l.model) l.model->SetSequenceContext(512);  // the references' n_ctx (one sequence)
  return l;
}

// Runs a single sequence: prompt in one batch, then one token per step; returns logits of every position from
// the last prompt token on.
std::vector<std::vector<float>> TeacherForced(Model& model, const std::vector<int32_t>& prompt,
                                              const std::vector<int32_t>& forced, DType kv_type) {
  const int32_t block = 16;
  const int32_t n_total = int32_t(prompt.size() + forced.size());
  const int32_t n_blocks = (n_total + block - 1) / block;
  KvStore kv(model.info().kv, kv_type, n_blocks, block);
  std::vector<int32_t> table(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) table[size_t(i)] = n_blocks - 1 - i;  // non-identity: exercises paging
  std::vector<std::vector<float>> out;
  std::vector<float> logits;
  Batch b;
  b.block_tables = {table.data()};
  for (size_t i = 0; i < prompt.size(); ++i) {
    b.tokens.push_back({prompt[i], int32_t(i), 0, i + 1 == prompt.size()});
  }
  EXPECT_TRUE(model.Forward(b, kv, logits).ok());
  out.push_back(logits);
  for (size_t s = 0; s + 1 < forced.size(); ++s) {
    b.tokens = {{forced[s], int32_t(prompt.size() + s), 0, true}};
    EXPECT_TRUE(model.Forward(b, kv, logits).ok());
    out.push_back(logits);
  }
  return out;
}

// The same logits from one batch holding the prompt and the forced tokens, logits from the last prompt token on.
// Sliding-window layers must mask inside a batched prefill exactly as in step-by-step decoding.
std::vector<std::vector<float>> TeacherForcedOneBatch(Model& model, const std::vector<int32_t>& prompt,
                                                      const std::vector<int32_t>& forced, DType kv_type) {
  std::vector<int32_t> seq = prompt;
  seq.insert(seq.end(), forced.begin(), forced.end() - 1);
  const int32_t block = 16;
  const int32_t n_blocks = (int32_t(seq.size()) + block - 1) / block;
  KvStore kv(model.info().kv, kv_type, n_blocks, block);
  std::vector<int32_t> table(static_cast<size_t>(n_blocks));
  for (int32_t i = 0; i < n_blocks; ++i) table[size_t(i)] = n_blocks - 1 - i;
  Batch b;
  b.block_tables = {table.data()};
  for (size_t i = 0; i < seq.size(); ++i) b.tokens.push_back({seq[i], int32_t(i), 0, i + 1 >= prompt.size()});
  std::vector<float> logits;
  EXPECT_TRUE(model.Forward(b, kv, logits).ok());
  const size_t V = size_t(model.info().n_vocab);
  std::vector<std::vector<float>> out;
  for (size_t s = 0; s * V < logits.size(); ++s) {
    out.emplace_back(logits.begin() + long(s * V), logits.begin() + long((s + 1) * V));
  }
  return out;
}

int32_t Argmax(const std::vector<float>& v) {
  return int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

// llama.cpp's own disagreement on an entry: the largest top-10 logit difference between its reference run and
// its KV-f32 / flash-attention / one-thread runs, over the steps before their tokens diverge.
float SelfSpread(const nlohmann::json& entry) {
  float spread = 0;
  for (const auto& [name, check] : entry["cross_checks"].items()) {
    if (check.contains("max_abs_diff_topk_logits_all_steps_before_divergence")) {
      spread = std::max(spread, check["max_abs_diff_topk_logits_all_steps_before_divergence"].get<float>());
    }
  }
  return spread;
}

}  // namespace

void CheckGolden(const std::string& model_path, const std::string& golden_path, const std::string& stem,
                 const Bar& bar) {
  ASSERT_TRUE(std::filesystem::exists(golden_path)) << "missing " << golden_path;
  ThreadPool pool(2);
  Loaded l = Load(pool, model_path);
  ASSERT_TRUE(l.model);
  std::ifstream in(golden_path);
  nlohmann::json golden = nlohmann::json::parse(in);
  std::vector<nlohmann::json> entries(golden["entries"].begin(), golden["entries"].end());
  if (golden.contains("long_entry")) entries.push_back(golden["long_entry"]);
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const bool one_batch = bar.long_in_one_batch && i == 3;
    SCOPED_TRACE(stem + ": prompt '" + e["prompt"].get<std::string>() + "'" + (one_batch ? " in one batch" : ""));
    const float tol = bar.self_spread ? std::max(bar.tol, SelfSpread(e)) : bar.tol;
    auto prompt = e["prompt_tokens"].get<std::vector<int32_t>>();
    auto gen = e["generated_tokens"].get<std::vector<int32_t>>();
    auto steps = one_batch ? TeacherForcedOneBatch(*l.model, prompt, gen, bar.kv_type)
                           : TeacherForced(*l.model, prompt, gen, bar.kv_type);
    ASSERT_EQ(steps.size(), e["steps_top10_logits"].size());
    float worst = 0;
    int32_t flips = 0;
    bool greedy_ok = true;
    for (size_t s = 0; s < steps.size(); ++s) {
      const auto& ref = e["steps_top10_logits"][s];
      float step_worst = 0;
      for (const auto& pair : ref["top"]) {
        const int32_t id = pair[0].get<int32_t>();
        step_worst = std::max(step_worst, std::fabs(steps[s][size_t(id)] - pair[1].get<float>()));
      }
      worst = std::max(worst, step_worst);
      const bool flip = step_worst > tol && flips < bar.flip_steps && step_worst <= bar.flip_cap;
      if (flip) {
        ++flips;
      } else {
        EXPECT_LE(step_worst, tol) << "top-10 logits differ at step " << s;
      }
      if (bar.strict_tokens && !flip) {
        EXPECT_EQ(Argmax(steps[s]), gen[s]) << "token differs at step " << s;
      } else if (greedy_ok && ref["margin_top1_top2"].get<float>() >= tol) {
        EXPECT_EQ(Argmax(steps[s]), gen[s]) << "greedy token differs at step " << s;
      } else {
        greedy_ok = false;
      }
    }
    ::testing::Test::RecordProperty(stem + "_max_abs_diff", std::to_string(worst));
    std::printf("[ max diff ] %s prompt %zu tokens, %zu steps%s: %.2e (tolerance %.2e, %d flip steps)\n",
                stem.c_str(), prompt.size(), steps.size(), one_batch ? " in one batch" : "", double(worst),
                double(tol), flips);
  }
}

}  // namespace ingot::model
