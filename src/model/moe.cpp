// Expert routing and the grouped expert pass.
#include "model/moe.h"

#include <algorithm>
#include <numeric>

#include "ops/ops.h"

namespace ingot::model {

namespace {

float* Fit(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

uint64_t ExpertFfn::InactiveParams() const {
  const uint64_t per_expert = uint64_t(down.rows / size_t(n_expert)) * down.cols * 3;  // gate, up, down
  return uint64_t(n_expert - n_used) * per_expert;
}

void RouteTopK(const float* logits, size_t T, int32_t n_expert, int32_t n_used, bool renormalize,
               int32_t* experts, float* weights) {
  std::vector<float> probs(static_cast<size_t>(n_expert));
  std::vector<int32_t> idx(static_cast<size_t>(n_expert));
  for (size_t t = 0; t < T; ++t) {
    std::copy_n(logits + t * size_t(n_expert), n_expert, probs.begin());
    ops::Softmax(probs.data(), probs.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + n_used, idx.end(), [&](int32_t a, int32_t b) {
      return probs[size_t(a)] > probs[size_t(b)] || (probs[size_t(a)] == probs[size_t(b)] && a < b);
    });
    float sum = 0.0f;
    for (int32_t k = 0; k < n_used; ++k) {
      experts[t * size_t(n_used) + size_t(k)] = idx[size_t(k)];
      weights[t * size_t(n_used) + size_t(k)] = probs[size_t(idx[size_t(k)])];
      sum += probs[size_t(idx[size_t(k)])];
    }
    if (renormalize) {
      sum = std::max(sum, 6.103515625e-5f);
      for (int32_t k = 0; k < n_used; ++k) weights[t * size_t(n_used) + size_t(k)] /= sum;
    }
  }
}

void ExpertPass::RouteAndRun(ThreadPool& pool, const ops::TensorView& router, const ExpertFfn& f, Activation act,
                             const float* router_in, const float* in, size_t T, size_t n_embd, float* out,
                             ops::ActivationBuffer& scratch) {
  const size_t K = size_t(f.n_used);
  float* logits = Fit(logits_, T * router.rows);
  ops::MatMul(pool, router, router_in, T, n_embd, logits, router.rows, scratch);
  chosen_.resize(T * K);
  weights_.resize(T * K);
  RouteTopK(logits, T, f.n_expert, f.n_used, true, chosen_.data(), weights_.data());
  Run(pool, f, act, in, T, n_embd, chosen_.data(), weights_.data(), out, scratch);
}

void ExpertPass::Run(ThreadPool& pool, const ExpertFfn& f, Activation act, const float* in, size_t T,
                     size_t n_embd, const int32_t* experts, const float* weights, float* out,
                     ops::ActivationBuffer& scratch) {
  const size_t K = size_t(f.n_used);
  const size_t n_ff = size_t(f.n_ff);
  // Counting sort of the (token, slot) pairs by expert.
  std::vector<uint32_t> start(size_t(f.n_expert) + 1, 0);
  for (size_t i = 0; i < T * K; ++i) ++start[size_t(experts[i]) + 1];
  for (size_t e = 0; e < size_t(f.n_expert); ++e) start[e + 1] += start[e];
  order_.resize(T * K);
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < T * K; ++i) order_[fill[size_t(experts[i])]++] = uint32_t(i);

  float* y = Fit(y_, T * K * n_embd);  // [T, K, n_embd] weighted expert outputs
  uint64_t touched = 0;
  for (size_t e = 0; e < size_t(f.n_expert); ++e) {
    const size_t n = start[e + 1] - start[e];
    if (n == 0) continue;
    ++touched;
    const uint32_t* rows = &order_[start[e]];
    float* x = Fit(x_, n * n_embd);
    for (size_t i = 0; i < n; ++i) std::copy_n(in + (rows[i] / K) * n_embd, n_embd, x + i * n_embd);
    float* a = Fit(a_, n * n_ff);
    if (!f.gate_up.empty()) {
      float* gu = Fit(gu_, n * 2 * n_ff);
      ops::MatMul(pool, f.gate_up.Rows(e * 2 * n_ff, 2 * n_ff), x, n, n_embd, gu, 2 * n_ff, scratch);
      for (size_t i = 0; i < n; ++i) std::copy_n(gu + i * 2 * n_ff, n_ff, a + i * n_ff);
      for (size_t i = 0; i < n; ++i) std::copy_n(gu + i * 2 * n_ff + n_ff, n_ff, gu + i * n_ff);
    } else {
      float* gu = Fit(gu_, n * n_ff);
      const ops::TensorView gate = f.gate.Rows(e * n_ff, n_ff), up = f.up.Rows(e * n_ff, n_ff);
      const ops::MatMulOut outs[] = {{&gate, a, n_ff}, {&up, gu, n_ff}};
      ops::MatMulShared(pool, outs, x, n, n_embd, scratch);
    }
    if (act == Activation::kSilu) {
      ops::SwiGlu(a, gu_.data(), n * n_ff);
    } else {
      ops::GeGluF16(a, gu_.data(), n * n_ff);
    }
    float* d = Fit(d_, n * n_embd);
    ops::MatMul(pool, f.down.Rows(e * n_embd, n_embd), a, n, n_ff, d, n_embd, scratch);
    const float s = f.down_scale.empty() ? 1.0f : f.down_scale[e];
    for (size_t i = 0; i < n; ++i) {
      float* dst = y + size_t(rows[i]) * n_embd;
      const float w = weights[rows[i]];
      for (size_t c = 0; c < n_embd; ++c) dst[c] = d[i * n_embd + c] * s * w;
    }
  }
  const uint64_t bytes = touched * (f.Bytes() / uint64_t(f.n_expert));
  if (T == 1) {
    ++single_calls_;
    single_bytes_ += bytes;
  } else {
    multi_token_layers_ += T;
    multi_bytes_ += bytes;
  }
  pool.ParallelFor(T, 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      std::copy_n(y + t * K * n_embd, n_embd, out + t * n_embd);
      for (size_t k = 1; k < K; ++k) ops::Add(out + t * n_embd, y + (t * K + k) * n_embd, n_embd);
    }
  });
}

ExpertTraffic ExpertPass::Traffic(int32_t n_moe_layers, uint64_t expert_bytes) const {
  ExpertTraffic t;
  const uint64_t layers = uint64_t(std::max(n_moe_layers, 1));
  t.decode_steps = single_calls_ / layers;
  t.decode_bytes = single_bytes_;
  t.prefill_tokens = multi_token_layers_ / layers;
  t.prefill_bytes = multi_bytes_;
  t.expert_bytes = expert_bytes;
  return t;
}

void DecoderModel::SwiGluResidual(const std::vector<float>& norm, const GatedFfn& ffn, const ops::TensorView& router,
                                  const ExpertFfn& experts, ExpertPass& pass, size_t T, float* h, float* f) {
  const size_t E = size_t(info_.n_embd);
  NormRows(x_.data(), T, E, norm.data(), h);
  if (router.empty()) {
    FeedForward(ffn, Activation::kSilu, h, T, h);
    ops::Add(x_.data(), h, T * E);
  } else {
    pass.RouteAndRun(pool_, router, experts, Activation::kSilu, h, h, T, E, f, act_);
    ops::Add(x_.data(), f, T * E);
  }
}

}  // namespace ingot::model
