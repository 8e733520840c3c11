// How many KV blocks the engine reserves: the full-attention pool holds the whole context budget (n_ctx tokens
// shared by every sequence); the sliding-window pool only what running sequences can hold at once — a window per
// sequence, the tokens of one step, and two blocks per sequence for block-boundary rounding — and never more
// than the full pool (a sequence's sliding blocks cover a subset of the positions of its full blocks).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/kv_store.h"

namespace ingot::engine {

constexpr int32_t kKvBlockSize = 16;  // tokens per block: small enough that a sequence wastes < 16 slots

struct KvPools {
  int32_t block_size = kKvBlockSize;
  int32_t n_blocks = 0;      // full-attention pool
  int32_t n_swa_blocks = 0;  // sliding-window pool (0 when no layer slides)
  size_t bytes = 0;          // both pools, every layer
};

// n_ctx: total tokens of the budget; n_parallel: sequences running at once; n_batch: tokens per step.
KvPools PlanKvPools(const model::KvGeometry& geometry, DType type, int32_t n_ctx, int32_t n_parallel,
                    int32_t n_batch);

// First logical block a sequence with n_past cached positions still needs for layers of sliding `window`: the
// next query (at position n_past) sees positions n_past - window + 1 .. n_past.
inline int32_t FirstWindowBlock(int32_t n_past, int32_t window, int32_t block_size) {
  const int32_t first = n_past - window + 1;
  return first > 0 ? first / block_size : 0;
}

}  // namespace ingot::engine
