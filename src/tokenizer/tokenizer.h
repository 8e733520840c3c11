// Tokenizers built from GGUF metadata (tokenizer.ggml.*), reproducing llama.cpp token for token:
// SentencePiece-style ("llama": score-ordered merges with <0xNN> byte fallback), byte-level BPE ("gpt2": merge
// ranks with the pre-tokenizer chosen by tokenizer.ggml.pre) and Gemma 4's BPE over raw UTF-8 ("gemma4").
// Immutable after construction, so one Tokenizer may be shared by any number of threads; a StreamDecoder
// belongs to one sequence.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ingot::gguf {
class File;
}

namespace ingot::tok {

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

// The metadata a tokenizer is built from. FromGguf fills it from the file; tests build small ones by hand.
// Optional fields mean "key absent" and take llama.cpp's defaults for the model type.
struct VocabSpec {
  std::string model;                 // tokenizer.ggml.model: "llama", "gpt2" or "gemma4"
  std::optional<std::string> pre;    // tokenizer.ggml.pre
  std::string name;                  // general.name (llama.cpp derives a few token attributes from it)
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens
  std::vector<float> scores;         // tokenizer.ggml.scores (empty: all 0)
  std::vector<int32_t> types;        // tokenizer.ggml.token_type (empty: all normal)
  std::vector<std::string> merges;   // tokenizer.ggml.merges ("left right", rank = index)
  std::optional<int64_t> bos, eos, eot, eom, unk, sep, pad, mask;
  std::optional<int64_t> fim_pre, fim_suf, fim_mid, fim_pad, fim_rep, fim_sep;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
};

struct Vocab;

class Tokenizer {
 public:
  // Errors: missing or mistyped tokenizer keys (Corrupt), unknown tokenizer.ggml.model (Unsupported). An
  // unknown tokenizer.ggml.pre falls back to llama.cpp's default pre-tokenizer with a warning, as llama.cpp does.
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const gguf::File& file);
  static Result<std::unique_ptr<Tokenizer>> FromSpec(VocabSpec spec);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // add_special: BOS (and EOS) as the vocab's add_bos/add_eos flags say. parse_special: control tokens written
  // in the text (e.g. "<|im_end|>") become their ids; user-defined tokens (e.g. Qwen's "<think>") are matched
  // either way, as llama.cpp does.
  std::vector<int32_t> Encode(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes a token contributes to text: "" for control/unknown tokens and out-of-range ids. May be a partial
  // UTF-8 sequence (byte tokens); see StreamDecoder.
  std::string TokenToPiece(int32_t id) const;
  // The raw vocabulary string (e.g. "<|im_end|>", "▁the", "Ġthe"); "" for out-of-range ids.
  std::string TokenText(int32_t id) const;
  // Concatenated pieces. remove_leading_space: for vocabs that add a space prefix (SentencePiece), drop one
  // leading space from the first token after an optional BOS (llama.cpp's detokenize rule). render_special:
  // control tokens render as their text. Raw bytes, not validated as UTF-8.
  std::string Decode(const std::vector<int32_t>& ids, bool remove_leading_space = false,
                     bool render_special = false) const;

  int32_t n_vocab() const;
  int32_t bos() const;  // -1 if none
  int32_t eos() const;  // -1 if none
  int32_t eot() const;  // -1 if none
  int32_t unk() const;  // -1 if none
  int32_t pad() const;  // -1 if none
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;
  // End of generation: EOS, EOT, EOM and the turn-ending tokens llama.cpp recognises by text.
  bool IsEog(int32_t id) const;
  bool IsControl(int32_t id) const;
  TokenType token_type(int32_t id) const;  // as read from the file (kUndefined for out-of-range ids)
  std::optional<int32_t> FindToken(std::string_view text) const;  // exact vocab string lookup
  std::string_view model() const;  // "llama", "gpt2" or "gemma4"
  std::string_view pre() const;    // pre-tokenizer in use ("default" for SentencePiece and fallbacks)

 private:
  explicit Tokenizer(std::unique_ptr<const Vocab> vocab);
  std::unique_ptr<const Vocab> vocab_;
};

// Turns a stream of token ids into text that is always valid UTF-8: bytes of a character split across tokens
// are held back until the character is complete; bytes that can never form a character become U+FFFD.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  // Text that became complete with this token (possibly empty).
  std::string Push(int32_t id);
  // End of stream: whatever is still held back, with an unfinished character replaced by U+FFFD.
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;
};

}  // namespace ingot::tok
