// Tests for util: Result propagation, thread pool coverage, f16/bf16 round trips, mapped files.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <vector>

#include "util/fp16.h"
#include "util/mapped_file.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace ingot {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  INGOT_ASSIGN_OR_RETURN(int h, Half(x));
  INGOT_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status st = Quarter(6, &out);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.ToString(), "invalid argument: odd");
}

TEST(ThreadPoolTest, ParallelForCoversEveryIndexOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (size_t n : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
    }
  }
}

TEST(ThreadPoolTest, InterleavedRunAndParallelForStayConsistent) {
  ThreadPool pool(3);
  std::vector<int> data(997, 0);
  for (int rep = 0; rep < 2000; ++rep) {
    pool.ParallelForIndexed(data.size(), 7, [&](size_t b, size_t e, int thread) {
      EXPECT_GE(thread, 0);
      EXPECT_LT(thread, 3);
      for (size_t i = b; i < e; ++i) data[i]++;
    });
    if (rep % 3 == 0) {
      std::atomic<int> calls{0};
      pool.Run([&](int, int) { calls++; });
      EXPECT_EQ(calls.load(), 3);
    }
  }
  for (int v : data) EXPECT_EQ(v, 2000);
}

TEST(ThreadPoolTest, RunCallsEveryThreadManyTimes) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  for (int rep = 0; rep < 1000; ++rep) pool.Run([&](int, int n) { EXPECT_EQ(n, 2); calls++; });
  EXPECT_EQ(calls.load(), 2000);
}

TEST(Fp16Test, RoundTrips) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-4f, 0.333f}) {
    EXPECT_NEAR(F16ToF32(F32ToF16(f)), f, std::fabs(f) * 1e-3f);
    EXPECT_NEAR(Bf16ToF32(F32ToBf16(f)), f, std::fabs(f) * 1e-2f);
  }
  EXPECT_EQ(F32ToF16(1.0f), 0x3c00);
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
}

TEST(MappedFileTest, MissingFileIsNotFound) {
  auto r = MappedFile::Open("/nonexistent/x.gguf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/x.gguf"), std::string::npos);
}

TEST(MappedFileTest, MapsContents) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  std::string path = std::string(INGOT_TEST_TMP) + "/mapped.bin";
  ASSERT_TRUE(WriteStringToFile(path, "hello").ok());
  auto r = MappedFile::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->data()), r->size()), "hello");
}

// Files of 2 MiB and more are mapped at a 2 MiB-aligned address (so that the kernel can map them through 2 MiB
// pages) and read back exactly, including a length that is not a whole number of pages, after being dropped
// from the page cache and with part of the mapping advised to stay in 4 KiB pages.
TEST(MappedFileTest, LargeFilesMapAlignedAndSurviveDroppingTheCache) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  const std::string path = std::string(INGOT_TEST_TMP) + "/mapped_large.bin";
  std::string contents((size_t(5) << 20) + 123, '\0');
  for (size_t i = 0; i < contents.size(); ++i) contents[i] = static_cast<char>((i * 2654435761u) >> 13);
  ASSERT_TRUE(WriteStringToFile(path, contents).ok());
  ASSERT_TRUE(DropFromPageCache(path).ok());
  auto r = MappedFile::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(r->data()) % (size_t(2) << 20), 0u);
  ASSERT_EQ(r->size(), contents.size());
  r->AdviseSparse(r->data() + (size_t(1) << 20) + 5, size_t(2) << 20);  // splits the mapping in three
  r->AdviseSparse(r->data() + 100, 10);  // no whole page inside: nothing to do
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->data()), r->size()), contents);
  EXPECT_LE(r->HugePageBytes(), r->size() + (size_t(2) << 20));
  MappedFile moved = std::move(*r);  // the moved-to mapping unmaps once, at the end of the test
  EXPECT_EQ(static_cast<char>(moved.data()[contents.size() - 1]), contents.back());
}

TEST(MappedFileTest, DroppingAMissingFileFromTheCacheNamesIt) {
  const Status st = DropFromPageCache("/nonexistent/y.gguf");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/y.gguf"), std::string::npos);
}

}  // namespace
}  // namespace ingot
