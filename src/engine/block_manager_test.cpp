// BlockManager: allocation, reference counting, prefix reuse and LRU eviction of cached blocks.
#include "engine/kv/block_manager.h"

#include <gtest/gtest.h>

namespace ingot::engine {
namespace {

std::vector<int32_t> Tokens(int32_t n, int32_t base = 0) {
  std::vector<int32_t> t;
  for (int32_t i = 0; i < n; ++i) t.push_back(base + i);
  return t;
}

TEST(BlockManagerTest, AllocatesUntilEmpty) {
  BlockManager m(3, 4);
  EXPECT_EQ(m.available(), 3);
  auto a = m.Allocate(), b = m.Allocate(), c = m.Allocate();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(m.Allocate().has_value());
  EXPECT_EQ(m.used(), 3);
  m.Release(*b);
  EXPECT_EQ(m.available(), 1);
  EXPECT_EQ(*m.Allocate(), *b);
}

TEST(BlockManagerTest, ReusesRegisteredPrefix) {
  BlockManager m(8, 4);
  auto toks = Tokens(10);
  std::vector<int32_t> table;
  for (int i = 0; i < 3; ++i) table.push_back(*m.Allocate());
  uint64_t h = 0;
  h = m.Register(h, toks.data(), table[0]);
  h = m.Register(h, toks.data() + 4, table[1]);
  for (int32_t b : table) m.Release(b);
  EXPECT_EQ(m.available(), 8);  // cached blocks are still available for allocation

  std::vector<int32_t> reused;
  uint64_t chain = 0;
  EXPECT_EQ(m.AcquirePrefix(toks, 2, &reused, &chain), 2);
  EXPECT_EQ(reused, (std::vector<int32_t>{table[0], table[1]}));
  EXPECT_EQ(chain, h);
  EXPECT_EQ(m.used(), 2);

  // A prompt diverging in the second block reuses only the first.
  auto other = toks;
  other[5] = 99;
  std::vector<int32_t> reused2;
  EXPECT_EQ(m.AcquirePrefix(other, 2, &reused2, &chain), 1);
  EXPECT_EQ(reused2[0], table[0]);
}

TEST(BlockManagerTest, EvictsLeastRecentlyUsedCachedBlock) {
  BlockManager m(2, 2);
  auto t1 = Tokens(2, 0), t2 = Tokens(2, 10);
  auto a = *m.Allocate(), b = *m.Allocate();
  m.Register(0, t1.data(), a);
  m.Register(0, t2.data(), b);
  m.Release(a);  // a is older in the LRU
  m.Release(b);
  auto c = m.Allocate();
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, a);
  std::vector<int32_t> reused;
  uint64_t chain = 0;
  EXPECT_EQ(m.AcquirePrefix(t1, 1, &reused, &chain), 0);  // evicted
  EXPECT_EQ(m.AcquirePrefix(t2, 1, &reused, &chain), 1);  // still cached
}

// The sliding-window pool looks blocks up by the chain hash the full pool computed for the same positions.
TEST(BlockManagerTest, FindsAndAcquiresByChainHash) {
  BlockManager m(4, 2);
  auto t = Tokens(4);
  auto a = *m.Allocate(), b = *m.Allocate();
  const uint64_t h0 = m.Register(0, t.data(), a);
  const uint64_t h1 = m.Register(h0, t.data() + 2, b);
  EXPECT_EQ(h0, m.Hash(0, t.data()));
  EXPECT_EQ(h1, m.Hash(h0, t.data() + 2));
  m.Release(a);
  m.Release(b);
  EXPECT_EQ(m.Find(h1, t.data() + 2), b);
  EXPECT_FALSE(m.Find(h1, t.data()).has_value());  // same hash, other tokens: a collision, not a hit
  EXPECT_FALSE(m.Find(h1 ^ 1, t.data() + 2).has_value());
  m.Acquire(b);
  EXPECT_EQ(m.used(), 1);
  m.Release(b);
  EXPECT_EQ(m.used(), 0);
  EXPECT_EQ(m.Find(h1, t.data() + 2), b);  // still cached
}

}  // namespace
}  // namespace ingot::engine
