// Scaled dot-product attention of one query token over a paged KV cache (one layer, one sequence).
// The cache of a layer is a pool of blocks; block b holds `block_size` tokens, each token n_kv_head × head_dim
// values of K (or V) in F16 or F32: [n_blocks][block_size][n_kv_head][head_dim]. A sequence's tokens live in
// the blocks its block table lists, in order: token j is at block_table[j / block_size], slot j % block_size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quant/dtype.h"

namespace ingot::ops {

struct PagedKv {
  DType type = DType::kF16;        // F16 or F32
  const uint8_t* k = nullptr;      // block 0 of this layer's K pool
  const uint8_t* v = nullptr;      // block 0 of this layer's V pool
  int32_t block_size = 0;          // tokens per block
  int32_t n_kv_head = 0;
  int32_t head_dim_k = 0;
  int32_t head_dim_v = 0;
  const int32_t* block_table = nullptr;
};

struct AttentionParams {
  int32_t n_head = 0;              // query heads; query head h reads KV head h / (n_head / n_kv_head)
  float scale = 1.0f;              // applied to q·k before softmax
  float softcap = 0.0f;            // > 0: scores = softcap * tanh(scores / softcap) (Gemma 2)
  int32_t kv_begin = 0;            // first visible position (sliding window), inclusive
  int32_t kv_end = 0;              // one past the last visible position (causal: query position + 1)
};

// Bytes of scratch Attention needs per call (scores for the visible positions).
size_t AttentionScratchFloats(int32_t kv_len);

// out[head_dim_v] for query head `head` of q ([n_head][head_dim_k]). scratch: AttentionScratchFloats floats.
void AttentionHead(const float* q, int32_t head, const PagedKv& kv, const AttentionParams& p, float* scratch,
                   float* out);

}  // namespace ingot::ops
