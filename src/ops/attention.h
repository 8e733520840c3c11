// Scaled dot-product attention over a paged KV cache (one layer): one query token (decode), a tile of consecutive
// query tokens of one sequence (prefill), and a whole batch split over a thread pool.
// The cache of a layer is a pool of blocks; block b holds `block_size` tokens, each token n_kv_head rows of K
// (or V) of head_dim values in F16, F32 or Q8_0 (head_dim / 32 llama.cpp block_q8_0 per row):
// [n_blocks][block_size][n_kv_head][row]. A sequence's tokens live in the blocks its block table lists, in order:
// token j is at block_table[j / block_size], slot j % block_size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "quant/dtype.h"
#include "util/thread_pool.h"

namespace ingot::ops {

struct PagedKv {
  DType type = DType::kF16;        // F16, F32 or Q8_0
  const uint8_t* k = nullptr;      // block 0 of this layer's K pool
  const uint8_t* v = nullptr;      // block 0 of this layer's V pool
  int32_t block_size = 0;          // tokens per block
  int32_t n_kv_head = 0;
  int32_t head_dim_k = 0;          // a multiple of 32 for Q8_0 (and head_dim_v)
  int32_t head_dim_v = 0;
  const int32_t* block_table = nullptr;
};

struct AttentionParams {
  int32_t n_head = 0;              // query heads; query head h reads KV head h / (n_head / n_kv_head)
  float scale = 1.0f;              // applied to q·k before softmax; > 0
  float softcap = 0.0f;            // > 0: scores = softcap * tanh(scores / softcap) (Gemma 2)
  int32_t kv_begin = 0;            // first visible position (sliding window), inclusive
  int32_t kv_end = 0;              // one past the last visible position (causal: query position + 1)
};

// Query heads one call handles at most (a KV head's group is split into calls of this many heads).
constexpr int32_t kMaxGroupHeads = 16;
// Queries (tokens x heads) one AttentionTile call handles at most.
constexpr int32_t kMaxTileQueries = 128;

// Floats of scratch AttentionGroup needs per call for n_heads heads (a block of scores and the converted query
// per head; for Q8_0 also one block of dequantized V rows). Independent of the context length.
size_t AttentionScratchFloats(const PagedKv& kv, int32_t n_heads = 1);

// out [n_heads][head_dim_v] for query heads first_head .. first_head + n_heads - 1 of q ([n_head][head_dim_k]),
// which must share one KV head (GQA: each K/V row is read and converted once for all of them),
// n_heads <= kMaxGroupHeads. Flash-attention style: one pass over the visible positions a cache block at a time,
// with a running maximum and sum per head (online softmax), never holding more than one block of scores. Each
// query is first converted as the cache type's dot product needs it (F16: rounded to f16; Q8_0: quantized to
// Q8_0 and dotted with the int8 K rows, as llama.cpp does); V rows are accumulated in f32. No visible position:
// out is zero. scratch: AttentionScratchFloats(kv, n_heads) floats.
void AttentionGroup(const float* q, int32_t first_head, int32_t n_heads, const PagedKv& kv,
                    const AttentionParams& p, float* scratch, float* out);

// The online-softmax state of n heads over the positions attended so far: for each head the running maximum m
// of its scores, the sum of exp(score - m) and the un-normalized output sum of exp(score - m) * V row. Ranges of
// positions attended into separate states (by different threads) merge exactly (flash decoding).
struct AttentionState {
  float* acc;    // [n][head_dim_v]
  float* max;    // [n]
  double* sum;   // [n]
};
// Empty: no position seen.
void StartAttentionState(const AttentionState& state, int32_t n_heads, int32_t head_dim_v);
// AttentionGroup's pass over positions p.kv_begin .. p.kv_end - 1, continuing `state` (heads first_head ..).
void AttendRange(const float* q, int32_t first_head, int32_t n_heads, const PagedKv& kv, const AttentionParams& p,
                 float* scratch, const AttentionState& state);
// into = the state over the positions of both (disjoint ranges).
void MergeAttentionState(const AttentionState& into, const AttentionState& from, int32_t n_heads,
                         int32_t head_dim_v);
// out [n_heads][head_dim_v] = acc / sum (zero for a head that saw no position); out may alias state.acc.
void FinishAttention(const AttentionState& state, int32_t n_heads, int32_t head_dim_v, float* out);

// One head: AttentionGroup with n_heads = 1.
inline void AttentionHead(const float* q, int32_t head, const PagedKv& kv, const AttentionParams& p, float* scratch,
                          float* out) {
  AttentionGroup(q, head, 1, kv, p, scratch, out);
}

// Several query tokens of one sequence (prefill): token t's query heads at q + t * q_stride ([n_head][head_dim_k]),
// its output for the call's heads at out + t * out_stride ([n_heads][head_dim_v]); it sees positions
// kv_begin[t] .. kv_end[t] - 1 (AttentionParams::kv_begin and kv_end are not used).
struct QueryTile {
  const float* q;
  size_t q_stride;
  float* out;
  size_t out_stride;
  int32_t n_tokens;
  const int32_t* kv_begin;
  const int32_t* kv_end;
};

// Floats of scratch AttentionTile needs for n_heads heads of n_tokens tokens.
size_t AttentionTileScratchFloats(const PagedKv& kv, int32_t n_heads, int32_t n_tokens);

// AttentionGroup for every token of the tile, n_heads * n_tokens <= kMaxTileQueries: each K/V block is read and
// converted once for all of them (the scores are AttentionGroup's lane-split dot products; the weighted V sums a
// small matrix product with the queries as columns, kernels::TileGemm), and positions a token must not see
// (causal, window) are masked to a weight of exactly 0. Each query keeps its own online softmax.
void AttentionTile(const QueryTile& tile, int32_t first_head, int32_t n_heads, const PagedKv& kv,
                   const AttentionParams& p, float* scratch);

// One batch token as attention sees it: its sequence's block table and the positions it sees.
struct AttentionToken {
  const int32_t* block_table;
  int32_t kv_begin;
  int32_t kv_end;
};

// out [n_tokens][n_head * head_dim_v] = attention of every batch token's q ([n_tokens][n_head * head_dim_k]) over
// the cache (kv.block_table and p.kv_begin/kv_end are not used: each token has its own). Runs of consecutive
// tokens of one sequence at consecutive positions go through AttentionTile, lone tokens through AttentionGroup;
// the work (tile x KV head x group of heads) is spread over the pool, the most expensive first. scratch grows as
// needed (one slice per thread).
void AttentionBatch(ThreadPool& pool, const PagedKv& kv, const AttentionParams& p,
                    const std::vector<AttentionToken>& tokens, const float* q, float* out,
                    std::vector<float>& scratch);

// The scalar reference: the same query conversion, then every K and V row dequantized, two passes (all scores,
// softmax, weighted sum) in double. For tests.
void AttentionHeadReference(const float* q, int32_t head, const PagedKv& kv, const AttentionParams& p, float* out);

}  // namespace ingot::ops
