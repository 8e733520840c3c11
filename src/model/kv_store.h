// KvStore: the memory of a paged KV cache — per layer a K pool and a V pool of fixed-size blocks. It only
// stores; which block belongs to which sequence is decided by the engine's block manager (engine/kv).
// Layout per layer: [n_blocks][block_size][n_kv_head][head_dim] elements of F16 or F32, or for Q8_0 each head's
// head_dim values as head_dim / 32 blocks of (f16 scale, 32 int8), llama.cpp's block_q8_0.
// Sliding-window layers draw from their own, smaller, pool (n_swa_blocks): a sequence only ever holds the blocks
// of its current window there, so their block ids index a different pool than the full layers' ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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
  // Bytes one token occupies in every layer's cache.
  size_t BytesPerToken(DType type) const;
  // The same over the sliding-window layers only (sliding = true) or the full-attention layers only.
  size_t BytesPerToken(DType type, bool sliding) const;
  // Whether the cache can hold this geometry in `type` (F32, F16, or Q8_0 with head sizes multiple of 32).
  bool Supports(DType type) const;
  // Largest sliding window of any layer; 0 when no layer slides.
  int32_t MaxWindow() const;
};

class KvStore {
 public:
  // Sliding layers get a pool of n_swa_blocks blocks; without it, as many as the full layers (the same block
  // tables may then address both).
  KvStore(const KvGeometry& geometry, DType type, int32_t n_blocks, int32_t block_size,
          std::optional<int32_t> n_swa_blocks = std::nullopt);

  // Bytes a store of this geometry and these pool sizes holds.
  static size_t Bytes(const KvGeometry& geometry, DType type, int32_t n_blocks, int32_t n_swa_blocks,
                      int32_t block_size);

  DType type() const { return type_; }
  int32_t n_blocks() const { return n_blocks_; }
  int32_t n_swa_blocks() const { return n_swa_blocks_; }
  int32_t block_size() const { return block_size_; }
  size_t bytes() const;
  int32_t n_layers() const { return int32_t(geometry_.layers.size()); }
  const KvLayerShape& layer(int32_t il) const { return geometry_.layers[size_t(il)]; }
  bool sliding(int32_t il) const { return layer(il).window > 0; }
  bool has_sliding() const { return geometry_.MaxWindow() > 0; }

  uint8_t* k(int32_t il) { return k_[size_t(il)].data(); }
  uint8_t* v(int32_t il) { return v_[size_t(il)].data(); }
  // Address of token slot `slot` of block `block` for head 0.
  uint8_t* KSlot(int32_t il, int32_t block, int32_t slot);
  uint8_t* VSlot(int32_t il, int32_t block, int32_t slot);
  // Stores one token's K (n_kv_head*head_dim_k floats) and V, converting to the cache type (Q8_0: quantized as
  // llama.cpp's CPU backend quantizes, kernels::QuantizeActivationRow).
  void Store(int32_t il, int32_t block, int32_t slot, const float* k, const float* v);

 private:
  KvGeometry geometry_;
  DType type_;
  int32_t n_blocks_;
  int32_t n_swa_blocks_;
  int32_t block_size_;
  std::vector<std::vector<uint8_t>> k_;
  std::vector<std::vector<uint8_t>> v_;
};

}  // namespace ingot::model
