// `ingot bench` end to end with the real binary on a tiny random model: prefill and decode are separate tests
// on an empty cache (as llama-bench runs them), --depth fills the cache before decoding, the JSON report holds
// what the table shows, and bad options are refused.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"

namespace ingot::cli {
namespace {

// ctest runs these tests in parallel: each has its own model file and log (`tag`).
std::string TinyModel(const std::string& tag) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  const std::string path = std::string(INGOT_TEST_TMP) + "/" + tag + ".gguf";
  const Output made = Ingot("dev make-model --arch llama --shape tiny --type Q4_K_M --out " + path, tag);
  EXPECT_EQ(made.status, 0) << made.text;
  return path;
}

TEST(BenchCommandTest, JsonReportsPrefillAndDecodeAtDepth) {
  const std::string model = TinyModel("bench-json");
  const Output out = Ingot("bench " + model + " -p 48 -n 8 -d 20 -r 2 -t 1 --json --no-roofline", "bench-json");
  ASSERT_EQ(out.status, 0) << out.text;
  const auto j = nlohmann::json::parse(out.text.substr(out.text.find('{')));
  EXPECT_EQ(j["n_prompt"], 48);
  EXPECT_EQ(j["n_gen"], 8);
  EXPECT_EQ(j["depth"], 20);
  EXPECT_EQ(j["prefill_samples"].size(), 2u);
  EXPECT_EQ(j["decode_samples"].size(), 2u);
  EXPECT_GT(j["prefill_tps_mean"].get<double>(), 0);
  EXPECT_GT(j["decode_tps_mean"].get<double>(), 0);
  // The cache holds the longer of the two tests: 48 prompt tokens, against 20 + 8 for decoding.
  EXPECT_GT(j["kv_cache_bytes"].get<double>(), 0);
  // A tiny model is smaller than one 2 MiB page: none of it can be mapped through one.
  EXPECT_EQ(j["huge_page_bytes"], 0);
}

TEST(BenchCommandTest, TableNamesDecodeAtDepth) {
  const std::string model = TinyModel("bench-table");
  const Output out = Ingot("bench " + model + " -p 16 -n 4 -d 8 -r 1 -t 1 --no-roofline", "bench-table");
  ASSERT_EQ(out.status, 0) << out.text;
  EXPECT_NE(out.text.find("| pp16 "), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("| tg4@d8 "), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("weights in 2 MiB pages: 0% of the file"), std::string::npos) << out.text;
  EXPECT_EQ(out.text.find("drop-cache"), std::string::npos) << "no advice for a file this small: " << out.text;
}

TEST(BenchCommandTest, RefusesBadOptions) {
  const std::string model = TinyModel("bench-bad");
  for (const char* bad : {"-d -1", "-n -2", "-r 0", "-b 0"}) {
    const Output out = Ingot("bench " + model + " " + bad + " --no-roofline", "bench-bad");
    EXPECT_NE(out.status, 0) << bad;
    EXPECT_NE(out.text.find("must be"), std::string::npos) << bad << ": " << out.text;
  }
  EXPECT_NE(Ingot("bench /nonexistent/model.gguf --no-roofline", "bench-bad").status, 0);
}

}  // namespace
}  // namespace ingot::cli
