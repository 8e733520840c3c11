// KvStore: the memory of a paged KV cache — per layer a K pool and a V pool of fixed-size blocks. It only
// stores; which block belongs to which sequence is decided by the engine's block manager (engine/kv).
// Layout per layer: [n_blocks][block_size][n_kv_head][head_dim] elements of F16 or F32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "quant/dtype.h"

namespace ingot::model {

struct KvLayerShape {
  int32_t n_kv_head = 0;
  int32_t head_dim_k = 0;
  int32_t head_dim_v = 0;
  // > 0: a sliding-window layer; a query at position p only reads positions p - window + 1 .. p, so a cache
  // for it needs only the last `window` positions of each sequence (plus the tokens of the batch in flight).
  int32_t window = 0;
};

struct KvGeometry {
  std::vector<KvLayerShape> layers;  // one per layer that owns a cache
  size_t BytesPerToken(DType type) const;
};

class KvStore {
 public:
  KvStore(const KvGeometry& geometry, DType type, int32_t n_blocks, int32_t block_size);

  DType type() const { return type_; }
  int32_t n_blocks() const { return n_blocks_; }
  int32_t block_size() const { return block_size_; }
  size_t bytes() const;
  const KvLayerShape& layer(int32_t il) const { return geometry_.layers[size_t(il)]; }

  uint8_t* k(int32_t il) { return k_[size_t(il)].data(); }
  uint8_t* v(int32_t il) { return v_[size_t(il)].data(); }
  // Address of token slot `slot` of block `block` for head 0.
  uint8_t* KSlot(int32_t il, int32_t block, int32_t slot);
  uint8_t* VSlot(int32_t il, int32_t block, int32_t slot);
  // Stores one token's K (n_kv_head*head_dim_k floats) and V, converting to the cache type.
  void Store(int32_t il, int32_t block, int32_t slot, const float* k, const float* v);

 private:
  KvGeometry geometry_;
  DType type_;
  int32_t n_blocks_;
  int32_t block_size_;
  std::vector<std::vector<uint8_t>> k_;
  std::vector<std::vector<uint8_t>> v_;
};

}  // namespace ingot::model
