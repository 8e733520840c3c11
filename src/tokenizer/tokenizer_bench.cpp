// Encode throughput on a long mixed text (the tokenizer test inputs repeated) for each shared vocab file.
// Usage: tokenizer_bench [vocab.gguf ...]   (default: every ../shared/tokenizer/*.gguf)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  const std::string dir = std::string(INGOT_SHARED_DIR) + "/tokenizer/";
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty()) {
    for (const char* name : {"llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2", "falcon", "deepseek-coder",
                             "starcoder"}) {
      files.push_back(dir + "ggml-vocab-" + name + ".gguf");
    }
  }
  std::ifstream in(dir + "ggml-vocab-llama-bpe.gguf.inp", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text;
  while (text.size() < (1u << 20)) text += ss.str();  // ~1 MiB

  for (const std::string& path : files) {
    auto file = ingot::gguf::File::Open(path);
    if (!file.ok()) {
      std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
      return 1;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto tok = ingot::tok::Tokenizer::FromGguf(**file);
    if (!tok.ok()) {
      std::fprintf(stderr, "%s\n", tok.status().ToString().c_str());
      return 1;
    }
    const auto t1 = std::chrono::steady_clock::now();
    const std::vector<int32_t> ids = (*tok)->Encode(text, false, false);
    const auto t2 = std::chrono::steady_clock::now();
    const double load_s = std::chrono::duration<double>(t1 - t0).count();
    const double enc_s = std::chrono::duration<double>(t2 - t1).count();
    std::printf("%-40s load %6.3f s  encode %zu bytes -> %zu tokens in %6.3f s: %8.0f tokens/s, %5.1f MB/s\n",
                path.substr(path.rfind('/') + 1).c_str(), load_s, text.size(), ids.size(), enc_s,
                ids.size() / enc_s, text.size() / enc_s / 1e6);
  }
  return 0;
}
