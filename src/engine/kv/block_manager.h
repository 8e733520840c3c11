// BlockManager: which KV blocks are free, which sequences hold which, and the prefix cache.
// Blocks are reference counted. A full block whose tokens are known is registered under a chained hash of
// (hash of the previous block, its tokens); when its last holder releases it, it stays cached (evictable,
// least recently used first) so a later prompt with the same prefix reuses it without recomputation.
// Shared blocks are always full and never written again, so no copy-on-write is needed.
// Not thread-safe: owned by the engine thread.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ingot::engine {

class BlockManager {
 public:
  BlockManager(int32_t n_blocks, int32_t block_size);

  int32_t n_blocks() const { return n_blocks_; }
  int32_t block_size() const { return block_size_; }
  // Blocks that can be handed out now (never used + cached but unreferenced).
  int32_t available() const { return int32_t(free_.size() + lru_.size()); }
  int32_t used() const { return n_blocks_ - available(); }

  // A block for exclusive use (refcount 1); evicts the least recently used cached block if needed.
  std::optional<int32_t> Allocate();
  // Drops one reference; at zero the block becomes cached (if registered) or free.
  void Release(int32_t block);

  // Finds the longest chain of cached full blocks matching tokens[0 .. max_blocks*block_size), takes a reference
  // on each and appends them to `blocks`. Returns the number of blocks reused.
  // *chain_hash receives the chain hash of the last reused block (0 when none).
  int32_t AcquirePrefix(const std::vector<int32_t>& tokens, int32_t max_blocks, std::vector<int32_t>* blocks,
                        uint64_t* chain_hash);
  // Registers a full `block` holding `tokens` (block_size ids) whose preceding block has chain hash `parent`
  // (0 for the first block). Returns this block's chain hash, to pass as `parent` for the next block.
  uint64_t Register(uint64_t parent, const int32_t* tokens, int32_t block);

  // The chain hash Register gives a block of `tokens` after a block of chain hash `parent`.
  uint64_t Hash(uint64_t parent, const int32_t* tokens) const;
  // The cached block registered under `hash` holding `tokens`, if any (no reference taken).
  std::optional<int32_t> Find(uint64_t hash, const int32_t* tokens) const;
  // Takes a reference on a block Find returned (it leaves the LRU while referenced).
  void Acquire(int32_t block);

 private:
  struct Info {
    int32_t refs = 0;
    bool registered = false;
    uint64_t hash = 0;
    std::vector<int32_t> tokens;          // the block's tokens when registered (guards against hash collisions)
    std::list<int32_t>::iterator lru_it;  // valid when cached and unreferenced
    bool in_lru = false;
  };
  void Unregister(int32_t block);

  int32_t n_blocks_;
  int32_t block_size_;
  std::vector<Info> info_;
  std::vector<int32_t> free_;                       // never-registered free blocks (stack)
  std::list<int32_t> lru_;                          // cached, unreferenced blocks; front = least recently used
  std::unordered_map<uint64_t, int32_t> by_hash_;
};

}  // namespace ingot::engine
