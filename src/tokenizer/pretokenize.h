// Byte-level BPE pre-tokenizers: split text into words before merging, reproducing the regex lists llama.cpp
// selects by `tokenizer.ggml.pre`. The regexes are hand-written over code points (no std::regex): each stage
// refines the chunks of the previous one, and text no alternative matches stays as its own chunk, exactly as
// llama.cpp's unicode_regex_split does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ingot::tok {

enum class PreKind {
  kDefault,        // llama.cpp's fallback list: punctuation runs, GPT-2 regex, digit runs, digit triples
  kGpt2,           // GPT-2 regex
  kLlama3,         // Llama 3 regex (contractions, letters, 1-3 digits, ...)
  kQwen2,          // Llama 3 regex with single digits
  kDeepseekLlm,    // DeepSeek LLM list
  kDeepseekCoder,  // DeepSeek Coder list
  kDeepseekV3,     // DeepSeek V3 / R1 list
  kFalcon,         // Falcon list
  kStarcoder,      // single digits, then the GPT-2 regex (StarCoder, SmolLM, Refact, Command-R, ...)
  kGpt4o,          // GPT-4o / Llama 4 / gpt-oss: case-aware words, 1-3 digits
  kTekken,         // Mistral Tekken: case-aware words, single digits
  kNewlines,       // Gemma 4: only runs of newlines are split off ([^\n]+|[\n]+)
};

struct PreTokenizerInfo {
  PreKind kind = PreKind::kDefault;
  bool ignore_merges = false;  // a word that is a whole vocab entry is emitted without merging
  bool add_bos = false;        // default for tokenizer.ggml.add_bos_token
  bool no_bos = false;         // the vocab has no BOS token (ChatGLM)
};

// The pre-tokenizer llama.cpp uses for a `tokenizer.ggml.pre` value; nullopt if we do not know the name.
std::optional<PreTokenizerInfo> FindPreTokenizer(std::string_view name);
// Comma-separated list of the names FindPreTokenizer knows (for error messages).
std::string SupportedPreTokenizers();

// Splits code points into words. Returns the words' lengths in code points, in order; they sum to cps.size().
std::vector<size_t> PreTokenize(PreKind kind, const std::vector<uint32_t>& cps);

namespace internal {
// The two splitters llama.cpp hand-codes (unicode_regex_split_custom_*), ported for exact parity. Each refines
// every chunk of `in` (lengths in code points) and appends the results to `out`.
void SplitGpt2(const std::vector<uint32_t>& cps, const std::vector<size_t>& in, std::vector<size_t>* out);
void SplitLlama3(const std::vector<uint32_t>& cps, const std::vector<size_t>& in, std::vector<size_t>* out);
}  // namespace internal

}  // namespace ingot::tok
