// The work split of a batch's attention (ops::AttentionBatch). Runs of consecutive tokens of one sequence become
// query tiles, handed out per (tile, KV head). A lone token (decode) is handed out per range of its positions with
// all heads: each range is read a few blocks at a time for every KV head in turn, so that the cache is walked
// block after block (all of a block's heads are one contiguous stretch) instead of once per KV head, and with
// fewer tokens than threads the ranges of one token go to different threads and are merged afterwards.
#include <algorithm>

#include "ops/attention.h"

namespace ingot::ops {

namespace {

// Queries a tile aims at (tokens x heads): four 16-float registers of columns in the tile's products, so each
// converted V value is reused 64 times, while the scratch of a tile (the transposed outputs, 64 x head_dim floats)
// stays within L2 up to head_dim 512.
constexpr int32_t kTileQueries = 64;
// Tokens a tile holds at most: a larger tile wastes more of its last blocks on positions the causal mask hides.
constexpr int32_t kMaxTileTokens = 32;
// Below this many queries a tile's registers would be mostly padding: its tokens go one by one.
constexpr int32_t kMinTileQueries = 8;
// Positions a lone token's pass reads for all KV heads before moving on (4 blocks of 16: with head_dim 128 and 8
// KV heads 64 KiB of K and V, which stay in L2 while each KV head takes its rows).
constexpr int32_t kStrideChunk = 64;
// A lone token's positions are split over threads in ranges of at least this many positions, up to this many
// ranges per thread (more items than threads, so that a thread the OS holds back delays the layer by one small
// item; dynamic scheduling hands the rest to the others).
constexpr int32_t kMinRange = 128;
constexpr size_t kRangesPerThread = 4;
// Multiply-adds a chunk of work items should hold at least so that handing it to another thread pays for the
// wake-up.
constexpr size_t kMinChunkMacs = size_t(1) << 16;

struct Tile {
  int32_t first;     // batch index of its first token
  int32_t n_tokens;
};

// A work item: a tile's KV head (heads first_head .. + n_heads), or a range of a lone token's positions.
struct Item {
  int32_t tile;
  int32_t first_head;
  int32_t n_heads;
  int32_t range;      // lone tokens: which range (-1 for tile items)
  int32_t n_ranges;
  size_t cost;        // multiply-adds
};

// The range r of n_ranges over [begin, end), cut at block boundaries.
std::pair<int32_t, int32_t> Range(int32_t begin, int32_t end, int32_t r, int32_t n_ranges, int32_t block) {
  auto cut = [&](int32_t i) {
    if (i == 0) return begin;
    if (i == n_ranges) return end;
    const int32_t at = begin + int32_t(int64_t(end - begin) * i / n_ranges);
    return std::clamp(at / block * block, begin, end);
  };
  return {cut(r), cut(r + 1)};
}

}  // namespace

void AttentionBatch(ThreadPool& pool, const PagedKv& kv, const AttentionParams& p,
                    const std::vector<AttentionToken>& tokens, const float* q, float* out,
                    std::vector<float>& scratch) {
  if (tokens.empty()) return;
  const int32_t group = p.n_head / kv.n_kv_head;
  const int32_t dv = kv.head_dim_v;
  const size_t q_dim = size_t(p.n_head) * size_t(kv.head_dim_k);
  const size_t out_dim = size_t(p.n_head) * size_t(dv);
  const size_t head_macs = size_t(kv.head_dim_k + dv);
  auto visible = [&](size_t t) { return size_t(std::max(0, tokens[t].kv_end - tokens[t].kv_begin)); };
  // Tiles: runs of tokens of one sequence at consecutive positions.
  const int32_t per_call = std::min(group, kMaxGroupHeads);
  const int32_t tile_tokens = std::clamp(kTileQueries / per_call, 1, kMaxTileTokens);
  std::vector<Tile> tiles;
  for (int32_t t = 0; t < int32_t(tokens.size()); ++t) {
    if (!tiles.empty()) {
      Tile& last = tiles.back();
      const AttentionToken& prev = tokens[size_t(last.first + last.n_tokens - 1)];
      const AttentionToken& tok = tokens[size_t(t)];
      if (last.n_tokens < tile_tokens && tok.block_table == prev.block_table && tok.kv_end == prev.kv_end + 1) {
        ++last.n_tokens;
        continue;
      }
    }
    tiles.push_back({t, 1});
  }
  // Tiles with enough queries go per (tile, KV head); the tokens of the others one by one, each in ranges.
  const int32_t min_tile_tokens = (kMinTileQueries + per_call - 1) / per_call;
  size_t lone = 0;
  for (const Tile& t : tiles) lone += t.n_tokens < min_tile_tokens ? size_t(t.n_tokens) : 0;
  const int32_t ranges_wanted = int32_t(lone == 0 ? 1 : (kRangesPerThread * size_t(pool.size()) + lone - 1) / lone);
  std::vector<Item> items;
  std::vector<Tile> lone_tiles;  // one per lone token
  for (const Tile& t : tiles) {
    if (t.n_tokens >= min_tile_tokens) {
      size_t cost = 0;
      for (int32_t i = 0; i < t.n_tokens; ++i) cost += visible(size_t(t.first + i)) * head_macs * size_t(per_call);
      for (int32_t h = 0; h < p.n_head; h += per_call) {
        const int32_t n = std::min(per_call, (h / group + 1) * group - h);
        items.push_back({int32_t(&t - tiles.data()), h, n, -1, 0, cost});
      }
      continue;
    }
    for (int32_t i = 0; i < t.n_tokens; ++i) {
      const size_t tok = size_t(t.first + i);
      const int32_t n_ranges = std::clamp(int32_t(visible(tok)) / kMinRange, 1, ranges_wanted);
      const size_t cost = visible(tok) * head_macs * size_t(p.n_head) / size_t(n_ranges);
      for (int32_t r = 0; r < n_ranges; ++r) {
        items.push_back({int32_t(lone_tiles.size()), 0, 0, r, n_ranges, cost});
      }
      lone_tiles.push_back({int32_t(tok), 1});
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.cost > b.cost; });
  // States of split tokens' ranges, merged after the parallel pass: [lone token][range] slots of n_head heads.
  int32_t max_ranges = 1;
  for (const Item& it : items) max_ranges = std::max(max_ranges, it.n_ranges);
  const size_t state_floats = size_t(p.n_head) * size_t(dv + 1);
  const size_t n_slots = max_ranges > 1 ? lone_tiles.size() * size_t(max_ranges) : 0;
  int32_t longest = 1;
  for (const Tile& t : tiles) longest = std::max(longest, t.n_tokens);
  const size_t per_thread = std::max(AttentionScratchFloats(kv, per_call) + state_floats,
                                     AttentionTileScratchFloats(kv, per_call, longest));
  const size_t threads = size_t(pool.size());
  if (scratch.size() < threads * per_thread + n_slots * state_floats) {
    scratch.resize(threads * per_thread + n_slots * state_floats);
  }
  std::vector<double> sums((threads + n_slots) * size_t(p.n_head));
  // Thread i's state is at the start of its scratch, with sums[i]; slot s's after all threads', with sums[threads + s].
  auto state_at = [&](float* base, size_t sums_index) {
    return AttentionState{base, base + size_t(p.n_head) * size_t(dv), sums.data() + sums_index * size_t(p.n_head)};
  };
  auto slot_state = [&](size_t slot) {
    return state_at(scratch.data() + threads * per_thread + slot * state_floats, threads + slot);
  };
  size_t total_cost = 0;
  for (const Item& it : items) total_cost += it.cost;
  const size_t grain = std::max<size_t>(1, kMinChunkMacs * items.size() / std::max<size_t>(1, total_cost));
  pool.ParallelForIndexed(items.size(), grain, [&](size_t begin, size_t end, int thread) {
    float* scr = scratch.data() + size_t(thread) * per_thread;
    for (size_t i = begin; i < end; ++i) {
      const Item& it = items[i];
      AttentionParams ap = p;
      if (it.range < 0) {
        const Tile& tile = tiles[size_t(it.tile)];
        const size_t t0 = size_t(tile.first);
        int32_t kv_begin[kMaxTileTokens], kv_end[kMaxTileTokens];
        for (int32_t t = 0; t < tile.n_tokens; ++t) {
          kv_begin[t] = tokens[t0 + size_t(t)].kv_begin;
          kv_end[t] = tokens[t0 + size_t(t)].kv_end;
        }
        PagedKv pk = kv;
        pk.block_table = tokens[t0].block_table;
        const QueryTile qt{q + t0 * q_dim, q_dim, out + t0 * out_dim + size_t(it.first_head) * size_t(dv), out_dim,
                           tile.n_tokens, kv_begin, kv_end};
        AttentionTile(qt, it.first_head, it.n_heads, pk, ap, scr);
        continue;
      }
      // A lone token's range, all heads, kStrideChunk positions at a time for every KV head in turn.
      const size_t t = size_t(lone_tiles[size_t(it.tile)].first);
      PagedKv pk = kv;
      pk.block_table = tokens[t].block_table;
      float* group_scratch = scr + state_floats;
      const AttentionState state = it.n_ranges > 1
                                       ? slot_state(size_t(it.tile) * size_t(max_ranges) + size_t(it.range))
                                       : state_at(scr, size_t(thread));
      StartAttentionState(state, p.n_head, dv);
      const auto [r0, r1] = Range(tokens[t].kv_begin, tokens[t].kv_end, it.range, it.n_ranges, kv.block_size);
      for (int32_t c0 = r0; c0 < r1; c0 += kStrideChunk) {
        ap.kv_begin = c0;
        ap.kv_end = std::min(r1, c0 + kStrideChunk);
        for (int32_t h = 0; h < p.n_head; h += per_call) {
          const int32_t n = std::min(per_call, (h / group + 1) * group - h);
          const AttentionState heads{state.acc + size_t(h) * size_t(dv), state.max + h, state.sum + h};
          AttendRange(q + t * q_dim, h, n, pk, ap, group_scratch, heads);
        }
      }
      if (it.n_ranges == 1) FinishAttention(state, p.n_head, dv, out + t * out_dim);
    }
  });
  if (n_slots == 0) return;
  for (size_t lt = 0; lt < lone_tiles.size(); ++lt) {
    const size_t t = size_t(lone_tiles[lt].first);
    const int32_t n_ranges = std::clamp(int32_t(visible(t)) / kMinRange, 1, ranges_wanted);
    if (n_ranges == 1) continue;
    const AttentionState first = slot_state(lt * size_t(max_ranges));
    for (int32_t r = 1; r < n_ranges; ++r) {
      MergeAttentionState(first, slot_state(lt * size_t(max_ranges) + size_t(r)), p.n_head, dv);
    }
    FinishAttention(first, p.n_head, dv, out + t * out_dim);
  }
}

}  // namespace ingot::ops
