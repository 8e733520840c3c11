// The work split of a batch's attention (ops::AttentionBatch): tokens grouped into query tiles, tiles x KV heads
// (x groups of heads when there are fewer than threads) handed to the pool, the most expensive first.
#include <algorithm>

#include "ops/attention.h"

namespace ingot::ops {

namespace {

// Queries a tile aims at (tokens x heads): four 16-float registers of columns in the tile's products, so each
// converted K/V value is reused 64 times, while the scratch of a tile (the transposed queries and outputs, 2 x
// 64 x head_dim floats) stays within L2 up to head_dim 512.
constexpr int32_t kTileQueries = 64;
// Tokens a tile holds at most: a larger tile wastes more of its last blocks on positions the causal mask hides.
constexpr int32_t kMaxTileTokens = 32;
// Below this many queries a tile's registers would be mostly padding: its tokens go one by one (AttentionGroup).
constexpr int32_t kMinTileQueries = 8;
// Multiply-adds a chunk of work items should hold at least so that handing it to another thread pays for the
// wake-up.
constexpr size_t kMinChunkMacs = size_t(1) << 16;

struct Tile {
  int32_t first;     // batch index of its first token
  int32_t n_tokens;
  size_t cost;       // multiply-adds per head
};

}  // namespace

void AttentionBatch(ThreadPool& pool, const PagedKv& kv, const AttentionParams& p,
                    const std::vector<AttentionToken>& tokens, const float* q, float* out,
                    std::vector<float>& scratch) {
  if (tokens.empty()) return;
  const int32_t group = p.n_head / kv.n_kv_head;
  const size_t q_dim = size_t(p.n_head) * size_t(kv.head_dim_k);
  const size_t out_dim = size_t(p.n_head) * size_t(kv.head_dim_v);
  const size_t head_macs = size_t(kv.head_dim_k + kv.head_dim_v);
  // Tiles: runs of tokens of one sequence at consecutive positions.
  const int32_t max_heads = std::min(group, kMaxGroupHeads);
  const int32_t tile_tokens = std::clamp(kTileQueries / max_heads, 1, kMaxTileTokens);
  std::vector<Tile> tiles;
  for (int32_t t = 0; t < int32_t(tokens.size()); ++t) {
    const AttentionToken& tok = tokens[size_t(t)];
    const size_t visible = size_t(std::max(0, tok.kv_end - tok.kv_begin));
    if (!tiles.empty()) {
      Tile& last = tiles.back();
      const AttentionToken& prev = tokens[size_t(last.first + last.n_tokens - 1)];
      if (last.n_tokens < tile_tokens && tok.block_table == prev.block_table && tok.kv_end == prev.kv_end + 1) {
        ++last.n_tokens;
        last.cost += visible * head_macs;
        continue;
      }
    }
    tiles.push_back({t, 1, visible * head_macs});
  }
  std::sort(tiles.begin(), tiles.end(), [](const Tile& a, const Tile& b) { return a.cost > b.cost; });
  // Work items: (tile, KV head, up to kMaxGroupHeads of its query heads). With fewer (tile, KV head) pairs than
  // threads (decoding one sequence with few KV heads) the groups are split so that every thread works.
  const size_t kv_items = tiles.size() * size_t(kv.n_kv_head);
  const int32_t splits = int32_t(std::min<size_t>(size_t(group), (size_t(pool.size()) + kv_items - 1) / kv_items));
  const int32_t per_item = std::min((group + splits - 1) / splits, kMaxGroupHeads);
  const int32_t items_per_kv = (group + per_item - 1) / per_item;
  const size_t items_per_tile = size_t(kv.n_kv_head) * size_t(items_per_kv);
  int32_t longest = 1;
  size_t total_cost = 0;
  for (const Tile& t : tiles) {
    longest = std::max(longest, t.n_tokens);
    total_cost += t.cost;
  }
  const size_t per_thread = std::max(AttentionScratchFloats(kv, per_item),
                                     AttentionTileScratchFloats(kv, per_item, longest));
  if (scratch.size() < size_t(pool.size()) * per_thread) scratch.resize(size_t(pool.size()) * per_thread);
  const size_t n_items = tiles.size() * items_per_tile;
  const size_t item_cost = std::max<size_t>(1, total_cost * size_t(per_item) / tiles.size());
  const size_t grain = std::max<size_t>(1, kMinChunkMacs / item_cost);
  pool.ParallelForIndexed(n_items, grain, [&](size_t begin, size_t end, int thread) {
    float* scr = scratch.data() + size_t(thread) * per_thread;
    for (size_t item = begin; item < end; ++item) {
      const Tile& tile = tiles[item / items_per_tile];
      const int32_t slot = int32_t(item % items_per_tile);
      const int32_t first = (slot / items_per_kv) * group + (slot % items_per_kv) * per_item;
      const int32_t n_heads = std::min(per_item, (slot / items_per_kv + 1) * group - first);
      const size_t t0 = size_t(tile.first);
      PagedKv pk = kv;
      pk.block_table = tokens[t0].block_table;
      AttentionParams ap = p;
      if (tile.n_tokens * n_heads >= kMinTileQueries) {
        int32_t kv_begin[kMaxTileTokens], kv_end[kMaxTileTokens];
        for (int32_t t = 0; t < tile.n_tokens; ++t) {
          kv_begin[t] = tokens[t0 + size_t(t)].kv_begin;
          kv_end[t] = tokens[t0 + size_t(t)].kv_end;
        }
        const QueryTile qt{q + t0 * q_dim, q_dim, out + t0 * out_dim + size_t(first) * size_t(kv.head_dim_v),
                           out_dim, tile.n_tokens, kv_begin, kv_end};
        AttentionTile(qt, first, n_heads, pk, ap, scr);
        continue;
      }
      for (size_t t = t0; t < t0 + size_t(tile.n_tokens); ++t) {
        ap.kv_begin = tokens[t].kv_begin;
        ap.kv_end = tokens[t].kv_end;
        AttentionGroup(q + t * q_dim, first, n_heads, pk, ap, scr,
                       out + t * out_dim + size_t(first) * size_t(kv.head_dim_v));
      }
    }
  });
}

}  // namespace ingot::ops
