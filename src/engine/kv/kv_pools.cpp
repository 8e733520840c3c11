// PlanKvPools: block counts of the two KV pools and their bytes (see kv_pools.h for the bound).
#include "engine/kv/kv_pools.h"

#include <algorithm>

namespace ingot::engine {

KvPools PlanKvPools(const model::KvGeometry& geometry, DType type, int32_t n_ctx, int32_t n_parallel,
                    int32_t n_batch) {
  KvPools p;
  const int64_t bs = p.block_size;
  p.n_blocks = int32_t((int64_t(n_ctx) + bs - 1) / bs);
  const int32_t window = geometry.MaxWindow();
  if (window > 0) {
    // Sequence i holds blocks FirstWindowBlock(p_i) .. (p_i + c_i - 1) / bs while its chunk of c_i tokens runs:
    // at most (c_i + window - 2) / bs + 2 blocks, with sum(c_i) <= max(n_batch, n_parallel) per step.
    const int64_t chunk = std::max(n_batch, n_parallel);
    const int64_t tokens = int64_t(n_parallel) * int64_t(window) + chunk;
    const int64_t blocks = (tokens + bs - 1) / bs + 2 * int64_t(n_parallel);
    p.n_swa_blocks = int32_t(std::min<int64_t>(p.n_blocks, blocks));
  }
  p.bytes = model::KvStore::Bytes(geometry, type, p.n_blocks, p.n_swa_blocks, p.block_size);
  return p;
}

}  // namespace ingot::engine
