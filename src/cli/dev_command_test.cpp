// `ingot dev make-model` end to end with the real binary: a tiny random model of every architecture the writers
// know, which `ingot inspect` describes (total and active parameters for MoE) and `ingot run` generates from.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_test_util.h"

namespace {

using ingot::cli::Ingot;
using ingot::cli::Output;

TEST(DevCommandTest, EveryArchitectureMakesInspectsAndRuns) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  struct Case {
    const char* arch;
    const char* shape;
    const char* gguf_arch;
    bool moe;
  };
  const Case cases[] = {
      {"llama", "tiny", "llama", false},   {"mistral", "tiny", "llama", false},   {"mixtral", "tiny", "llama", true},
      {"mistral3", "tiny", "mistral3", false}, {"qwen2", "tiny", "qwen2", false}, {"qwen3", "tiny", "qwen3", false},
      {"qwen3moe", "tiny", "qwen3moe", true}, {"gemma2", "tiny", "gemma2", false}, {"gemma3", "tiny", "gemma3", false},
      {"phi3", "tiny", "phi3", false},     {"gemma4", "tiny", "gemma4", false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.arch);
    const std::string path = std::string(INGOT_TEST_TMP) + "/dev-" + c.arch + ".gguf";
    Output made = Ingot(std::string("dev make-model --arch ") + c.arch + " --shape " + c.shape +
                        " --type Q4_K_M --out " + path);
    ASSERT_EQ(made.status, 0) << made.text;
    Output inspect = Ingot("inspect " + path);
    ASSERT_EQ(inspect.status, 0) << inspect.text;
    EXPECT_NE(inspect.text.find(std::string("architecture:  ") + c.gguf_arch + "\n"), std::string::npos)
        << inspect.text;
    EXPECT_EQ(inspect.text.find(" active)") != std::string::npos, c.moe) << inspect.text;
    Output run = Ingot("run " + path + " -p 'Once upon a time' -n 4 --temp 0 -t 1");
    ASSERT_EQ(run.status, 0) << run.text;
    EXPECT_NE(run.text.find("generated: 4 tokens"), std::string::npos) << run.text;
  }
  EXPECT_NE(Ingot("dev make-model --arch gpt2 --out x.gguf").status, 0);
  EXPECT_NE(Ingot("dev make-model --arch qwen3 --shape huge --out x.gguf").status, 0);
}

TEST(DevCommandTest, DropCacheKeepsTheFileAndRefusesMissingOnes) {
  std::filesystem::create_directories(INGOT_TEST_TMP);
  const std::string path = std::string(INGOT_TEST_TMP) + "/dev-drop.gguf";
  ASSERT_EQ(Ingot("dev make-model --arch llama --shape tiny --out " + path).status, 0);
  const Output dropped = Ingot("dev drop-cache " + path);
  ASSERT_EQ(dropped.status, 0) << dropped.text;
  EXPECT_NE(dropped.text.find("dropped " + path), std::string::npos) << dropped.text;
  const Output run = Ingot("run " + path + " -p 'Once' -n 2 --temp 0 -t 1");
  EXPECT_EQ(run.status, 0) << run.text;
  const Output missing = Ingot("dev drop-cache /nonexistent/m.gguf");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.text.find("/nonexistent/m.gguf"), std::string::npos) << missing.text;
}

}  // namespace
