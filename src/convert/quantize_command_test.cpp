// `ingot quantize` at the command level (CLI11 parsing, progress lines, error messages), run in-process.
#include "cli/quantize_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "gguf/gguf.h"

namespace ingot::cli {
namespace {

const std::string kModels = std::string(INGOT_SHARED_DIR) + "/models/";

std::string TmpPath(const std::string& name) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  return std::string(INGOT_TEST_TMP) + "/quantize-cmd-" + name;
}

// Runs `ingot quantize ARGS...`; returns the CommandError message, or "" on success.
std::string RunQuantize(std::vector<std::string> args) {
  CLI::App app{"test", "ingot"};
  AddQuantizeCommand(app);
  args.insert(args.begin(), "quantize");
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  try {
    app.parse(args);
  } catch (const CommandError& e) {
    return e.message;
  }
  return "";
}

TEST(QuantizeCommand, VerboseRunPrintsOneLinePerTensorWithErrors) {
  const std::string out = TmpPath("q4_k_m.gguf");
  std::filesystem::remove(out);
  testing::internal::CaptureStderr();
  const std::string err = RunQuantize({kModels + "llama-gqa-f32.gguf", out, "q4_k_m", "--verbose", "-t", "2"});
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_EQ(err, "");
  EXPECT_NE(log.find("[39/39]"), std::string::npos) << log;
  EXPECT_NE(log.find("blk.3.ffn_down.weight"), std::string::npos);
  EXPECT_NE(log.find("F32 -> Q6_K"), std::string::npos);
  EXPECT_NE(log.find("rmse"), std::string::npos);
  EXPECT_NE(log.find("(copied)"), std::string::npos);
  auto f = gguf::File::Open(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(*f.value()->GetInt("general.file_type").value(), 15);
}

TEST(QuantizeCommand, UnknownTypeListsValidOnes) {
  const std::string err = RunQuantize({kModels + "llama-gqa-f32.gguf", TmpPath("x.gguf"), "Q3_K_M"});
  EXPECT_NE(err.find("unknown quantization type 'Q3_K_M'"), std::string::npos) << err;
  EXPECT_NE(err.find("Q8_0, Q4_0, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K"), std::string::npos) << err;
}

TEST(QuantizeCommand, QuantizedInputIsRejected) {
  testing::internal::CaptureStderr();
  const std::string err = RunQuantize({kModels + "llama-gqa-q4_k_m.gguf", TmpPath("y.gguf"), "Q8_0"});
  testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("needs an F32, F16 or BF16 model"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(TmpPath("y.gguf")));
}

TEST(QuantizeCommand, UnwritableOutputAndMissingInput) {
  testing::internal::CaptureStderr();
  std::string err = RunQuantize({kModels + "llama-gqa-f32.gguf", "/nonexistent-dir/z.gguf", "Q8_0"});
  EXPECT_NE(err.find("/nonexistent-dir/z.gguf: cannot write output"), std::string::npos) << err;
  err = RunQuantize({kModels + "llama-gqa-f32.gguf", INGOT_TEST_TMP, "Q8_0"});
  EXPECT_NE(err.find("is a directory"), std::string::npos) << err;
  err = RunQuantize({TmpPath("missing.gguf"), TmpPath("z.gguf"), "Q8_0"});
  EXPECT_NE(err.find("missing.gguf"), std::string::npos) << err;
  testing::internal::GetCapturedStderr();
}

TEST(QuantizeCommand, MissingArgumentsAreParseErrors) {
  CLI::App app{"test", "ingot"};
  AddQuantizeCommand(app);
  EXPECT_THROW(app.parse(std::vector<std::string>{"in.gguf", "quantize"}), CLI::ParseError);
}

}  // namespace
}  // namespace ingot::cli
