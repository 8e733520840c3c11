// Tests of byte-count parsing and formatting and of the progress lines built from them.
#include "store/bytes.h"

#include <gtest/gtest.h>

#include "store/progress.h"

namespace ingot::store {
namespace {

TEST(Bytes, ParsesUnits) {
  EXPECT_EQ(*ParseByteSize("8000000000"), 8000000000u);
  EXPECT_EQ(*ParseByteSize("16G"), 16ull << 30);
  EXPECT_EQ(*ParseByteSize("16GiB"), 16ull << 30);
  EXPECT_EQ(*ParseByteSize("16gb"), 16000000000u);
  EXPECT_EQ(*ParseByteSize("512 MiB"), 512ull << 20);
  EXPECT_EQ(*ParseByteSize("1.5k"), 1536u);
  EXPECT_EQ(*ParseByteSize("2T"), 2ull << 40);
  EXPECT_EQ(*ParseByteSize("100B"), 100u);
  for (const char* bad : {"", "G", "-1G", "12X", "1.2.3G", "5 GiBs", "nan", "1e30"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

TEST(Bytes, Formats) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(double(3ull << 30)), "3.00 GiB");
}

TEST(Progress, BarAndPlainLines) {
  FetchProgress p;
  p.done = 512ull << 20;
  p.total = 1ull << 30;
  p.bytes_per_second = double(64ull << 20);
  EXPECT_EQ(FormatProgressBar(p, 10), "[#####.....]  50%  512.00 MiB / 1.00 GiB  64.00 MiB/s  ETA 0:08");
  EXPECT_EQ(FormatProgressLine(p), "50% of 1.00 GiB (512.00 MiB), 64.00 MiB/s, ETA 0:08");
  p.total = 0;
  EXPECT_EQ(FormatProgressLine(p), "512.00 MiB, 64.00 MiB/s");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(-1), "--:--");
}

}  // namespace
}  // namespace ingot::store
