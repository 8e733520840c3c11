// BlockManager: free stack, LRU of cached blocks, hash chain over full blocks (FNV-1a mixing of token ids).
#include "engine/kv/block_manager.h"

#include <algorithm>
#include <cassert>

namespace ingot::engine {

BlockManager::BlockManager(int32_t n_blocks, int32_t block_size)
    : n_blocks_(n_blocks), block_size_(block_size), info_(size_t(n_blocks)) {
  free_.reserve(size_t(n_blocks));
  for (int32_t b = n_blocks - 1; b >= 0; --b) free_.push_back(b);
}

uint64_t BlockManager::Hash(uint64_t parent, const int32_t* tokens) const {
  uint64_t h = parent ^ 0x9e3779b97f4a7c15ull;
  for (int32_t i = 0; i < block_size_; ++i) {
    h ^= uint64_t(uint32_t(tokens[i]));
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
}

std::optional<int32_t> BlockManager::Allocate() {
  int32_t b;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    b = lru_.front();
    lru_.pop_front();
    info_[size_t(b)].in_lru = false;
    Unregister(b);
  } else {
    return std::nullopt;
  }
  info_[size_t(b)].refs = 1;
  return b;
}

void BlockManager::Unregister(int32_t block) {
  Info& in = info_[size_t(block)];
  if (!in.registered) return;
  auto it = by_hash_.find(in.hash);
  if (it != by_hash_.end() && it->second == block) by_hash_.erase(it);
  in.registered = false;
  in.tokens.clear();
}

void BlockManager::Release(int32_t block) {
  Info& in = info_[size_t(block)];
  assert(in.refs > 0 && "releasing a block nobody holds");
  if (--in.refs > 0) return;
  if (in.registered) {
    in.lru_it = lru_.insert(lru_.end(), block);
    in.in_lru = true;
  } else {
    free_.push_back(block);
  }
}

std::optional<int32_t> BlockManager::Find(uint64_t hash, const int32_t* tokens) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  const Info& in = info_[size_t(it->second)];
  if (!std::equal(tokens, tokens + block_size_, in.tokens.begin())) return std::nullopt;
  return it->second;
}

void BlockManager::Acquire(int32_t block) {
  Info& in = info_[size_t(block)];
  if (in.in_lru) {
    lru_.erase(in.lru_it);
    in.in_lru = false;
  }
  ++in.refs;
}

int32_t BlockManager::AcquirePrefix(const std::vector<int32_t>& tokens, int32_t max_blocks,
                                    std::vector<int32_t>* blocks, uint64_t* chain_hash) {
  uint64_t h = 0;
  int32_t n = 0;
  *chain_hash = 0;
  const int32_t limit = std::min<int32_t>(max_blocks, int32_t(tokens.size()) / block_size_);
  for (; n < limit; ++n) {
    const int32_t* toks = tokens.data() + size_t(n) * size_t(block_size_);
    h = Hash(h, toks);
    const std::optional<int32_t> block = Find(h, toks);
    if (!block) break;
    Acquire(*block);
    blocks->push_back(*block);
    *chain_hash = h;
  }
  return n;
}

uint64_t BlockManager::Register(uint64_t parent, const int32_t* tokens, int32_t block) {
  const uint64_t h = Hash(parent, tokens);
  Info& in = info_[size_t(block)];
  if (in.registered || by_hash_.count(h) != 0) return h;  // already cached (here or in an identical block)
  in.registered = true;
  in.hash = h;
  in.tokens.assign(tokens, tokens + block_size_);
  by_hash_[h] = block;
  return h;
}

}  // namespace ingot::engine
