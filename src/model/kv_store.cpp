// KvStore: allocation (zeroed, so unused slots never hold NaNs) and conversion from F32 on store.
#include "model/kv_store.h"

#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"
#include "util/fp16.h"

namespace ingot::model {

namespace {
void Convert(DType type, const float* src, size_t n, uint8_t* dst) {
  if (type == DType::kF16) {
    auto* d = reinterpret_cast<uint16_t*>(dst);
    for (size_t i = 0; i < n; ++i) d[i] = F32ToF16(src[i]);
  } else if (type == DType::kQ8_0) {
    // Blocks of 32 never straddle two heads (head sizes are multiples of 32), so a token quantizes in one row.
    kernels::QuantizeActivationRow(DType::kQ8_0, src, dst, n);
  } else {
    std::memcpy(dst, src, n * sizeof(float));
  }
}

size_t LayerBytesPerToken(const KvLayerShape& l, DType type) {
  return size_t(l.n_kv_head) * (RowBytes(type, size_t(l.head_dim_k)) + RowBytes(type, size_t(l.head_dim_v)));
}
}  // namespace

size_t KvGeometry::BytesPerToken(DType type) const {
  return BytesPerToken(type, false) + BytesPerToken(type, true);
}

size_t KvGeometry::BytesPerToken(DType type, bool sliding) const {
  size_t total = 0;
  for (const auto& l : layers) {
    if ((l.window > 0) == sliding) total += LayerBytesPerToken(l, type);
  }
  return total;
}

bool KvGeometry::Supports(DType type) const {
  if (type != DType::kF32 && type != DType::kF16 && type != DType::kQ8_0) return false;
  for (const auto& l : layers) {
    if (!RowSizeOk(type, size_t(l.head_dim_k)) || !RowSizeOk(type, size_t(l.head_dim_v))) return false;
  }
  return true;
}

int32_t KvGeometry::MaxWindow() const {
  int32_t w = 0;
  for (const auto& l : layers) w = std::max(w, l.window);
  return w;
}

KvStore::KvStore(const KvGeometry& geometry, DType type, int32_t n_blocks, int32_t block_size,
                 std::optional<int32_t> n_swa_blocks)
    : geometry_(geometry),
      type_(type),
      n_blocks_(n_blocks),
      n_swa_blocks_(n_swa_blocks.value_or(n_blocks)),
      block_size_(block_size) {
  for (const auto& l : geometry_.layers) {
    const size_t tokens = size_t(l.window > 0 ? n_swa_blocks_ : n_blocks_) * size_t(block_size);
    k_.emplace_back(tokens * size_t(l.n_kv_head) * RowBytes(type, size_t(l.head_dim_k)), 0);
    v_.emplace_back(tokens * size_t(l.n_kv_head) * RowBytes(type, size_t(l.head_dim_v)), 0);
  }
}

size_t KvStore::Bytes(const KvGeometry& geometry, DType type, int32_t n_blocks, int32_t n_swa_blocks,
                      int32_t block_size) {
  return geometry.BytesPerToken(type, false) * size_t(n_blocks) * size_t(block_size) +
         geometry.BytesPerToken(type, true) * size_t(n_swa_blocks) * size_t(block_size);
}

size_t KvStore::bytes() const {
  size_t total = 0;
  for (size_t i = 0; i < k_.size(); ++i) total += k_[i].size() + v_[i].size();
  return total;
}

uint8_t* KvStore::KSlot(int32_t il, int32_t block, int32_t slot) {
  const auto& l = layer(il);
  const size_t token_bytes = size_t(l.n_kv_head) * RowBytes(type_, size_t(l.head_dim_k));
  return k(il) + (size_t(block) * size_t(block_size_) + size_t(slot)) * token_bytes;
}

uint8_t* KvStore::VSlot(int32_t il, int32_t block, int32_t slot) {
  const auto& l = layer(il);
  const size_t token_bytes = size_t(l.n_kv_head) * RowBytes(type_, size_t(l.head_dim_v));
  return v(il) + (size_t(block) * size_t(block_size_) + size_t(slot)) * token_bytes;
}

void KvStore::Store(int32_t il, int32_t block, int32_t slot, const float* kx, const float* vx) {
  const auto& l = layer(il);
  Convert(type_, kx, size_t(l.n_kv_head) * size_t(l.head_dim_k), KSlot(il, block, slot));
  Convert(type_, vx, size_t(l.n_kv_head) * size_t(l.head_dim_v), VSlot(il, block, slot));
}

}  // namespace ingot::model
