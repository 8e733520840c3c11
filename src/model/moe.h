// Mixture-of-experts feed-forward: softmax top-k routing and an expert pass that groups the batch's tokens by
// expert, so each chosen expert's weights are read once per forward however many tokens picked it.
#pragma once

#include <cstdint>
#include <vector>

#include "model/decoder.h"
#include "ops/matmul.h"
#include "ops/tensor.h"
#include "util/thread_pool.h"

namespace ingot::model {

struct ExpertFfn {
  int32_t n_expert = 0;
  int32_t n_used = 0;             // experts per token
  int32_t n_ff = 0;               // width of one expert
  ops::TensorView gate;           // [n_expert * n_ff, n_embd]; expert e owns rows e*n_ff.. (empty if gate_up)
  ops::TensorView up;             // [n_expert * n_ff, n_embd]
  ops::TensorView gate_up;        // [n_expert * 2*n_ff, n_embd]: expert e's gate rows, then its up rows; or empty
  ops::TensorView down;           // [n_expert * n_embd, n_ff]
  std::vector<float> down_scale;  // [n_expert] multiplier of each expert's output, or empty

  // Parameters of the experts a token does not use (total minus active, for ModelInfo::n_params_active).
  uint64_t InactiveParams() const;
  // Bytes of every expert's weights.
  uint64_t Bytes() const { return gate.bytes() + up.bytes() + gate_up.bytes() + down.bytes(); }
};

// experts/weights [T, n_used]: per token the n_used most probable experts of softmax(logits [T, n_expert]), most
// probable first (ties: lower index), with their probabilities; renormalized to sum 1 when asked (the sum is
// clamped below at 2^-14 as llama.cpp does).
void RouteTopK(const float* logits, size_t T, int32_t n_expert, int32_t n_used, bool renormalize,
               int32_t* experts, float* weights);

// Runs the routed experts. Not thread-safe; one per model (it owns its buffers).
class ExpertPass {
 public:
  // Routes with softmax top-k of router · router_in (weights renormalized), then runs the experts on `in`:
  // out [T, n_embd]. router_in and in are [T, n_embd] (the same pointer for most families).
  void RouteAndRun(ThreadPool& pool, const ops::TensorView& router, const ExpertFfn& f, Activation act,
                   const float* router_in, const float* in, size_t T, size_t n_embd, float* out,
                   ops::ActivationBuffer& scratch);

  // out [T, n_embd] = Σ_k weights[t,k] · down_scale[e] · down_e(act(gate_e·x) ⊙ up_e·x), e = experts[t,k],
  // summed in k order; x = in[t].
  void Run(ThreadPool& pool, const ExpertFfn& f, Activation act, const float* in, size_t T, size_t n_embd,
           const int32_t* experts, const float* weights, float* out, ops::ActivationBuffer& scratch);

  // What this pass has read so far, for a model of n_moe_layers expert layers holding expert_bytes in all.
  ExpertTraffic Traffic(int32_t n_moe_layers, uint64_t expert_bytes) const;

 private:
  std::vector<uint32_t> order_;  // (t * n_used + k) grouped by expert
  std::vector<float> x_, gu_, a_, d_, y_, logits_, weights_;
  std::vector<int32_t> chosen_;
  // Calls (one per layer and forward) of one token and the expert bytes they read; token-layers and bytes of
  // calls of several tokens.
  uint64_t single_calls_ = 0, single_bytes_ = 0, multi_token_layers_ = 0, multi_bytes_ = 0;
};

}  // namespace ingot::model
