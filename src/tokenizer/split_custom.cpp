// The GPT-2 and Llama 3 pre-tokenizer regexes as hand-written scanners, behaving like llama.cpp's custom
// implementations (including how they treat chunk boundaries):
//   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//            \s*[\r\n]+|\s+(?!\S)|\s+
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

namespace ingot::tok::internal {
namespace {

constexpr uint32_t kNone = 0xFFFFFFFF;  // "no character": a position outside the chunk

// One chunk [begin, end) of the code points, with helpers that see nothing outside it.
class ChunkScanner {
 public:
  ChunkScanner(const std::vector<uint32_t>& cps, size_t begin, size_t end, std::vector<size_t>* out)
      : cps_(cps), begin_(begin), end_(end), prev_end_(begin), out_(out) {}

  uint32_t Cp(size_t pos) const { return pos >= begin_ && pos < end_ ? cps_[pos] : kNone; }
  CpFlags Flags(size_t pos) const { return pos >= begin_ && pos < end_ ? FlagsOf(cps_[pos]) : CpFlags{}; }
  size_t end() const { return end_; }

  // Closes the word ending at `pos`; returns its length (0 if nothing since the last word).
  size_t Emit(size_t pos) {
    const size_t len = pos - prev_end_;
    if (len > 0) out_->push_back(len);
    prev_end_ = pos;
    return len;
  }

  // Length of a contraction ('s 't 'm 'd 're 've 'll) at pos, or 0. Case-insensitive when asked.
  size_t Contraction(size_t pos, bool fold_case) const {
    if (Cp(pos) != '\'' || pos + 1 >= end_) return 0;
    auto fold = [&](uint32_t c) { return fold_case && c >= 'A' && c <= 'Z' ? c + 32 : c; };
    const uint32_t a = fold(Cp(pos + 1));
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= end_) return 0;
    const uint32_t b = fold(Cp(pos + 2));
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
  }

 private:
  const std::vector<uint32_t>& cps_;
  size_t begin_, end_, prev_end_;
  std::vector<size_t>* out_;
};

bool IsOther(CpFlags f) { return !f.none() && !f.whitespace() && !f.letter() && !f.number(); }

void Gpt2Chunk(ChunkScanner& s, size_t begin) {
  size_t pos = begin;
  while (pos < s.end()) {
    const uint32_t cp = s.Cp(pos);
    if (const size_t n = s.Contraction(pos, false)) {
      pos += s.Emit(pos + n);
      continue;
    }
    // An optional leading space joins the run that follows it.
    const size_t lead = cp == ' ' ? 1 : 0;
    const CpFlags f = s.Flags(pos + lead);
    if (f.letter() || f.number() || IsOther(f)) {
      pos += lead;
      if (f.letter()) {
        while (s.Flags(pos).letter()) ++pos;
      } else if (f.number()) {
        while (s.Flags(pos).number()) ++pos;
      } else {
        while (IsOther(s.Flags(pos))) ++pos;
      }
      s.Emit(pos);
      continue;
    }
    size_t n_ws = 0;
    while (s.Flags(pos + n_ws).whitespace()) ++n_ws;
    if (n_ws > 1 && pos + n_ws < s.end()) {
      pos += n_ws - 1;  // \s+(?!\S): leave the last space to prefix the next word
    } else if (n_ws > 0) {
      pos += n_ws;
    } else {
      pos += 1;
    }
    s.Emit(pos);
  }
}

void Llama3Chunk(ChunkScanner& s, size_t begin) {
  size_t pos = begin;
  while (pos < s.end()) {
    const uint32_t cp = s.Cp(pos);
    const CpFlags flags = s.Flags(pos);
    if (const size_t n = s.Contraction(pos, true)) {
      pos += s.Emit(pos + n);
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!(cp == '\r' || cp == '\n' || flags.number()) && (flags.letter() || s.Flags(pos + 1).letter())) {
      ++pos;
      while (s.Flags(pos).letter()) ++pos;
      s.Emit(pos);
      continue;
    }
    // \p{N}{1,3}
    if (flags.number()) {
      size_t run_start = pos;
      while (s.Flags(pos).number()) {
        if (++pos - run_start >= 3) {
          s.Emit(pos);
          run_start = pos;
        }
      }
      s.Emit(pos);
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n]*" (llama.cpp tests the current character for "is a character" here)
    CpFlags f2 = cp == ' ' ? s.Flags(pos + 1) : flags;
    if (!(f2.whitespace() || f2.letter() || f2.number()) && !flags.none()) {
      if (cp == ' ') ++pos;
      while (IsOther(f2)) f2 = s.Flags(++pos);
      while (s.Cp(pos) == '\r' || s.Cp(pos) == '\n') ++pos;
      s.Emit(pos);
      continue;
    }
    size_t n_ws = 0;
    size_t last_newline_end = 0;
    while (s.Flags(pos + n_ws).whitespace()) {
      const uint32_t c = s.Cp(pos + n_ws);
      if (c == '\r' || c == '\n') last_newline_end = pos + n_ws + 1;
      ++n_ws;
    }
    if (last_newline_end > 0) {
      pos = last_newline_end;  // \s*[\r\n]+
    } else if (n_ws > 1 && pos + n_ws < s.end()) {
      pos += n_ws - 1;  // \s+(?!\S)
    } else if (n_ws > 0) {
      pos += n_ws;
    } else {
      pos += 1;
    }
    s.Emit(pos);
  }
}

template <typename ChunkFn>
void ForEachChunk(const std::vector<uint32_t>& cps, const std::vector<size_t>& in, std::vector<size_t>* out,
                  ChunkFn fn) {
  size_t start = 0;
  for (const size_t len : in) {
    ChunkScanner scanner(cps, start, start + len, out);
    fn(scanner, start);
    start += len;
  }
}

}  // namespace

void SplitGpt2(const std::vector<uint32_t>& cps, const std::vector<size_t>& in, std::vector<size_t>* out) {
  ForEachChunk(cps, in, out, Gpt2Chunk);
}

void SplitLlama3(const std::vector<uint32_t>& cps, const std::vector<size_t>& in, std::vector<size_t>* out) {
  ForEachChunk(cps, in, out, Llama3Chunk);
}

}  // namespace ingot::tok::internal
